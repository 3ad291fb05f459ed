struct C {
    cancel: cancelsafe::CancelState,
}

impl C {
    #[cancelsafe::guard(state = self.cancel)]
    fn get(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {}
