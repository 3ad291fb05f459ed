//! bb8 (0.8) adaptor: a pool that never hands out a [`Guarded`] connection whose exchange
//! was cut (feature `bb8`).
//!
//! ```no_run
//! # #[derive(Debug)] struct RedisError;
//! # impl std::fmt::Display for RedisError {
//! #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("redis") }
//! # }
//! # impl std::error::Error for RedisError {}
//! # struct RedisConnectionManager;
//! # #[async_trait::async_trait]
//! # impl bb8::ManageConnection for RedisConnectionManager {
//! #     type Connection = Conn;
//! #     type Error = RedisError;
//! #     async fn connect(&self) -> Result<Conn, RedisError> { Ok(Conn) }
//! #     async fn is_valid(&self, _: &mut Conn) -> Result<(), RedisError> { Ok(()) }
//! #     fn has_broken(&self, _: &mut Conn) -> bool { false }
//! # }
//! # struct Conn;
//! # impl Conn { async fn get(&mut self, _: &str) -> Result<String, RedisError> { Ok(String::new()) } }
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use cancelsafe::bb8::GuardedManager;
//!
//! // `bb8_redis::RedisConnectionManager::new("redis://127.0.0.1")?` in real code.
//! let manager = GuardedManager::new(RedisConnectionManager);
//! let pool = bb8::Pool::builder().max_size(8).build(manager).await.unwrap();
//!
//! let mut conn = pool.get().await.unwrap();
//! let value: String = conn.exchange(|c| c.get("user:1")).await??;
//! // If a timeout around this drops the exchange, `conn` goes back to the pool marked,
//! // `has_broken` says so, and the pool closes it and makes a new one.
//! # Ok(())
//! # }
//! ```

use ::bb8::ManageConnection;
use async_trait::async_trait;

use crate::Guarded;

/// Wraps a bb8 connection manager so that its connections are [`Guarded`], and tells the
/// pool to discard a connection whose exchange was cut.
///
/// - `has_broken` (bb8 asks it whenever a connection is returned): `true` for a poisoned
///   connection, so bb8 closes it instead of putting it back; otherwise the inner
///   manager's answer.
/// - `is_valid` (the check on checkout, `test_on_check_out`) runs the inner manager's
///   check as an exchange: if the `pool.get()` it runs in is dropped mid-check (a timeout
///   around the checkout), the check's own reply is left on the wire, the connection goes
///   back marked, and is discarded. A poisoned connection never reaches it (bb8 calls
///   `has_broken` first); if one did, it is replaced by a new connection, never checked
///   and handed out.
#[derive(Debug, Clone, Default)]
pub struct GuardedManager<M> {
    inner: M,
}

impl<M> GuardedManager<M> {
    /// Wraps `inner` (e.g. `bb8_redis::RedisConnectionManager`).
    pub const fn new(inner: M) -> Self {
        Self { inner }
    }

    /// The wrapped manager.
    pub fn inner(&self) -> &M {
        &self.inner
    }
}

#[async_trait]
impl<M: ManageConnection> ManageConnection for GuardedManager<M> {
    type Connection = Guarded<M::Connection>;
    type Error = M::Error;

    async fn connect(&self) -> Result<Self::Connection, Self::Error> {
        self.inner.connect().await.map(Guarded::new)
    }

    async fn is_valid(&self, conn: &mut Self::Connection) -> Result<(), Self::Error> {
        if conn.is_poisoned() {
            *conn = self.connect().await?;
        }
        conn.marked(|c| self.inner.is_valid(c)).await
    }

    fn has_broken(&self, conn: &mut Self::Connection) -> bool {
        conn.is_poisoned() || self.inner.has_broken(&mut conn.conn)
    }
}
