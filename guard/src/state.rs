//! `CancelState`: what a guarded call has done so far, kept in the connection.
//!
//! Every change happens synchronously, right before or right after an `.await` of the
//! guarded body (mysql_async / mongodb style: mark "in progress", clear when done). There
//! is no `Drop` work: when the future is dropped, the marks simply stay, and the next
//! guarded call reads them. The rule that turns the marks into a repair is [`Left`].

/// What the next guarded call does about an interrupted one (chosen by the attribute).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Refuse with [`Interrupted`](crate::Interrupted) until [`CancelState::reset`].
    #[default]
    Poison,
    /// Read and discard the owed replies with the user's drain fn.
    Drain,
    /// Call the user's reconnect fn.
    Reconnect,
}

/// Cancellation bookkeeping for one connection. Keep it as a field next to the stream and
/// name it in `#[cancelsafe::guard(state = self.<field>)]`.
///
/// It is plain data (`Send + Sync`, no allocation, no atomics): the guarded call updates it
/// through the same `&mut` borrow it already holds on the connection.
#[derive(Debug, Default)]
pub struct CancelState {
    /// A guarded call started and has not succeeded (if nobody is running one, it was
    /// dropped, panicked or failed).
    pub(crate) active: bool,
    /// The call entered an await, so it may have written part of a request.
    pub(crate) touched: bool,
    /// Every await the call entered was a seen write or a seen reply read, in an order
    /// that lets `replies - paid` count the owed replies (no write after a read, no read
    /// that failed, no read beyond `replies`).
    pub(crate) exact: bool,
    /// The call is inside a write or flush await, or one of them failed.
    pub(crate) writing: bool,
    /// A write or flush await of the call completed.
    pub(crate) wrote: bool,
    /// The call entered a reply read: every request was written before it.
    pub(crate) reading: bool,
    /// Set when the connection was judged unrepairable; cleared only by `reset`.
    pub(crate) poisoned: bool,
    /// Policy of the last call that started, so `is_poisoned` can answer for it.
    pub(crate) policy: Policy,
    /// Replies the call owes once its requests are written (`replies = ..`).
    pub(crate) replies: usize,
    /// Replies read so far (by the call or by a drain).
    pub(crate) paid: usize,
}

/// What an interrupted call left on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Left {
    /// Nothing: no call was interrupted, or it stopped before it could write, or every
    /// reply it asked for was read.
    Nothing,
    /// Exactly this many complete replies, each to a request that was completely written.
    Owes(usize),
    /// A write may have been cut, or the call did something the marks do not show (an
    /// await the attribute could not classify, a failed read, a write after a read).
    Unknown,
}

impl CancelState {
    /// A clean state: no call in progress, nothing owed.
    pub const fn new() -> Self {
        Self {
            active: false,
            touched: false,
            exact: true,
            writing: false,
            wrote: false,
            reading: false,
            poisoned: false,
            policy: Policy::Poison,
            replies: 0,
            paid: 0,
        }
    }

    /// Whether the connection must not be reused: a pool's `recycle` check should discard
    /// it when this is `true`.
    ///
    /// True once a guarded call refused with [`Interrupted`](crate::Interrupted), and for
    /// an interrupted call the next call could not repair: under `poison` any call that
    /// left something on the wire, under `drain` one whose owed replies are not known
    /// exactly. A connection whose interrupted call the next call can repair (`drain` with
    /// an exact count, `reconnect`) is not poisoned.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
            || !matches!(
                (self.policy, self.left()),
                (_, Left::Nothing) | (Policy::Reconnect, _) | (Policy::Drain, Left::Owes(_))
            )
    }

    /// Replies an interrupted call left on the wire, when that number is known exactly (0
    /// when no call was interrupted after writing, or when the number is unknown).
    pub fn owed_replies(&self) -> usize {
        match self.left() {
            Left::Owes(n) => n,
            Left::Nothing | Left::Unknown => 0,
        }
    }

    /// Forget everything, e.g. after reconnecting by hand.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// The rule the crate docs state ("What the next call does").
    pub(crate) fn left(&self) -> Left {
        if !self.active || !self.touched {
            return Left::Nothing;
        }
        if !self.exact || self.writing {
            return Left::Unknown;
        }
        if self.reading {
            return match self.replies.saturating_sub(self.paid) {
                0 => Left::Nothing,
                n => Left::Owes(n),
            };
        }
        if self.wrote {
            // Written, but no reply read began: the requests may not all be out.
            Left::Unknown
        } else {
            Left::Nothing
        }
    }

    pub(crate) fn interrupted(&self) -> crate::Interrupted {
        let cause = match self.left() {
            Left::Owes(n) => crate::error::Cause::Owed(n),
            _ if self.writing => crate::error::Cause::Torn,
            _ => crate::error::Cause::Unknown,
        };
        crate::Interrupted { cause }
    }
}
