use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::Shared;

impl Shared {
    // Bad: the lock guard is dropped with the future, the connection behind it is not.
    pub async fn ping(&self) -> io::Result<u8> {
        let mut c = self.conn.lock().await;
        c.write_all(b"PING\r\n").await?; //~ unguarded_write_then_read
        c.read_u8().await
    }

    // Bad: a pooled connection goes back to the pool with the reply still on it.
    pub async fn ping_pooled(&self) -> io::Result<u8> {
        let mut c = self.pool.get().await.map_err(io::Error::other)?;
        c.write_all(b"PING\r\n").await?; //~ unguarded_write_then_read
        c.read_u8().await
    }

    // Good: the lock is only used to write.
    pub async fn notify(&self) -> io::Result<()> {
        let mut c = self.conn.lock().await;
        c.write_all(b"NOTIFY\r\n").await?;
        c.flush().await
    }

    // Good: the pooled connection is only read.
    pub async fn poll_pooled(&self) -> io::Result<u8> {
        let mut c = self.pool.get().await.map_err(io::Error::other)?;
        c.read_u8().await
    }
}
