//! What the `#[cancelsafe::guard]` expansion calls. Not a public API.
//!
//! Every mark is a few field writes, so a guarded call costs no allocation, no atomic
//! and no `Drop` glue; `Polled` adds two thread-local writes per poll.

mod scope;

use crate::state::Left;
pub use crate::state::Policy;
use crate::{CancelState, Interrupted};
pub use scope::{address, Polled};

/// What the next call must do before it may send anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Nothing owed: go ahead.
    Proceed,
    /// Fail with `Interrupted` (the state is now poisoned).
    Refuse,
    /// Call the drain fn this many times, `drained` after each, then go ahead.
    Drain(usize),
    /// Call the reconnect fn, `reconnected` after it succeeds, then go ahead.
    Reconnect,
}

/// Decides how to recover from an interrupted call, before the new call writes.
#[inline]
pub fn recover(s: &mut CancelState, policy: Policy) -> Recovery {
    if !s.active && !s.poisoned {
        return Recovery::Proceed;
    }
    repair(s, policy)
}

#[cold]
fn repair(s: &mut CancelState, policy: Policy) -> Recovery {
    if scope::nested(s) {
        // The marks are a running call's, not an interrupted one's: leave them alone.
        return Recovery::Refuse;
    }
    let left = s.left();
    if policy == Policy::Reconnect {
        return match (s.poisoned, left) {
            (false, Left::Nothing) => Recovery::Proceed,
            _ => Recovery::Reconnect,
        };
    }
    if s.poisoned {
        return Recovery::Refuse;
    }
    match (policy, left) {
        (_, Left::Nothing) => Recovery::Proceed,
        (Policy::Drain, Left::Owes(n)) => Recovery::Drain(n),
        _ => {
            s.poisoned = true;
            Recovery::Refuse
        }
    }
}

/// The error for [`Recovery::Refuse`].
#[cold]
pub fn refusal(s: &CancelState) -> Interrupted {
    if scope::nested(s) {
        Interrupted::nested()
    } else {
        s.interrupted()
    }
}

/// One owed reply was read by the drain fn.
#[inline]
pub fn drained(s: &mut CancelState) {
    s.paid += 1;
}

/// The drain or reconnect fn failed: poison.
#[inline]
pub fn poison(s: &mut CancelState) {
    s.poisoned = true;
}

/// The reconnect fn succeeded: the new connection owes nothing.
#[inline]
pub fn reconnected(s: &mut CancelState) {
    s.reset();
}

/// The call starts (after recovery): it owes `replies` once its requests are written.
/// `drainable` is `false` when the body, as written, can write after reading (the macro
/// saw a write await after a read await, or both in one loop): then a reply read does
/// not mean every request was written. `stored` is `true` when the body awaits a future
/// it stored earlier, which the macro cannot mark: the call counts as having entered an
/// unknown await from the start.
#[inline]
pub fn begin(s: &mut CancelState, policy: Policy, replies: usize, drainable: bool, stored: bool) {
    *s = CancelState {
        active: true,
        touched: stored,
        exact: drainable && !stored,
        policy,
        replies,
        ..CancelState::new()
    };
}

/// Before a write or flush await.
#[inline]
pub fn write_start(s: &mut CancelState) {
    s.touched = true;
    s.writing = true;
    if s.reading {
        s.exact = false;
    }
}

/// After a write or flush await completed; a failed one may have written part of its
/// bytes, so it stays a torn write.
#[inline]
pub fn write_end(s: &mut CancelState, failed: bool) {
    if !failed {
        s.writing = false;
        s.wrote = true;
    }
}

/// Before an await of a reply-reading fn.
#[inline]
pub fn read_start(s: &mut CancelState) {
    s.touched = true;
    s.reading = true;
    if s.paid >= s.replies {
        // More reads than `replies` says: the count is wrong.
        s.exact = false;
    }
}

/// After an await of a reply-reading fn completed. A failed read may have consumed part
/// of a reply, or none of it (an inner timeout): the count is lost.
#[inline]
pub fn read_end(s: &mut CancelState, failed: bool) {
    if failed {
        s.exact = false;
    } else {
        s.paid += 1;
    }
}

/// Before any other await: it may write, read, or cancel something the marks cannot see.
#[inline]
pub fn unknown(s: &mut CancelState) {
    s.touched = true;
    s.exact = false;
}

/// The body returned. Only a success ends the exchange; after a failure the marks stay
/// and the next call judges what was left. A success whose own count still shows a torn
/// write or an unread reply, or that follows a failed unknown await (`cut`: an inner
/// timeout the body swallowed) before every reply was read, keeps the exchange open
/// too, with the count no longer trusted.
#[inline]
pub fn finish(s: &mut CancelState, failed: bool, cut: bool) {
    if failed {
        return;
    }
    let unread = s.paid < s.replies;
    if s.writing || (s.exact && s.wrote && s.paid != s.replies) || (cut && unread) {
        s.exact = false;
        return;
    }
    s.active = false;
}

/// Whether an awaited value or the body's value is a failure: `Err` or `None`. Any other
/// type counts as success. Called as `(&value).__cancelsafe_failed()` with both traits in
/// scope, so the specific impl wins when it applies (autoref specialisation).
pub trait Failed {
    fn __cancelsafe_failed(&self) -> bool;
}

impl<T, E> Failed for Result<T, E> {
    #[inline]
    fn __cancelsafe_failed(&self) -> bool {
        self.is_err()
    }
}

impl<T> Failed for Option<T> {
    #[inline]
    fn __cancelsafe_failed(&self) -> bool {
        self.is_none()
    }
}

/// The fallback of [`Failed`]: every other type succeeded.
pub trait Succeeded {
    #[inline]
    fn __cancelsafe_failed(&self) -> bool {
        false
    }
}

impl<T: ?Sized> Succeeded for &T {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Cause;

    /// A state left by a call dropped after the given marks.
    fn dropped(policy: Policy, replies: usize, marks: &[fn(&mut CancelState)]) -> CancelState {
        let mut s = CancelState::new();
        begin(&mut s, policy, replies, true, false);
        marks.iter().for_each(|m| m(&mut s));
        s
    }

    fn wrote(s: &mut CancelState) {
        write_start(s);
        write_end(s, false);
    }

    fn read(s: &mut CancelState) {
        read_start(s);
        read_end(s, false);
    }

    #[test]
    fn nothing_entered_owes_nothing_under_every_policy() {
        for policy in [Policy::Poison, Policy::Drain, Policy::Reconnect] {
            let mut s = dropped(policy, 1, &[]);
            assert!(!s.is_poisoned());
            assert_eq!(recover(&mut s, policy), Recovery::Proceed);
        }
    }

    #[test]
    fn poison_refuses_until_reset() {
        let mut s = dropped(Policy::Poison, 1, &[wrote, read_start]);
        assert!(s.is_poisoned());
        assert_eq!(s.owed_replies(), 1);
        assert_eq!(recover(&mut s, Policy::Poison), Recovery::Refuse);
        assert_eq!(recover(&mut s, Policy::Poison), Recovery::Refuse);
        assert_eq!(refusal(&s).owed_replies(), 1);
        s.reset();
        assert_eq!(recover(&mut s, Policy::Poison), Recovery::Proceed);
    }

    #[test]
    fn drain_owes_requested_minus_read_once_reading_began() {
        let mut s = dropped(Policy::Drain, 3, &[wrote, read, read_start]);
        assert!(!s.is_poisoned());
        assert_eq!(recover(&mut s, Policy::Drain), Recovery::Drain(2));
        drained(&mut s);
        // Dropped again mid-drain: one reply is still owed.
        assert_eq!(recover(&mut s, Policy::Drain), Recovery::Drain(1));
    }

    #[test]
    fn drain_refuses_whatever_it_cannot_count() {
        let cases: [&[fn(&mut CancelState)]; 5] = [
            // cut mid-write
            &[write_start],
            // written, but no read began: more requests may have been coming
            &[wrote],
            // an await the attribute could not classify
            &[wrote, unknown, read_start],
            // a write after a read
            &[
                wrote,
                read,
                write_start,
                |s| write_end(s, false),
                read_start,
            ],
            // a read that failed
            &[wrote, read_start, |s| read_end(s, true)],
        ];
        for marks in cases {
            let mut s = dropped(Policy::Drain, 2, marks);
            assert!(s.is_poisoned(), "{s:?}");
            assert_eq!(recover(&mut s, Policy::Drain), Recovery::Refuse, "{s:?}");
            assert_ne!(refusal(&s).cause, Cause::Owed(0));
        }
        let mut torn = dropped(Policy::Drain, 1, &[write_start]);
        assert!(refusal(&torn).torn_write());
        assert_eq!(recover(&mut torn, Policy::Drain), Recovery::Refuse);
    }

    #[test]
    fn a_body_that_is_not_drainable_never_drains() {
        let mut s = CancelState::new();
        begin(&mut s, Policy::Drain, 2, false, false);
        wrote(&mut s);
        read_start(&mut s);
        assert_eq!(recover(&mut s, Policy::Drain), Recovery::Refuse);
        // An await of a stored future was not marked: anything may be on the wire.
        begin(&mut s, Policy::Drain, 1, true, true);
        assert_eq!(recover(&mut s, Policy::Drain), Recovery::Refuse);
    }

    #[test]
    fn a_failed_write_is_a_torn_write() {
        let mut s = dropped(Policy::Drain, 1, &[write_start, |s| write_end(s, true)]);
        finish(&mut s, true, false);
        assert!(refusal(&s).torn_write());
        assert_eq!(recover(&mut s, Policy::Drain), Recovery::Refuse);
    }

    #[test]
    fn reconnect_repairs_even_a_poisoned_state() {
        let mut s = dropped(Policy::Poison, 1, &[write_start]);
        poison(&mut s);
        assert_eq!(recover(&mut s, Policy::Reconnect), Recovery::Reconnect);
        reconnected(&mut s);
        assert!(!s.is_poisoned());
        assert_eq!(recover(&mut s, Policy::Reconnect), Recovery::Proceed);
    }

    #[test]
    fn only_a_success_ends_the_exchange() {
        let mut ok = dropped(Policy::Poison, 1, &[wrote, read]);
        finish(&mut ok, false, false);
        assert!(!ok.active);
        assert_eq!(recover(&mut ok, Policy::Poison), Recovery::Proceed);

        // An error after the write (an inner timeout returned `Err`): still owed.
        let mut failed = dropped(Policy::Drain, 1, &[wrote, read_start]);
        finish(&mut failed, true, false);
        assert_eq!(recover(&mut failed, Policy::Drain), Recovery::Drain(1));

        // An error after the reply was read owes nothing.
        let mut answered = dropped(Policy::Poison, 1, &[wrote, read]);
        finish(&mut answered, true, false);
        assert_eq!(recover(&mut answered, Policy::Poison), Recovery::Proceed);

        // A success that read fewer replies than it asked for swallowed a cancellation.
        let mut swallowed = dropped(Policy::Drain, 2, &[wrote, read]);
        finish(&mut swallowed, false, false);
        assert_eq!(recover(&mut swallowed, Policy::Drain), Recovery::Refuse);

        // An unknown await failed (a timeout) and the body answered `Ok` without the reply.
        let mut timed_out = dropped(Policy::Drain, 1, &[wrote, unknown]);
        finish(&mut timed_out, false, true);
        assert_eq!(recover(&mut timed_out, Policy::Drain), Recovery::Refuse);
        // The same after the reply was read ends the exchange.
        let mut read_first = dropped(Policy::Drain, 1, &[wrote, read, unknown]);
        finish(&mut read_first, false, true);
        assert_eq!(recover(&mut read_first, Policy::Drain), Recovery::Proceed);
    }

    #[test]
    #[allow(clippy::needless_borrow)] // the expansion's form, which picks the impl
    fn failure_is_err_or_none() {
        let err: Result<(), ()> = Err(());
        assert!((&err).__cancelsafe_failed());
        assert!(!(&Ok::<_, ()>(1)).__cancelsafe_failed());
        assert!((&None::<u8>).__cancelsafe_failed());
        assert!(!(&false).__cancelsafe_failed());
    }
}
