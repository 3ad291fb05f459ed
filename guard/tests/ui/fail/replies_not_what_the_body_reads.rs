//! A literal `replies` that the body's reply reads cannot match: a drain would wait for a
//! reply that was never requested, or leave one unread.

use std::io;

struct C {
    stream: Vec<u8>,
    cancel: cancelsafe::CancelState,
}

async fn write_all(_: &mut Vec<u8>, _: &[u8]) -> io::Result<()> {
    Ok(())
}

impl C {
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply, replies = 3)]
    async fn get_two(&mut self) -> io::Result<(u8, u8)> {
        write_all(&mut self.stream, b"GET a\nGET b\n").await?;
        let a = self.read_reply().await?;
        let b = self.read_reply().await?;
        Ok((a, b))
    }

    // A read in a branch may or may not run, but two unconditional reads are already
    // more than one.
    #[cancelsafe::guard(state = self.cancel, read = [read_reply], replies = 1)]
    async fn get_maybe_three(&mut self, more: bool) -> io::Result<u8> {
        write_all(&mut self.stream, b"GET a\nGET b\n").await?;
        let a = self.read_reply().await?;
        let b = self.read_reply().await?;
        if more {
            self.read_reply().await?;
        }
        Ok(a + b)
    }

    async fn read_reply(&mut self) -> io::Result<u8> {
        Ok(0)
    }
}

fn main() {}
