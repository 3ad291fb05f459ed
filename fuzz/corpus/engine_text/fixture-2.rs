//! Exchanges the caller's cancellation cannot interrupt (an actor, a spawned task), and
//! one it can (a `timeout` around an `async` block).

mod actor;
mod conn;

pub use actor::{run_actor, Handle};
pub use conn::Conn;
