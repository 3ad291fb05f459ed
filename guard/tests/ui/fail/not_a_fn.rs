#[cancelsafe::guard(state = self.cancel)]
struct C {
    cancel: cancelsafe::CancelState,
}

fn main() {}
