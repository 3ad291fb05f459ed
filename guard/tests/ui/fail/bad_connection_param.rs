struct Conn {
    cancel: cancelsafe::CancelState,
}

#[cancelsafe::guard(state = conn.cancel)]
async fn missing(c: &mut Conn) -> std::io::Result<()> {
    let _ = c;
    Ok(())
}

#[cancelsafe::guard(state = conn.cancel)]
async fn by_shared_ref(conn: &Conn) -> std::io::Result<()> {
    let _ = conn;
    Ok(())
}

#[cancelsafe::guard(state = Conn::default_state())]
async fn not_a_field(conn: &mut Conn) -> std::io::Result<()> {
    let _ = conn;
    Ok(())
}

fn main() {}
