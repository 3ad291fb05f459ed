use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::Conn;

impl Conn {
    // Bad: a loop of writes, then a loop of reads.
    pub async fn pipeline(&mut self, cmds: &[Vec<u8>]) -> io::Result<Vec<u8>> {
        for c in cmds {
            self.sock.write_all(c).await?; //~ unguarded_write_then_read
        }
        let mut out = Vec::with_capacity(cmds.len());
        for _ in cmds {
            out.push(self.sock.read_u8().await?);
        }
        Ok(out)
    }

    // Good: writes only, no reply expected.
    pub async fn pipeline_no_reply(&mut self, cmds: &[Vec<u8>]) -> io::Result<()> {
        for c in cmds {
            self.sock.write_all(c).await?;
        }
        self.sock.flush().await
    }
}
