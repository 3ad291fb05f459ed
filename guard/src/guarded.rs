//! `Guarded<C>`: the mark for a connection whose client code you do not own.
//!
//! `#[cancelsafe::guard]` needs the exchange's source (it marks each await of the body).
//! An application that calls a library's `conn.get(key)` has no body to mark, only a
//! future; so the whole future is one exchange: marked when it is first polled, cleared
//! when it returns `Ok`. Nothing about the future is inspected (neither its type nor its
//! name), so a call the wrapper cannot classify is treated like any other: fail closed.

use std::future::Future;

use crate::Interrupted;

/// A connection that remembers an exchange cut in flight, for client code you do not own
/// (a library's `redis::aio::Connection`, a pooled database connection).
///
/// Every request goes through [`exchange`](Self::exchange), which marks the connection
/// before the request's future first runs and clears the mark only when it returns `Ok`.
/// If the future is dropped (a `timeout`, a lost `select!` branch, an aborted task),
/// panics, or returns `Err`, the mark stays: the connection may hold half a request or an
/// unread reply, so it is [poisoned](Self::is_poisoned) for good. Every later `exchange`
/// on it is refused, and a pool discards it: `cancelsafe::bb8::GuardedManager` (feature
/// `bb8`) reports it in `has_broken`, `cancelsafe::deadpool::GuardedManager` (feature
/// `deadpool`) refuses it in `recycle`. A cut exchange costs one connection; nobody reads
/// another request's reply.
///
/// An `Err` poisons too, because the wrapper cannot tell a complete error reply (the
/// connection is fine) from a failure half-way through a reply (it is not).
///
/// ```
/// # use std::io;
/// # struct Conn;
/// # impl Conn {
/// #     async fn get(&mut self, key: &str) -> io::Result<String> {
/// #         // The request is out; its reply is on its way.
/// #         tokio::time::sleep(std::time::Duration::from_millis(20)).await;
/// #         Ok(format!("value-of-{key}"))
/// #     }
/// # }
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use cancelsafe::Guarded;
///
/// let mut conn = Guarded::new(Conn); // e.g. a `redis::aio::Connection`
///
/// // Like `tokio::time::timeout`, the outer `Result` is the wrapper's (a refusal), the
/// // inner one the call's.
/// let value = conn.exchange(|c| c.get("user:1")).await??;
/// assert_eq!(value, "value-of-user:1");
///
/// // A timeout that drops the call mid-exchange leaves the mark...
/// let cut = tokio::time::timeout(Duration::from_millis(1), conn.exchange(|c| c.get("user:2"))).await;
/// assert!(cut.is_err());
/// assert!(conn.is_poisoned());
/// // ...so the next call on this connection is refused instead of reading user 2's reply.
/// assert!(conn.exchange(|c| c.get("user:3")).await.is_err());
/// # Ok(())
/// # }
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(demo()).unwrap();
/// ```
#[derive(Debug, Default)]
pub struct Guarded<C> {
    pub(crate) conn: C,
    /// An exchange began and has not returned `Ok`: if none is running, it was cut.
    in_flight: bool,
}

impl<C> Guarded<C> {
    /// Wraps a fresh connection (nothing in flight).
    pub const fn new(conn: C) -> Self {
        Self {
            conn,
            in_flight: false,
        }
    }

    /// Runs one exchange on the connection: `request` gets the connection and returns the
    /// future that sends the request and reads its reply (any future, e.g.
    /// `|c| c.get(key)` or `|c| redis::pipe().get(a).get(b).query_async(c)`).
    ///
    /// The connection is marked when this future is first polled, before `request` runs,
    /// and the mark is cleared when the request's future returns `Ok`. Dropped, panicked
    /// or `Err`: the mark stays, and the connection is poisoned.
    ///
    /// # Errors
    ///
    /// `Err(Interrupted)` without calling `request` if the connection is poisoned: an
    /// earlier exchange on it was cut, so its reply may still be on the wire. Otherwise
    /// `Ok` with the request's own result.
    pub async fn exchange<'a, F, Fut, T, E>(
        &'a mut self,
        request: F,
    ) -> Result<Result<T, E>, Interrupted>
    where
        F: FnOnce(&'a mut C) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if self.in_flight {
            return Err(Interrupted::unknown());
        }
        Ok(self.marked(request).await)
    }

    /// The exchange without the refusal: the caller has checked that the connection is not
    /// poisoned (an `Ok` here would clear an earlier cut's mark).
    pub(crate) async fn marked<'a, F, Fut, T, E>(&'a mut self, request: F) -> Result<T, E>
    where
        F: FnOnce(&'a mut C) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        debug_assert!(!self.in_flight, "marked() on a poisoned connection");
        let Self { conn, in_flight } = self;
        *in_flight = true;
        let out = request(conn).await;
        if out.is_ok() {
            *in_flight = false;
        }
        out
    }

    /// Whether an exchange on this connection was cut (dropped, panicked or failed): the
    /// connection must not be used again. There is no reset: make a new connection.
    pub fn is_poisoned(&self) -> bool {
        self.in_flight
    }
}
