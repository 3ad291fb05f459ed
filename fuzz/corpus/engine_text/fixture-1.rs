use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

pub struct Conn {
    sock: TcpStream,
    shared: Arc<Mutex<TcpStream>>,
}

impl Conn {
    // Good: the exchange runs on its own task; dropping the caller does not cancel it.
    pub fn refresh(&self) {
        let conn = self.shared.clone();
        tokio::spawn(async move {
            let mut c = conn.lock().await;
            c.write_all(b"PING\r\n").await.ok();
            c.read_u8().await.ok();
        });
    }

    // Good: spawned, and the JoinHandle awaited (dropping a JoinHandle does not abort).
    pub async fn refresh_and_wait(&self) -> io::Result<u8> {
        let conn = self.shared.clone();
        let task = tokio::spawn(async move {
            let mut c = conn.lock().await;
            c.write_all(b"PING\r\n").await?;
            c.read_u8().await
        });
        task.await.map_err(io::Error::other)?
    }

    // Bad: `timeout` drops the async block between the write and the read when it fires;
    // reported on the enclosing fn.
    pub async fn get_with_deadline(&mut self) -> io::Result<u8> {
        tokio::time::timeout(Duration::from_secs(1), async {
            //~^ cancel_unsafe_future_raced
            self.sock.write_all(b"GET\r\n").await?; //~ unguarded_write_then_read
            self.sock.read_u8().await
        })
        .await?
    }
}
