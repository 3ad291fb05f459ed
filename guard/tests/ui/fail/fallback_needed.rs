use cancelsafe::CancelState;

struct Conn {
    cancel: CancelState,
}

impl Conn {
    async fn read_frame(&mut self) -> std::io::Result<String> {
        Ok(String::new())
    }

    // `drain` can fail, and a `bool` cannot say so.
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_frame)]
    async fn ping(&mut self) -> bool {
        self.read_frame().await.is_ok()
    }

    // A `Result` returns the error itself: no fallback.
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_frame, fallback = "")]
    async fn get(&mut self) -> std::io::Result<String> {
        self.read_frame().await
    }
}

fn main() {}
