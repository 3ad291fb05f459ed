//! `replies = 0` would make the guard a no-op: nothing is ever owed.

use std::io;

struct C {
    stream: Vec<u8>,
    cancel: cancelsafe::CancelState,
}

async fn write_all(_: &mut Vec<u8>, _: &[u8]) -> io::Result<()> {
    Ok(())
}

impl C {
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply, replies = 0)]
    async fn get(&mut self) -> io::Result<u8> {
        write_all(&mut self.stream, b"GET a\n").await?;
        self.read_reply().await
    }

    async fn read_reply(&mut self) -> io::Result<u8> {
        Ok(0)
    }
}

fn main() {}
