use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// Good: the stream is created inside the future and dropped with it.
pub async fn fetch(addr: &str) -> io::Result<u8> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(b"GET\r\n").await?;
    s.read_u8().await
}

// Good: the stream is taken by value; if the future is dropped, so is the stream.
pub async fn handshake(mut s: TcpStream) -> io::Result<TcpStream> {
    s.write_all(b"HELLO\r\n").await?;
    s.read_u8().await?;
    Ok(s)
}

// Bad: the same exchange on a borrowed stream, which outlives the future.
pub async fn handshake_borrowed(s: &mut TcpStream) -> io::Result<u8> {
    s.write_all(b"HELLO\r\n").await?; //~ unguarded_write_then_read
    s.read_u8().await
}
