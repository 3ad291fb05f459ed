//! A generic helper whose effect depends on the type it is instantiated with.

mod conn;
mod query;

pub use conn::{MemConn, RealConn, Wrapper};
pub use query::query;

pub trait Conn {
    async fn exchange(&mut self) -> std::io::Result<u8>;
}
