//! Make request/reply sections on shared connections cancel-safe.
//!
//! A future that writes a request to a connection it borrows (`&mut self`) and then awaits
//! the reply leaves that reply on the socket if it is dropped in between (`select!`,
//! `timeout`, a client disconnect, `abort`). The next request on the connection then reads
//! the previous caller's reply. [`#[cancelsafe::guard]`](guard) records, synchronously with
//! each await, how far a call got, in a [`CancelState`] kept next to the stream; the next
//! guarded call on that connection repairs it before sending anything.
//!
//! ```
//! # use std::io;
//! # struct Reply;
//! struct Client {
//!     stream: Vec<u8>, // a `BufStream<TcpStream>` in real code
//!     cancel: cancelsafe::CancelState,
//! }
//!
//! impl Client {
//!     #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
//!     async fn get(&mut self, key: &str) -> io::Result<Reply> {
//!         # async fn write_all(_: &mut Vec<u8>, _: &[u8]) -> io::Result<()> { Ok(()) }
//!         write_all(&mut self.stream, key.as_bytes()).await?;
//!         self.read_reply().await
//!     }
//!
//!     async fn read_reply(&mut self) -> io::Result<Reply> {
//!         Ok(Reply)
//!     }
//! }
//! ```
//!
//! # A connection you do not own
//!
//! The attribute needs the exchange's source. When the exchange is a library's (the
//! incident: `conn.get(key)` of a `redis::aio::Connection`, raced by the application's
//! `timeout`), wrap the connection in [`Guarded`] and run each call through
//! [`Guarded::exchange`]: the connection is marked while the call's future runs, and a
//! drop, a panic or an `Err` leaves the mark, so the connection is never used again. The
//! pool adaptors make the pool discard such a connection: `cancelsafe::bb8::GuardedManager`
//! (feature `bb8`, bb8 0.8: `has_broken`) and `cancelsafe::deadpool::GuardedManager`
//! (feature `deadpool`, deadpool 0.9: `recycle`).
//!
//! ```
//! # struct Conn;
//! # impl Conn {
//! #     async fn get(&mut self, _: &str) -> std::io::Result<String> { Ok(String::new()) }
//! # }
//! # async fn demo(conn: &mut cancelsafe::Guarded<Conn>) -> Result<(), Box<dyn std::error::Error>> {
//! # use std::time::Duration;
//! // `conn`: a checkout of a `bb8::Pool<cancelsafe::bb8::GuardedManager<RedisConnectionManager>>`,
//! // `c`: its `&mut redis::aio::Connection`. The three `?`: timeout, refusal, redis error.
//! let value: String =
//!     tokio::time::timeout(Duration::from_millis(200), conn.exchange(|c| c.get("user:1")))
//!         .await???;
//! # Ok(())
//! # }
//! ```
//!
//! # Policies
//!
//! What the next call does when an earlier one left something on the connection (see
//! [What the next call does](#what-the-next-call-does) for when that is):
//!
//! - `poison` (default): fail with [`Interrupted`] (the function's error type must implement
//!   `From<Interrupted>`; `std::io::Error` does) until [`CancelState::reset`].
//!   [`CancelState::is_poisoned`] tells a pool to discard the connection.
//! - `drain = path`: when the owed replies are known exactly, call the user's
//!   `async fn(&mut Conn) -> Result<_, E>` once per owed reply, then proceed; otherwise
//!   poison, as above.
//! - `reconnect = path`: call the user's `async fn(&mut Conn) -> Result<_, E>`, reset the
//!   state, then proceed.
//!
//! # How progress is tracked
//!
//! The attribute wraps the body and marks **every** `.await` in it, synchronously, before
//! and after (it cannot see types, so it classifies by the awaited call's name):
//!
//! - a **write**: an await of a call named `write`, `write_all`, `write_buf`,
//!   `write_all_buf`, `write_vectored`, any `write_*`, `flush`, `send`, `feed`,
//!   `send_all`, or a name given with `write = [name, ..]` (parentheses around the call are
//!   looked through). `flush` counts because bytes still in a buffered writer would reach
//!   the peer only after the drain began;
//! - a **reply read**: an await of a call to the drain fn's name (`self.read_reply().await`
//!   for `drain = Self::read_reply`) or of a name given with `read = [name, ..]`;
//! - anything else is **unknown**: a helper (`self.send_cmd(..).await`), a `timeout`, an
//!   `async` block, a stored future (`let f = self.stream.flush(); f.await`), and every
//!   macro invocation (`select!`, `join!`) except std's formatting and assertion macros
//!   without `.await` in them (so a `tracing::debug!` in the body costs the drain too).
//!   An unknown await may write, read or cancel anything. An await of a stored future gets
//!   no mark at all (the future may borrow the whole connection): a body with one counts
//!   as having entered an unknown await from its start.
//!
//! A write or read whose result is `Err` (or `None`) failed: a failed write may have sent
//! part of its request, and a failed read may have consumed part of a reply (or none, if an
//! inner timeout cut it).
//!
//! # What the next call does
//!
//! The exchange lasts from the body's first await until it returns **successfully**
//! (anything but `Err` or `None`). A drop, a panic or a failure return in between leaves
//! the marks in the [`CancelState`], and the next guarded call on it judges them:
//!
//! 1. **Nothing owed** (proceed under every policy) if no await of the call was entered,
//!    or if every await entered was a write or reply read, no write was entered, or a reply
//!    read was entered and every reply was read (`replies` of them).
//! 2. **Exactly `n` replies owed** (`drain` reads `n`; `poison` refuses; `reconnect`
//!    reconnects) if every await entered was a write or a reply read that succeeded, no
//!    write was cut or failed, a reply read was entered (so, in a body that never writes
//!    after reading, every request was completely written), no write came after a read,
//!    and no more reads began than `replies`: then `n = replies - reads completed`.
//! 3. **Unknown** (`drain` and `poison` refuse and poison; `reconnect` reconnects) in every
//!    other case: cut during a write, a failed write or read, an unknown await entered, a
//!    body that can write after a read (a write await after a read await, or both in one
//!    loop), or written with no reply read begun.
//!
//! A success ends the exchange, unless its own count shows a write that failed, fewer or
//! more replies read than `replies` in a body with only writes and reads, or an unknown
//! await that failed (a `timeout` whose expiry the body turned into `Ok`) before every
//! reply was read: then the exchange stays open as unknown. Since `drain` runs only in
//! case 2, it waits only for replies whose requests were completely written.
//!
//! # Compile-time checks
//!
//! `replies = 0` is an error (a guard that owes nothing does nothing). A literal `replies`
//! must equal the number of reply reads the body makes on every path (reads in a branch or
//! loop only rule out more reads than `replies`), and a body with more than one such read
//! needs `replies` (the default is 1). Both errors point at the attribute or the read.
//!
//! # Rules for correct use
//!
//! - `replies` is the number of replies the body reads on success; the drain trusts it.
//! - The drain fn must itself be cancel-safe: keep partial input in the connection (e.g.
//!   `read_buf` into a buffer field and parse from it, as mini-redis does), so a drain that
//!   is dropped half-way can be resumed by the next call. Never guard it.
//! - Don't call one guarded fn from another on the same state. If you do, the inner call
//!   (awaited as an unknown await of the outer body) is refused with an [`Interrupted`]
//!   whose [`nested_call`](Interrupted::nested_call) is `true`; it never takes the outer
//!   call's marks for an interruption. Two places hide the nesting: a guarded fn awaited
//!   under a name listed in `write`/`read` (don't list one there), and one awaited inside a
//!   macro such as `select!` (its awaits are not wrapped): there the inner call takes the
//!   outer call's marks as an unknown interruption, so it refuses and poisons the state
//!   under `poison` and `drain`, and under `reconnect` it would reconnect under the outer
//!   call's feet.
//! - Put timeouts and `select!` around the guarded call, not inside it: inside, the count
//!   is lost (case 3), so the connection is refused or reconnected instead of drained
//!   (`cargo cancelsafe` reports them: `cancellation_inside_guarded_exchange`).
//! - With `#[tracing::instrument]`, put `#[cancelsafe::guard]` above it.
//! - A fn whose return type is not a `Result` cannot report a refusal: it returns its
//!   `fallback = <value>` instead, while the connection cannot be repaired (a refusal, a
//!   failing drain or reconnect; the state stays poisoned, so a `reconnect` fn is tried
//!   again on the next call). With `drain`/`reconnect`, `()` and `Option` returns fall back
//!   to `()` and `None` by themselves; any other type, or `poison`, needs the option.
//! - An await whose value borrows the whole connection (a reply read returning a
//!   reference into `self`) clashes with the mark after it: a borrow error. Return owned
//!   values from reply reads.

mod error;
mod guarded;
mod state;

#[cfg(feature = "bb8")]
pub mod bb8;
#[cfg(feature = "deadpool")]
pub mod deadpool;
#[cfg(feature = "testing")]
pub mod testing;

pub use cancelsafe_macros::guard;
pub use error::Interrupted;
pub use guarded::Guarded;
pub use state::CancelState;

#[doc(hidden)]
pub mod __private;
