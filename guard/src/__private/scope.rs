//! Which guarded calls are inside an unknown await on this thread right now, so a guarded
//! call nested inside another on the same state is refused instead of taking the outer
//! call's marks for an interruption and waiting for its reply. Only the recovery path
//! (the state shows a call in progress) asks.
//!
//! A drop leaves no trace here: the stack entry is popped when `poll` returns or unwinds,
//! so only calls that are really up the stack count.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::CancelState;

/// Frames deeper than this are counted but not recorded: a call nested under more than
/// `DEPTH` unknown awaits of guarded calls on one thread is not recognised as nested.
const DEPTH: usize = 8;

struct Stack {
    /// Addresses of the polled calls' states, innermost last.
    states: [Cell<usize>; DEPTH],
    len: Cell<usize>,
}

// A `const` item, not an inline `const { }` block, which needs Rust 1.79 (MSRV 1.75).
#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Cell<usize> = Cell::new(0);

thread_local! {
    static POLLED: Stack = const {
        Stack {
            states: [EMPTY; DEPTH],
            len: Cell::new(0),
        }
    };
}

/// The identity of a state (its address); never turned back into a reference.
#[inline]
pub fn address(s: &CancelState) -> usize {
    s as *const CancelState as usize
}

/// Whether a guarded call on this state is being polled further up this thread's stack.
pub(crate) fn nested(s: &CancelState) -> bool {
    let at = address(s);
    POLLED.with(|p| {
        let len = p.len.get().min(DEPTH);
        p.states[..len].iter().any(|s| s.get() == at)
    })
}

/// An unknown await of a guarded body: registers the call's state while it is polled.
pub struct Polled<F> {
    at: usize,
    fut: F,
}

impl<F> Polled<F> {
    #[inline]
    pub fn new(at: usize, fut: F) -> Self {
        Polled { at, fut }
    }
}

/// The entry of one `poll`: pushed by `push`, popped when `poll` returns or unwinds.
struct Frame;

impl Frame {
    #[inline]
    fn push(at: usize) -> Frame {
        POLLED.with(|p| {
            let len = p.len.get();
            if let Some(slot) = p.states.get(len) {
                slot.set(at);
            }
            p.len.set(len + 1);
        });
        Frame
    }
}

impl Drop for Frame {
    #[inline]
    fn drop(&mut self) {
        POLLED.with(|p| p.len.set(p.len.get() - 1));
    }
}

impl<F: Future> Future for Polled<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `fut` is structurally pinned: it is never moved out of `self`, and
        // `Polled` has no `Drop` impl and is `Unpin` only when `F` is.
        let this = unsafe { self.get_unchecked_mut() };
        let fut = unsafe { Pin::new_unchecked(&mut this.fut) };
        // Kept out of a `LocalKey::with` closure, so the body's poll can still be inlined.
        let _frame = Frame::push(this.at);
        fut.poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::block_on;

    #[test]
    fn a_state_counts_as_running_only_while_its_frame_is_polled() {
        let (outer, other) = (CancelState::new(), CancelState::new());
        assert!(!nested(&outer));
        let seen = block_on(Polled::new(address(&outer), async {
            (nested(&outer), nested(&other))
        }));
        assert_eq!(seen, Some((true, false)));
        assert!(!nested(&outer), "popped when the poll returned");
    }

    #[test]
    fn a_panicking_poll_pops_its_frame() {
        let s = CancelState::new();
        let panicked = std::panic::catch_unwind(|| {
            block_on(Polled::new(address(&s), async { panic!("inside") }))
        });
        assert!(panicked.is_err());
        assert!(!nested(&s));
    }
}
