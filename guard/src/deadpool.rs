//! deadpool (0.9) adaptor: a pool that never hands out a [`Guarded`] object whose exchange
//! was cut (feature `deadpool`).
//!
//! ```no_run
//! # #[derive(Debug)] struct RedisError;
//! # impl std::fmt::Display for RedisError {
//! #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("redis") }
//! # }
//! # impl std::error::Error for RedisError {}
//! # struct Manager;
//! # #[async_trait::async_trait]
//! # impl deadpool::managed::Manager for Manager {
//! #     type Type = Conn;
//! #     type Error = RedisError;
//! #     async fn create(&self) -> Result<Conn, RedisError> { Ok(Conn) }
//! #     async fn recycle(&self, _: &mut Conn) -> deadpool::managed::RecycleResult<RedisError> { Ok(()) }
//! # }
//! # struct Conn;
//! # impl Conn { async fn get(&mut self, _: &str) -> Result<String, RedisError> { Ok(String::new()) } }
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use cancelsafe::deadpool::GuardedManager;
//!
//! // `deadpool_redis::Manager::new("redis://127.0.0.1")?` in real code.
//! let pool: deadpool::managed::Pool<_> = deadpool::managed::Pool::builder(GuardedManager::new(Manager))
//!     .max_size(8)
//!     .build()
//!     .unwrap();
//!
//! let mut conn = pool.get().await.unwrap();
//! let value: String = conn.exchange(|c| c.get("user:1")).await??;
//! // If a timeout around this drops the exchange, `conn` goes back to the pool marked, and
//! // the next `pool.get()` that picks it discards it in `recycle` and makes a new one.
//! # Ok(())
//! # }
//! ```

use ::deadpool::managed::{Manager, RecycleError, RecycleResult};
use async_trait::async_trait;

use crate::Guarded;

/// Wraps a deadpool manager so that its objects are [`Guarded`], and makes `recycle`
/// refuse an object whose exchange was cut.
///
/// - `recycle` (deadpool runs it before it hands out an idle object): a poisoned object is
///   refused, so deadpool drops it and creates a new one; otherwise the inner manager's
///   check runs as an exchange (cut mid-check, the object is poisoned like any other).
#[derive(Debug, Clone, Default)]
pub struct GuardedManager<M> {
    inner: M,
}

impl<M> GuardedManager<M> {
    /// Wraps `inner` (e.g. `deadpool_redis::Manager`).
    pub const fn new(inner: M) -> Self {
        Self { inner }
    }

    /// The wrapped manager.
    pub fn inner(&self) -> &M {
        &self.inner
    }
}

/// Why `recycle` refused an object.
const CUT: &str = "an exchange on this connection was cut (dropped, panicked or failed) \
                   before its reply was read (cancelsafe::Guarded)";

#[async_trait]
impl<M> Manager for GuardedManager<M>
where
    M: Manager,
    M::Type: Send,
{
    type Type = Guarded<M::Type>;
    type Error = M::Error;

    async fn create(&self) -> Result<Self::Type, Self::Error> {
        self.inner.create().await.map(Guarded::new)
    }

    async fn recycle(&self, obj: &mut Self::Type) -> RecycleResult<Self::Error> {
        if obj.is_poisoned() {
            return Err(RecycleError::StaticMessage(CUT));
        }
        obj.marked(|c| self.inner.recycle(c)).await
    }

    fn detach(&self, obj: &mut Self::Type) {
        self.inner.detach(&mut obj.conn);
    }
}
