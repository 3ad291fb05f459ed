//! Cost of `#[cancelsafe::guard]` per request on an in-memory stream, guarded vs unguarded,
//! in one process. Run: `cargo bench -p cancelsafe --bench overhead`.

use std::collections::VecDeque;
use std::hint::black_box;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use cancelsafe::testing::block_on;
use cancelsafe::CancelState;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

/// An echo peer: every byte written comes straight back. Never pending.
#[derive(Default)]
struct Echo {
    data: VecDeque<u8>,
}

impl AsyncRead for Echo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.data.len().min(buf.remaining());
        let (a, b) = self.data.as_slices();
        let from_a = n.min(a.len());
        buf.put_slice(&a[..from_a]);
        buf.put_slice(&b[..n - from_a]);
        self.data.drain(..n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Echo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.data.extend(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

struct Client {
    stream: Echo,
    reply: [u8; 64],
    cancel: CancelState,
}

impl Client {
    async fn get_unguarded(&mut self, req: &[u8]) -> io::Result<usize> {
        self.stream.write_all(req).await?;
        self.stream.flush().await?;
        self.read_reply().await
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_guarded(&mut self, req: &[u8]) -> io::Result<usize> {
        self.stream.write_all(req).await?;
        self.stream.flush().await?;
        self.read_reply().await
    }

    async fn read_reply(&mut self) -> io::Result<usize> {
        let mut n = 0;
        loop {
            n += self.stream.read(&mut self.reply[n..]).await?;
            if self.reply[..n].ends_with(b"\n") {
                return Ok(n);
            }
        }
    }
}

const CALLS: u32 = 1_000_000;
const ROUNDS: usize = 7;

fn measure(c: &mut Client, guarded: bool) -> f64 {
    let req: &[u8] = b"GET key:000042\n";
    let start = Instant::now();
    for _ in 0..CALLS {
        let n = if guarded {
            block_on(c.get_guarded(black_box(req)))
        } else {
            block_on(c.get_unguarded(black_box(req)))
        };
        black_box(n.expect("never pending").expect("echo works"));
    }
    start.elapsed().as_nanos() as f64 / f64::from(CALLS)
}

fn main() {
    let mut c = Client {
        stream: Echo::default(),
        reply: [0; 64],
        cancel: CancelState::new(),
    };
    // Warm up, then interleave rounds so both see the same machine load; keep the best.
    measure(&mut c, false);
    measure(&mut c, true);
    let (mut plain, mut guarded) = (f64::MAX, f64::MAX);
    for _ in 0..ROUNDS {
        plain = plain.min(measure(&mut c, false));
        guarded = guarded.min(measure(&mut c, true));
    }
    println!("unguarded: {plain:8.2} ns/call");
    println!("guarded:   {guarded:8.2} ns/call");
    println!(
        "overhead:  {:+8.2} ns/call, ratio {:.4} ({:+.2}%)",
        guarded - plain,
        guarded / plain,
        (guarded / plain - 1.0) * 100.0
    );
}
