//! Polling by hand, cancelling at every poll, and judging the follow-up reply.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use super::{MemStream, Server};

/// A boxed future borrowing the client, as the request and probe closures return
/// (`|c| Box::pin(c.get("a"))`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Polls after which a future counts as hung (e.g. a drain waiting for a reply that was
/// never requested).
pub const MAX_POLLS: usize = 10_000;

/// What happened to the follow-up request after a cancellation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It got its own reply.
    Clean,
    /// It failed (e.g. `Interrupted` from a poisoned connection): safe, not a desync.
    Refused(String),
    /// It got a reply that is not its own: the bug this crate prevents.
    Desync {
        /// The reply it got, `Debug`-formatted.
        got: String,
    },
    /// It did not complete within [`MAX_POLLS`] polls.
    Hung,
}

/// One cancellation point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Polls the first request got before it was dropped (`None`: it ran to completion).
    pub cancelled_after: Option<usize>,
    /// What the follow-up request saw.
    pub outcome: Outcome,
}

/// Every case of one [`cancel_at_every_poll`] run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Polls the first request needs to complete when nothing cancels it.
    pub polls_to_complete: usize,
    /// One case per `k` in `0..polls_to_complete`, then the uncancelled run.
    pub cases: Vec<Case>,
    /// Connections the server saw over the run (one per case plus any reconnects).
    pub connections: usize,
}

impl Report {
    /// Cases whose follow-up request read someone else's reply.
    pub fn desyncs(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Desync { .. }))
    }

    /// Cases whose follow-up request was refused.
    pub fn refused(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Refused(_)))
    }

    /// Cases whose follow-up request did not complete.
    pub fn hung(&self) -> usize {
        self.count(|o| *o == Outcome::Hung)
    }

    /// Cases whose follow-up request got its own reply.
    pub fn clean(&self) -> usize {
        self.count(|o| *o == Outcome::Clean)
    }

    /// Panics, listing the cases, if any follow-up request desynced or hung, or if the
    /// uncancelled run was not clean.
    #[track_caller]
    pub fn assert_no_desync(&self) {
        let baseline_ok = self
            .cases
            .last()
            .is_some_and(|c| c.outcome == Outcome::Clean);
        assert!(
            self.desyncs() == 0 && self.hung() == 0 && baseline_ok,
            "cancellation broke the connection:\n{self}"
        );
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.cases.iter().filter(|c| f(&c.outcome)).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} polls to complete; clean {}, refused {}, desync {}, hung {}",
            self.polls_to_complete,
            self.clean(),
            self.refused(),
            self.desyncs(),
            self.hung()
        )?;
        for case in &self.cases {
            match case.cancelled_after {
                Some(k) => write!(f, "  dropped after {k:>3} polls: ")?,
                None => write!(f, "  not dropped:             ")?,
            }
            writeln!(f, "{:?}", case.outcome)?;
        }
        Ok(())
    }
}

/// For every `k`, on a fresh connection: poll `request` `k` times, drop it, then run
/// `probe` to completion on the same client and compare its `Ok` value with `expected`.
///
/// `connect` builds your client around the in-memory stream. `probe` must send a request
/// whose reply differs from `request`'s, or a desync cannot be told apart.
pub fn cancel_at_every_poll<C, R, T, E>(
    server: &Server,
    mut connect: impl FnMut(MemStream) -> C,
    mut request: impl for<'a> FnMut(&'a mut C) -> BoxFuture<'a, R>,
    mut probe: impl for<'a> FnMut(&'a mut C) -> BoxFuture<'a, Result<T, E>>,
    expected: &T,
) -> Report
where
    T: PartialEq + fmt::Debug,
    E: fmt::Display,
{
    let before = server.connections();
    let mut cases = Vec::new();
    let mut k = 0;
    let polls_to_complete = loop {
        let mut client = connect(server.connect());
        let done = poll_n(request(&mut client), k);
        let outcome = match block_on(probe(&mut client)) {
            None => Outcome::Hung,
            Some(Ok(v)) if v == *expected => Outcome::Clean,
            Some(Ok(v)) => Outcome::Desync {
                got: format!("{v:?}"),
            },
            Some(Err(e)) => Outcome::Refused(e.to_string()),
        };
        if let Some(polls) = done {
            cases.push(Case {
                cancelled_after: None,
                outcome,
            });
            break polls;
        }
        cases.push(Case {
            cancelled_after: Some(k),
            outcome,
        });
        k += 1;
        assert!(
            k <= MAX_POLLS,
            "the request did not complete within {MAX_POLLS} polls"
        );
    };
    Report {
        polls_to_complete,
        cases,
        connections: server.connections() - before,
    }
}

/// Polls `fut` at most `n` times, then drops it. Returns the number of polls it took if
/// it completed.
pub fn poll_n<F: Future>(fut: F, n: usize) -> Option<usize> {
    let mut fut = std::pin::pin!(fut);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    (1..=n).find(|_| fut.as_mut().poll(&mut cx).is_ready())
}

/// Polls `fut` to completion (at most [`MAX_POLLS`] times) with a no-op waker.
pub fn block_on<F: Future>(fut: F) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    for _ in 0..MAX_POLLS {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return Some(v);
        }
    }
    None
}

fn noop_waker() -> Waker {
    // `Waker::noop` needs Rust 1.85; the workspace supports 1.75.
    const VTABLE: RawWakerVTable = RawWakerVTable::new(|_| RAW, |_| {}, |_| {}, |_| {});
    const RAW: RawWaker = RawWaker::new(std::ptr::null(), &VTABLE);
    // SAFETY: every vtable function ignores the data pointer, so any pointer is valid.
    unsafe { Waker::from_raw(RAW) }
}
