struct C {
    cancel: cancelsafe::CancelState,
}

impl C {
    #[tracing::instrument(skip(self))]
    #[cancelsafe::guard(state = self.cancel)]
    async fn get(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {}
