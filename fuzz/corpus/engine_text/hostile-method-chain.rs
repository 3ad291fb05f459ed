fn f() { x.a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a().a(); }
struct Conn { stream: tokio::net::TcpStream }
impl Conn {
    async fn get(&mut self, key: &str) -> std::io::Result<Vec<u8>> {
        self.stream.write_all(key.as_bytes()).await?;
        let mut reply = vec![0; 64];
        self.stream.read_exact(&mut reply).await?;
        Ok(reply)
    }
}
