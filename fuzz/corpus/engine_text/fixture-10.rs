use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// Only writes: not a section on its own.
pub async fn write_frame(sock: &mut TcpStream, payload: &[u8]) -> std::io::Result<()> {
    sock.write_u32(payload.len() as u32).await?;
    sock.write_all(payload).await
}

// Only reads: not a section on its own.
pub async fn read_frame(sock: &mut TcpStream) -> std::io::Result<u32> {
    sock.read_u32().await
}
