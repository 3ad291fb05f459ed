struct C {
    cancel: cancelsafe::CancelState,
}

impl C {
    #[cancelsafe::guard(state = self.cancel, retries = 3, poison, poison)]
    fn get(&self) -> bool {
        true
    }
}

fn main() {}
