//! What the `#[cancelsafe::guard]` expansion calls. Not a public API.
//!
//! Every function is a few field writes, so a guarded call costs no allocation, no atomic
//! and no `Drop` glue.

pub use crate::state::Policy;
use crate::{CancelState, Interrupted};

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
    if policy == Policy::Reconnect {
        return Recovery::Reconnect;
    }
    if s.poisoned {
        return Recovery::Refuse;
    }
    if !s.is_dirty() {
        // Cancelled before anything was written: nothing is owed.
        return Recovery::Proceed;
    }
    match policy {
        Policy::Drain if !s.writing => Recovery::Drain(s.owed_replies()),
        _ => {
            s.poisoned = true;
            Recovery::Refuse
        }
    }
}

/// The error for [`Recovery::Refuse`].
#[inline]
pub fn refusal(s: &CancelState) -> Interrupted {
    s.interrupted()
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
#[inline]
pub fn begin(s: &mut CancelState, policy: Policy, replies: usize) {
    s.active = true;
    s.writing = false;
    s.wrote = false;
    s.policy = policy;
    s.replies = replies;
    s.paid = 0;
}

/// Before a write or flush await.
#[inline]
pub fn write_start(s: &mut CancelState) {
    s.writing = true;
}

/// After a write or flush await completed.
#[inline]
pub fn write_end(s: &mut CancelState) {
    s.writing = false;
    s.wrote = true;
}

/// After an await of the reply-reading fn completed.
#[inline]
pub fn read_end(s: &mut CancelState) {
    s.paid += 1;
}

/// The call completed (whatever it returned): nothing is in flight.
#[inline]
pub fn finish(s: &mut CancelState) {
    s.active = false;
    s.writing = false;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state left by a call dropped after the given marks.
    fn dropped(policy: Policy, replies: usize, marks: &[fn(&mut CancelState)]) -> CancelState {
        let mut s = CancelState::new();
        begin(&mut s, policy, replies);
        marks.iter().for_each(|m| m(&mut s));
        s
    }

    #[test]
    fn nothing_written_owes_nothing_under_every_policy() {
        for policy in [Policy::Poison, Policy::Drain] {
            let mut s = dropped(policy, 1, &[]);
            assert!(!s.is_poisoned());
            assert_eq!(recover(&mut s, policy), Recovery::Proceed);
        }
    }

    #[test]
    fn poison_refuses_until_reset() {
        let mut s = dropped(Policy::Poison, 1, &[write_start, write_end]);
        assert!(s.is_poisoned());
        assert_eq!(s.owed_replies(), 1);
        assert_eq!(recover(&mut s, Policy::Poison), Recovery::Refuse);
        assert_eq!(recover(&mut s, Policy::Poison), Recovery::Refuse);
        assert_eq!(
            refusal(&s),
            Interrupted {
                owed: 1,
                torn: false
            }
        );
        s.reset();
        assert_eq!(recover(&mut s, Policy::Poison), Recovery::Proceed);
    }

    #[test]
    fn drain_owes_written_minus_read_and_refuses_a_torn_write() {
        let mut s = dropped(Policy::Drain, 3, &[write_start, write_end, read_end]);
        assert!(!s.is_poisoned());
        assert_eq!(recover(&mut s, Policy::Drain), Recovery::Drain(2));
        drained(&mut s);
        // Dropped again mid-drain: one reply is still owed.
        assert_eq!(recover(&mut s, Policy::Drain), Recovery::Drain(1));

        let mut torn = dropped(Policy::Drain, 1, &[write_start]);
        assert!(torn.is_poisoned());
        assert_eq!(recover(&mut torn, Policy::Drain), Recovery::Refuse);
        assert!(refusal(&torn).torn_write());
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
    fn a_completed_call_owes_nothing() {
        let mut s = dropped(Policy::Poison, 1, &[write_start, write_end]);
        finish(&mut s);
        assert_eq!(s.owed_replies(), 0);
        assert_eq!(recover(&mut s, Policy::Poison), Recovery::Proceed);
    }
}
