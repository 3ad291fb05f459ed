struct C {
    cancel: cancelsafe::CancelState,
}

impl C {
    #[cancelsafe::guard(state = self.cancel)]
    async fn ping(&mut self) -> bool {
        true
    }

    #[cancelsafe::guard(state = self.cancel, poison)]
    async fn fire(&mut self) {}
}

fn main() {}
