struct C {
    cancel: cancelsafe::CancelState,
}

impl C {
    #[cancelsafe::guard(state = self.cancel, state = self.cancel)]
    async fn get(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::get, drain = Self::get)]
    async fn put(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {}
