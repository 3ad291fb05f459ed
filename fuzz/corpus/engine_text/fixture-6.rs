use std::io;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::in_flight::{InFlight, Stats};

pub struct Conn {
    stream: TcpStream,
    cancel: cancelsafe::CancelState,
    busy: bool,
    broken: Arc<AtomicBool>,
}

impl Conn {
    // Good: the guard attribute recovers an interrupted exchange.
    #[cancelsafe::guard(state = self.cancel)]
    pub async fn guarded(&mut self) -> io::Result<u8> {
        self.stream.write_all(b"Q\r\n").await?;
        self.stream.read_u8().await
    }

    // Good: poison flag set before the write and reset after the read.
    pub async fn poisoned(&mut self) -> io::Result<u8> {
        self.busy = true;
        self.stream.write_all(b"Q\r\n").await?;
        let r = self.stream.read_u8().await?;
        self.busy = false;
        Ok(r)
    }

    // Bad: the flag is set but never reset, so it cannot tell an interrupted exchange
    // from a finished one.
    pub async fn poison_never_reset(&mut self) -> io::Result<u8> {
        self.busy = true;
        self.stream.write_all(b"Q\r\n").await?; //~ unguarded_write_then_read
        let r = self.stream.read_u8().await?;
        Ok(r)
    }

    // Bad: the flag is reset before the reply is read.
    pub async fn poison_reset_early(&mut self) -> io::Result<u8> {
        self.busy = true;
        self.stream.write_all(b"Q\r\n").await?; //~ unguarded_write_then_read
        self.busy = false;
        self.stream.read_u8().await
    }

    // Good: a local drop guard (its type has `impl Drop`, in another file) is alive
    // across the exchange.
    pub async fn with_drop_guard(&mut self) -> io::Result<u8> {
        let guard = InFlight::new(&self.broken);
        self.stream.write_all(b"Q\r\n").await?;
        let r = self.stream.read_u8().await?;
        guard.finish();
        Ok(r)
    }

    // Bad: the drop guard is dropped before the reply is read.
    pub async fn with_drop_guard_dropped_early(&mut self) -> io::Result<u8> {
        let guard = InFlight::new(&self.broken);
        self.stream.write_all(b"Q\r\n").await?; //~ unguarded_write_then_read
        drop(guard);
        self.stream.read_u8().await
    }

    // Bad: a local of a type without `Drop` records nothing.
    pub async fn with_plain_local(&mut self) -> io::Result<u8> {
        let stats = Stats {
            started: std::time::Instant::now(),
        };
        self.stream.write_all(b"Q\r\n").await?; //~ unguarded_write_then_read
        let r = self.stream.read_u8().await?;
        let _ = stats.started.elapsed();
        Ok(r)
    }
}
