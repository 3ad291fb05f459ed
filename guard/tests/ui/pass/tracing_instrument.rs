use std::io;

use cancelsafe::CancelState;

struct Client {
    buf: Vec<u8>,
    cancel: CancelState,
}

impl Client {
    async fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(b);
        Ok(())
    }

    async fn read_reply(&mut self) -> io::Result<Vec<u8>> {
        Ok(std::mem::take(&mut self.buf))
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    #[tracing::instrument(skip(self), err)]
    async fn get(&mut self, key: &str) -> io::Result<Vec<u8>> {
        self.write_all(key.as_bytes()).await?;
        self.read_reply().await
    }
}

fn main() {
    let mut c = Client {
        buf: Vec::new(),
        cancel: CancelState::new(),
    };
    let _ = c.get("k");
}
