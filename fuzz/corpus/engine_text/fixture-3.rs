use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::query::query;
use crate::Conn;

pub struct RealConn {
    stream: TcpStream,
}

impl Conn for RealConn {
    // Bad: write then read on `self.stream`.
    async fn exchange(&mut self) -> io::Result<u8> {
        self.stream.write_all(b"Q\r\n").await?; //~ unguarded_write_then_read
        self.stream.read_u8().await
    }
}

/// No I/O at all.
pub struct MemConn {
    replies: Vec<u8>,
}

impl Conn for MemConn {
    async fn exchange(&mut self) -> io::Result<u8> {
        Ok(self.replies.pop().unwrap_or(0))
    }
}

pub struct Wrapper(pub RealConn);

impl Wrapper {
    // Bad: `query` instantiated with `RealConn` on a stream that outlives the future.
    pub async fn sub(&mut self) -> io::Result<u8> {
        query(&mut self.0).await //~ unguarded_write_then_read
    }
}

// Good: `query` instantiated with a connection that does no I/O.
pub async fn sub_mem(m: &mut MemConn) -> io::Result<u8> {
    query(m).await
}
