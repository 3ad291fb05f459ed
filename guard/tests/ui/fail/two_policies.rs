struct C {
    cancel: cancelsafe::CancelState,
}

impl C {
    async fn read(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    #[cancelsafe::guard(state = self.cancel, poison, drain = Self::read)]
    async fn get(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read, reconnect = Self::read)]
    async fn put(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {}
