//! `CancelState`: what a guarded call has done so far, kept in the connection.
//!
//! Every change happens synchronously, right before or right after an `.await` of the
//! guarded body (mysql_async / mongodb style: mark "in progress", clear when done). There
//! is no `Drop` work: when the future is dropped, the marks simply stay, and the next
//! guarded call reads them.

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
    /// A guarded call started and has not finished (if nobody is running one, it was dropped).
    pub(crate) active: bool,
    /// The call is inside a write or flush await.
    pub(crate) writing: bool,
    /// A write or flush await of the call completed.
    pub(crate) wrote: bool,
    /// Set when the connection was judged unrepairable; cleared only by `reset`.
    pub(crate) poisoned: bool,
    /// Policy of the last call that started, so `is_poisoned` can answer for it.
    pub(crate) policy: Policy,
    /// Replies the call owes once its requests are written (`replies = ..`).
    pub(crate) replies: usize,
    /// Replies read so far (by the call or by a drain).
    pub(crate) paid: usize,
}

impl CancelState {
    /// A clean state: no call in progress, nothing owed.
    pub const fn new() -> Self {
        Self {
            active: false,
            writing: false,
            wrote: false,
            poisoned: false,
            policy: Policy::Poison,
            replies: 0,
            paid: 0,
        }
    }

    /// Whether the connection must not be reused: a pool's `recycle` check should discard
    /// it when this is `true`.
    ///
    /// True after a `poison` call was dropped after writing, after a `drain` call was
    /// dropped mid-write, or once a guarded call refused with [`Interrupted`](crate::Interrupted).
    /// A connection whose interrupted call the next call can repair (`drain`, `reconnect`)
    /// is not poisoned.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
            || (self.active
                && match self.policy {
                    Policy::Poison => self.writing || self.owed_replies() > 0,
                    Policy::Drain => self.writing,
                    Policy::Reconnect => false,
                })
    }

    /// Replies an interrupted call left on the wire (0 when no call was interrupted after
    /// writing).
    pub fn owed_replies(&self) -> usize {
        if self.active && self.wrote {
            self.replies.saturating_sub(self.paid)
        } else {
            0
        }
    }

    /// Forget everything, e.g. after reconnecting by hand.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Torn write or owed replies: what `poison` refuses over.
    pub(crate) fn is_dirty(&self) -> bool {
        self.active && (self.writing || self.owed_replies() > 0)
    }

    pub(crate) fn interrupted(&self) -> crate::Interrupted {
        crate::Interrupted {
            owed: self.owed_replies(),
            torn: self.active && self.writing,
        }
    }
}
