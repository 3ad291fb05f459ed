use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

pub type Request = (Vec<u8>, oneshot::Sender<io::Result<u8>>);

pub struct Handle {
    tx: mpsc::Sender<Request>,
}

impl Handle {
    // Good: the request goes to the actor, the reply comes back on a per-request oneshot;
    // dropping this future drops only the oneshot receiver.
    pub async fn call(&self, req: Vec<u8>) -> Option<io::Result<u8>> {
        let (tx, rx) = oneshot::channel();
        self.tx.send((req, tx)).await.ok()?;
        rx.await.ok()
    }

    // Good: starts the actor on its own task, which owns the stream.
    pub fn start(sock: TcpStream) -> Handle {
        let (tx, rx) = mpsc::channel(16);
        tokio::spawn(run_actor(sock, rx));
        Handle { tx }
    }
}

// Good: the actor owns the stream (taken by value) and runs on its own task.
pub async fn run_actor(mut sock: TcpStream, mut rx: mpsc::Receiver<Request>) {
    while let Some((req, reply)) = rx.recv().await {
        let r = async {
            sock.write_all(&req).await?;
            sock.read_u8().await
        }
        .await;
        let _ = reply.send(r);
    }
}
