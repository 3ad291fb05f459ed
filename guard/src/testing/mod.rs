//! A cancellation test harness for your own clients (feature `testing`).
//!
//! [`cancel_at_every_poll`] drives a request future against a scripted in-memory peer,
//! drops it after exactly `k` polls for every `k` until it completes, then sends a
//! *different* request on the same connection and checks that the reply belongs to it.
//! No async runtime is needed: futures are polled by hand with a no-op waker, and the
//! peer answers synchronously.
//!
//! ```
//! use cancelsafe::testing::{cancel_at_every_poll, MemStream, Server};
//! use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufStream};
//!
//! struct Client {
//!     stream: BufStream<MemStream>,
//!     cancel: cancelsafe::CancelState,
//! }
//!
//! impl Client {
//!     #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
//!     async fn get(&mut self, key: &str) -> std::io::Result<String> {
//!         self.stream.write_all(format!("GET {key}\n").as_bytes()).await?;
//!         self.stream.flush().await?;
//!         self.read_reply().await
//!     }
//!
//!     async fn read_reply(&mut self) -> std::io::Result<String> {
//!         let mut line = String::new();
//!         self.stream.read_line(&mut line).await?;
//!         Ok(line.trim_end().to_owned())
//!     }
//! }
//!
//! let server = Server::lines(|req| req.replace("GET", "VALUE"));
//! let report = cancel_at_every_poll(
//!     &server,
//!     |stream| Client { stream: BufStream::new(stream), cancel: Default::default() },
//!     |c| Box::pin(c.get("a")),
//!     |c| Box::pin(c.get("b")),
//!     &"VALUE b".to_owned(),
//! );
//! report.assert_no_desync();
//! assert_eq!(report.desyncs(), 0);
//! ```

mod run;
mod stream;

pub use run::{
    block_on, cancel_at_every_poll, poll_n, BoxFuture, Case, Outcome, Report, MAX_POLLS,
};
pub use stream::{MemStream, Server};
