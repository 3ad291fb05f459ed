//! Which guarded calls are being polled on this thread right now, so a guarded call
//! nested inside another on the same state (or a guarded drain fn) is refused instead of
//! taking the outer call's marks for an interruption and waiting for its reply.
//!
//! A drop leaves no trace here: the stack entry is popped when `poll` returns or unwinds,
//! so only calls that are really up the stack count.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::CancelState;

/// Deeper nesting is not tracked (it is not missed either: any call nested on the same
/// state within the first `DEPTH` frames is caught).
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

/// Whether a guarded call on the state at `at` is already being polled further up this
/// thread's stack (the innermost entry is the asking call itself).
#[inline]
pub fn nested(at: usize) -> bool {
    POLLED.with(|p| {
        let outer = p.len.get().saturating_sub(1).min(DEPTH);
        p.states[..outer].iter().any(|s| s.get() == at)
    })
}

/// A guarded call's whole future (recovery and body): registers its state while polled.
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

/// Pops the entry when `poll` returns or unwinds.
struct Pop<'a>(&'a Stack);

impl Drop for Pop<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.len.set(self.0.len.get() - 1);
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
        POLLED.with(|p| {
            let len = p.len.get();
            if let Some(slot) = p.states.get(len) {
                slot.set(this.at);
            }
            p.len.set(len + 1);
            let _pop = Pop(p);
            fut.poll(cx)
        })
    }
}
