//! `Server` and `MemStream`: a scripted peer behind an in-memory duplex pipe.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

type Script = dyn Fn(&[u8]) -> Option<(usize, Vec<u8>)> + Send + Sync;

/// A scripted peer. Each [`connect`](Server::connect) opens a fresh in-memory connection
/// to it; the script turns complete requests into replies as soon as they arrive.
#[derive(Clone)]
pub struct Server {
    script: Arc<Script>,
    write_chunk: usize,
    read_chunk: usize,
    stall: bool,
    connections: Arc<Mutex<usize>>,
}

impl Server {
    /// A peer driven by `script`: given the bytes received and not yet consumed, it returns
    /// `Some((consumed, reply))` for one complete request at the front, or `None` if more
    /// bytes are needed.
    pub fn new(script: impl Fn(&[u8]) -> Option<(usize, Vec<u8>)> + Send + Sync + 'static) -> Self {
        Self {
            script: Arc::new(script),
            write_chunk: usize::MAX,
            read_chunk: usize::MAX,
            stall: true,
            connections: Arc::new(Mutex::new(0)),
        }
    }

    /// A line protocol: each `\n`-terminated request line (without the `\n`) is answered
    /// with `reply(line)` followed by `\n`.
    pub fn lines(reply: impl Fn(&str) -> String + Send + Sync + 'static) -> Self {
        Self::new(move |input| {
            let end = input.iter().position(|&b| b == b'\n')?;
            let line = String::from_utf8_lossy(&input[..end]);
            let mut out = reply(&line).into_bytes();
            out.push(b'\n');
            Some((end + 1, out))
        })
    }

    /// Accept at most `n` bytes per `poll_write`, so `write_all` can be cut mid-request.
    pub fn write_chunk(mut self, n: usize) -> Self {
        self.write_chunk = n.max(1);
        self
    }

    /// Hand out at most `n` bytes per `poll_read`, so a reply arrives in pieces.
    pub fn read_chunk(mut self, n: usize) -> Self {
        self.read_chunk = n.max(1);
        self
    }

    /// Whether every read, write and flush returns `Pending` once before it makes progress
    /// (default `true`): each I/O step becomes a point where the future can be dropped.
    pub fn stall(mut self, stall: bool) -> Self {
        self.stall = stall;
        self
    }

    /// Open a new connection.
    pub fn connect(&self) -> MemStream {
        *lock(&self.connections) += 1;
        MemStream {
            pipe: Arc::new(Mutex::new(Pipe::default())),
            server: self.clone(),
        }
    }

    /// How many connections were opened so far.
    pub fn connections(&self) -> usize {
        *lock(&self.connections)
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("write_chunk", &self.write_chunk)
            .field("read_chunk", &self.read_chunk)
            .field("stall", &self.stall)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Pipe {
    /// Client to peer, not yet a complete request.
    inbound: Vec<u8>,
    /// Peer to client.
    outbound: VecDeque<u8>,
    stalled_read: bool,
    stalled_write: bool,
}

/// The client's end of an in-memory connection to a [`Server`]. Implements tokio's
/// `AsyncRead` and `AsyncWrite`; wrap it in `BufStream` like a `TcpStream`.
#[derive(Debug)]
pub struct MemStream {
    pipe: Arc<Mutex<Pipe>>,
    server: Server,
}

impl MemStream {
    /// Open a fresh connection to the same server (what a reconnect fn does). Replies
    /// pending on this connection are not carried over.
    pub fn reconnect(&self) -> MemStream {
        self.server.connect()
    }
}

impl std::fmt::Debug for Pipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipe")
            .field("inbound", &self.inbound.len())
            .field("outbound", &self.outbound.len())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not hide its own failure behind a poison error.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Returns `true` (and asks to be polled again) on every other call when stalling is on.
fn stall(enabled: bool, flag: &mut bool, cx: &mut Context<'_>) -> bool {
    if !enabled {
        return false;
    }
    *flag = !*flag;
    if *flag {
        cx.waker().wake_by_ref();
    }
    *flag
}

impl AsyncRead for MemStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut pipe = lock(&self.pipe);
        if stall(self.server.stall, &mut pipe.stalled_read, cx) {
            return Poll::Pending;
        }
        if pipe.outbound.is_empty() {
            // Nothing will ever arrive without a new request; the harness counts polls.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let n = pipe
            .outbound
            .len()
            .min(buf.remaining())
            .min(self.server.read_chunk);
        let bytes: Vec<u8> = pipe.outbound.drain(..n).collect();
        buf.put_slice(&bytes);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for MemStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut guard = lock(&self.pipe);
        let pipe = &mut *guard;
        if stall(self.server.stall, &mut pipe.stalled_write, cx) {
            return Poll::Pending;
        }
        let n = buf.len().min(self.server.write_chunk);
        pipe.inbound.extend_from_slice(&buf[..n]);
        while let Some((used, reply)) = (self.server.script)(&pipe.inbound) {
            if used == 0 {
                break; // a script that consumes nothing would loop forever
            }
            pipe.inbound.drain(..used.min(pipe.inbound.len()));
            pipe.outbound.extend(reply);
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut pipe = lock(&self.pipe);
        if stall(self.server.stall, &mut pipe.stalled_write, cx) {
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
