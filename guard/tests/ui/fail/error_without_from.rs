#[derive(Debug)]
struct MyError;

struct C {
    cancel: cancelsafe::CancelState,
}

impl C {
    #[cancelsafe::guard(state = self.cancel)]
    async fn get(&mut self) -> Result<(), MyError> {
        Ok(())
    }
}

fn main() {}
