//! Exchanges inside `tokio::select!` branches, and pipelines.

mod pipeline;
mod select;

use tokio::net::TcpStream;

pub struct Conn {
    sock: TcpStream,
}
