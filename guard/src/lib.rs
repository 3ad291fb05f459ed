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
//! # Policies
//!
//! What the next call does when an earlier one was dropped after it began writing:
//!
//! - `poison` (default): fail with [`Interrupted`] (the function's error type must implement
//!   `From<Interrupted>`; `std::io::Error` does) until [`CancelState::reset`].
//!   [`CancelState::is_poisoned`] tells a pool to discard the connection.
//! - `drain = path`: call the user's `async fn(&mut Conn) -> Result<_, E>` once per owed
//!   reply, then proceed. A call cut off *while writing* may have left half a request on
//!   the wire, which no drain can repair: that poisons instead.
//! - `reconnect = path`: call the user's `async fn(&mut Conn) -> Result<_, E>`, reset the
//!   state, then proceed.
//!
//! A call dropped before its first write owes nothing, under every policy. A call that
//! completes (with `Ok` or `Err`) owes nothing either.
//!
//! # How progress is tracked
//!
//! The attribute wraps the body and classifies its `.await`s **syntactically** (it cannot
//! see types):
//!
//! - an await of a call to a *write* method marks "writing" before it and "written" after
//!   it: `write`, `write_all`, `write_buf`, `write_all_buf`, `write_vectored`, every
//!   `write_*` (`write_u8`, `write_u32_le`, ...), `flush`, `send`, `feed`, `send_all`, plus
//!   any names given with `write = [name, ..]`. `flush` counts because bytes still in a
//!   buffered writer's buffer would otherwise reach the peer only after the drain began;
//! - once a write completed, the call owes `replies` replies (default 1; pass
//!   `replies = cmds.len()` for a pipeline);
//! - every completed await of a call to the drain fn's name (e.g. `self.read_reply().await`
//!   for `drain = Self::read_reply`), or of a name given with `read = [name, ..]`, pays one
//!   reply;
//! - other awaits change nothing.
//!
//! Awaits inside closures, nested `async` blocks, nested items and macro invocations
//! (`select!`, `join!`) are not seen: do those writes and reads at the top level of the
//! body, or through a helper called there.
//!
//! # Rules for correct use
//!
//! - The drain fn must itself be cancel-safe: keep partial input in the connection (e.g.
//!   `read_buf` into a buffer field and parse from it, as mini-redis does), so a drain that
//!   is dropped half-way can be resumed by the next call.
//! - Don't call one guarded fn from another on the same state: the inner call would take
//!   the outer call's marks for an interruption. Guard the outermost call only, and never
//!   guard the drain fn.
//! - With `#[tracing::instrument]`, put `#[cancelsafe::guard]` above it.
//! - A fn whose return type is not a `Result` cannot report a refusal: it returns its
//!   `fallback = <value>` instead, while the connection cannot be repaired (a torn write, a
//!   failing drain or reconnect; the state stays poisoned, so a `reconnect` fn is tried
//!   again on the next call). With `drain`/`reconnect`, `()` and `Option` returns fall back
//!   to `()` and `None` by themselves; any other type, or `poison`, needs the option.

mod error;
mod state;

#[cfg(feature = "testing")]
pub mod testing;

pub use cancelsafe_macros::guard;
pub use error::Interrupted;
pub use state::CancelState;

#[doc(hidden)]
pub mod __private;
