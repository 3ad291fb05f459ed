use std::io;

use tokio::net::TcpStream;

use crate::frame::{read_frame, write_frame};

pub struct Client {
    sock: TcpStream,
}

impl Client {
    // Bad: the request goes out through send_cmd -> write_frame, the reply comes back
    // through recv -> read_frame, both on `self.sock`.
    pub async fn get(&mut self, key: &str) -> io::Result<u32> {
        self.send_cmd(key.as_bytes()).await?; //~ unguarded_write_then_read
        self.recv().await
    }

    // Good: two writes, no reply awaited.
    pub async fn publish(&mut self, a: &[u8], b: &[u8]) -> io::Result<()> {
        self.send_cmd(a).await?;
        self.send_cmd(b).await
    }

    // Good: reads a pushed message, then acknowledges it; nothing is owed afterwards.
    pub async fn next_push(&mut self) -> io::Result<u32> {
        let n = self.recv().await?;
        self.send_cmd(b"ACK").await?;
        Ok(n)
    }

    // Good: the client is created inside the future and dropped with it.
    pub async fn one_shot(addr: &str, key: &str) -> io::Result<u32> {
        let mut c = Client {
            sock: TcpStream::connect(addr).await?,
        };
        c.get(key).await
    }

    // Helpers: one direction each, not flagged themselves.
    async fn send_cmd(&mut self, cmd: &[u8]) -> io::Result<()> {
        write_frame(&mut self.sock, cmd).await
    }

    async fn recv(&mut self) -> io::Result<u32> {
        read_frame(&mut self.sock).await
    }
}
