struct C {
    cancel: cancelsafe::CancelState,
}

impl C {
    #[cancelsafe::guard(state = self.cancel, timeout = 5)]
    async fn get(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    #[cancelsafe::guard(state = self.cancel, poison = true)]
    async fn put(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {}
