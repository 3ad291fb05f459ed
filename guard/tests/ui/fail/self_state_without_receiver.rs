struct Conn {
    cancel: cancelsafe::CancelState,
}

#[cancelsafe::guard(state = self.cancel)]
async fn get(conn: &mut Conn) -> std::io::Result<()> {
    let _ = conn;
    Ok(())
}

fn main() {}
