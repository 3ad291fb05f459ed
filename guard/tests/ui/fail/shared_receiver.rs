struct C {
    cancel: cancelsafe::CancelState,
}

impl C {
    #[cancelsafe::guard(state = self.cancel)]
    async fn get(&self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {}
