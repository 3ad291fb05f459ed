//! Connections shared behind a lock or a pool: the guard outlives the future's stack, the
//! connection outlives the future.

mod direct;
mod shared;

use std::sync::Arc;

use tokio::net::TcpStream;
use tokio::sync::Mutex;

pub struct Shared {
    conn: Arc<Mutex<TcpStream>>,
    pool: bb8::Pool<Manager>,
}

pub struct Manager;

pub use direct::{fetch, handshake};
