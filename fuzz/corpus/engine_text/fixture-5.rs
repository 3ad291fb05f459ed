use crate::Conn;

// Not flagged here: whether this writes and reads depends on `C`; the finding belongs
// where `C` is known.
pub async fn query<C: Conn>(con: &mut C) -> std::io::Result<u8> {
    con.exchange().await
}
