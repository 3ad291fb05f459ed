struct C {
    cancel: cancelsafe::CancelState,
}

impl C {
    #[cancelsafe::guard]
    async fn get(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    #[cancelsafe::guard(drain = Self::get)]
    async fn put(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {}
