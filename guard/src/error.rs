//! The error a guarded call returns when its connection cannot be trusted.

use std::fmt;

/// A guarded call refused to run because an earlier call on the same connection was
/// cancelled (or failed) mid-exchange and could not be repaired, or because it was nested
/// inside another guarded call on the same connection.
///
/// Returned by policy `poison` (always, until [`CancelState::reset`]), by policy `drain`
/// when the replies the interrupted call owes are not known exactly (see the crate docs),
/// and by [`Guarded::exchange`](crate::Guarded::exchange) on a connection whose earlier
/// exchange was cut.
/// Converts into [`std::io::Error`] (kind [`std::io::ErrorKind::Other`], with this value as
/// its source), so `io::Result` functions need nothing extra.
///
/// [`CancelState::reset`]: crate::CancelState::reset
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    pub(crate) cause: Cause,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// Exactly this many replies are unread.
    Owed(usize),
    /// Cut off during a write or flush (or one failed): the peer may hold half a request.
    Torn,
    /// It stopped where the marks cannot tell what is on the wire.
    Unknown,
    /// This call ran inside another guarded call on the same state.
    Nested,
}

impl Interrupted {
    /// Refused by [`Guarded`](crate::Guarded): an exchange was cut where nothing tells
    /// what it left on the wire.
    pub(crate) const fn unknown() -> Self {
        Interrupted {
            cause: Cause::Unknown,
        }
    }

    pub(crate) const fn nested() -> Self {
        Interrupted {
            cause: Cause::Nested,
        }
    }

    /// Replies the interrupted call left unread on the connection, when that number is
    /// known (0 otherwise).
    pub fn owed_replies(&self) -> usize {
        match self.cause {
            Cause::Owed(n) => n,
            _ => 0,
        }
    }

    /// Whether the interrupted call was cut off during a write or flush (or one failed),
    /// so the peer may hold a partial request.
    pub fn torn_write(&self) -> bool {
        self.cause == Cause::Torn
    }

    /// Whether this call was refused because it ran inside another guarded call on the same
    /// connection (a programming error: guard the outermost call only).
    pub fn nested_call(&self) -> bool {
        self.cause == Cause::Nested
    }
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cause == Cause::Nested {
            return f.write_str(
                "a guarded call ran inside another guarded call on the same connection; \
                 guard the outermost call only",
            );
        }
        f.write_str("connection poisoned: an earlier call on it was cancelled or failed ")?;
        match self.cause {
            Cause::Owed(n) => write!(f, "with {n} reply(ies) unread"),
            Cause::Torn => f.write_str("while writing its request"),
            _ => f.write_str("where the replies it left on the wire are not known"),
        }
    }
}

impl std::error::Error for Interrupted {}

impl From<Interrupted> for std::io::Error {
    fn from(e: Interrupted) -> Self {
        std::io::Error::other(e)
    }
}
