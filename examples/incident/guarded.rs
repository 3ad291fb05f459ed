//! The same client, made cancel-safe with `#[cancelsafe::guard]`.
//!
//! The bodies are the unguarded ones, unchanged. The attribute records in `self.cancel`
//! that a reply is owed once the write and flush completed, and that it was paid when
//! `self.read_reply().await` completed; if the future is dropped in between, the next
//! call settles the debt before it sends anything:
//!
//! * [`GuardedClient`] (drain policy): the next call first reads and discards the owed
//!   reply (`Self::read_reply`, which is cancel-safe: partial input stays in `buf`), then
//!   sends its own command. Same connection, no leak.
//! * [`PoisonGuardedClient`] (poison policy): the next call fails with
//!   `cancelsafe::Interrupted`; the owner sees `is_poisoned()` and replaces the
//!   connection (what redis-py 4.5.5 does: one reconnect per cancellation).

use std::io;

use cancelsafe::CancelState;
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;

use crate::client::{encode, expect_ok, into_value, open, read_reply, Reply};

/// Drain policy: a cancelled request's reply is read and dropped by the next request.
pub struct GuardedClient {
    stream: BufWriter<TcpStream>,
    buf: Vec<u8>,
    cancel: CancelState,
}

impl GuardedClient {
    pub async fn connect(addr: &str) -> io::Result<Self> {
        Ok(Self {
            stream: open(addr).await?,
            buf: Vec::new(),
            cancel: CancelState::new(),
        })
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    pub async fn get(&mut self, key: &str) -> io::Result<Option<Vec<u8>>> {
        self.stream
            .write_all(&encode(&[b"GET", key.as_bytes()]))
            .await?;
        self.stream.flush().await?;
        into_value(self.read_reply().await?)
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    pub async fn set(&mut self, key: &str, value: &[u8]) -> io::Result<()> {
        self.stream
            .write_all(&encode(&[b"SET", key.as_bytes(), value]))
            .await?;
        self.stream.flush().await?;
        expect_ok(self.read_reply().await?)
    }

    pub async fn read_reply(&mut self) -> io::Result<Reply> {
        read_reply(&mut self.stream, &mut self.buf).await
    }
}

/// Poison policy: after a cancelled request the connection refuses further use, and
/// its owner replaces it.
pub struct PoisonGuardedClient {
    stream: BufWriter<TcpStream>,
    buf: Vec<u8>,
    cancel: CancelState,
}

impl PoisonGuardedClient {
    pub async fn connect(addr: &str) -> io::Result<Self> {
        Ok(Self {
            stream: open(addr).await?,
            buf: Vec::new(),
            cancel: CancelState::new(),
        })
    }

    #[cancelsafe::guard(state = self.cancel)]
    pub async fn get(&mut self, key: &str) -> io::Result<Option<Vec<u8>>> {
        self.stream
            .write_all(&encode(&[b"GET", key.as_bytes()]))
            .await?;
        self.stream.flush().await?;
        into_value(self.read_reply().await?)
    }

    #[cancelsafe::guard(state = self.cancel)]
    pub async fn set(&mut self, key: &str, value: &[u8]) -> io::Result<()> {
        self.stream
            .write_all(&encode(&[b"SET", key.as_bytes(), value]))
            .await?;
        self.stream.flush().await?;
        expect_ok(self.read_reply().await?)
    }

    pub async fn read_reply(&mut self) -> io::Result<Reply> {
        read_reply(&mut self.stream, &mut self.buf).await
    }

    /// True after a request on this connection was cancelled mid-flight: replace it.
    pub fn is_poisoned(&self) -> bool {
        self.cancel.is_poisoned()
    }
}
