//! The error a guarded call returns when its connection cannot be trusted.

use std::fmt;

/// A guarded call refused to run because an earlier call on the same connection was
/// cancelled mid-request and could not be repaired.
///
/// Returned by policy `poison` (always, until [`CancelState::reset`]) and by policy `drain`
/// when the interrupted call was cut off while writing (half a request may be on the wire).
/// Converts into [`std::io::Error`] (kind [`std::io::ErrorKind::Other`], with this value as
/// its source), so `io::Result` functions need nothing extra.
///
/// [`CancelState::reset`]: crate::CancelState::reset
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    pub(crate) owed: usize,
    pub(crate) torn: bool,
}

impl Interrupted {
    /// Replies the interrupted call left unread on the connection.
    pub fn owed_replies(&self) -> usize {
        self.owed
    }

    /// Whether the interrupted call was cut off during a write or flush, so the peer may
    /// hold a partial request.
    pub fn torn_write(&self) -> bool {
        self.torn
    }
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection poisoned: an earlier call on it was cancelled ")?;
        if self.torn {
            f.write_str("while writing its request")
        } else {
            write!(f, "with {} reply(ies) unread", self.owed)
        }
    }
}

impl std::error::Error for Interrupted {}

impl From<Interrupted> for std::io::Error {
    fn from(e: Interrupted) -> Self {
        std::io::Error::other(e)
    }
}
