//! Two requests and two replies under the default `replies` (1): a drain after the first
//! reply would count one reply too few.

use std::io;

struct C {
    stream: Vec<u8>,
    cancel: cancelsafe::CancelState,
}

async fn write_all(_: &mut Vec<u8>, _: &[u8]) -> io::Result<()> {
    Ok(())
}

impl C {
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_two(&mut self) -> io::Result<(u8, u8)> {
        write_all(&mut self.stream, b"GET a\n").await?;
        let a = self.read_reply().await?;
        write_all(&mut self.stream, b"GET b\n").await?;
        let b = self.read_reply().await?;
        Ok((a, b))
    }

    async fn read_reply(&mut self) -> io::Result<u8> {
        Ok(0)
    }
}

fn main() {}
