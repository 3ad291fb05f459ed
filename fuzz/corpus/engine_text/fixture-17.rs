use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{broadcast, mpsc};

use crate::Conn;

impl Conn {
    // Bad: the branch future is dropped between the write and the read when shutdown wins.
    pub async fn get_or_shutdown(
        &mut self,
        shutdown: &mut broadcast::Receiver<()>,
    ) -> io::Result<Option<u8>> {
        tokio::select! {
            r = async {
                //~^ cancel_unsafe_future_raced
                self.sock.write_all(b"GET\r\n").await?; //~ unguarded_write_then_read
                self.sock.read_u8().await
            } => r.map(Some),
            _ = shutdown.recv() => Ok(None),
        }
    }

    // Bad: the handler of the chosen branch writes then reads; the enclosing future can be
    // dropped between the two.
    pub async fn serve_one(
        &mut self,
        cmds: &mut mpsc::Receiver<Vec<u8>>,
    ) -> io::Result<Option<u8>> {
        tokio::select! {
            Some(cmd) = cmds.recv() => {
                self.sock.write_all(&cmd).await?; //~ unguarded_write_then_read
                Ok(Some(self.sock.read_u8().await?))
            }
            else => Ok(None),
        }
    }

    // Good: each branch only reads, or only waits.
    pub async fn read_or_tick(&mut self) -> io::Result<Option<u8>> {
        tokio::select! {
            b = self.sock.read_u8() => b.map(Some),
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => Ok(None),
        }
    }
}
