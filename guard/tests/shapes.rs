//! Issue 16: every shape of a guarded exchange that used to hand a later call another
//! call's reply, or hang, run through the cancel-at-every-poll harness. Each is dropped
//! after every possible number of polls (and, for inner cancellations, cut inside the body
//! at every possible poll); the next call on the same connection must get its own reply
//! or a refusal, never another call's reply, and must never hang (the harness bounds its
//! polls and reports a hang as `Hung`).
//!
//! Shapes the attribute refuses at compile time (`replies = 0`, two replies under the
//! default `replies`) are in `tests/ui/fail/`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use cancelsafe::testing::{block_on, cancel_at_every_poll, BoxFuture, MemStream, Report, Server};
use cancelsafe::CancelState;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufStream};

/// `GET k` → `VALUE k`; replies are handed out 8 bytes (one reply) per read.
fn server() -> Server {
    Server::lines(|req| format!("VALUE {}", req.strip_prefix("GET ").unwrap_or(req))).read_chunk(8)
}

/// Fails with `TimedOut` once polled `budget` times without finishing: a timeout counted
/// in polls (what `tokio::time::timeout` does in time), so a test can cut anywhere.
struct Budget<F: Future> {
    left: usize,
    fut: Pin<Box<F>>,
}

impl<F: Future> Budget<F> {
    fn new(budget: usize, fut: F) -> Self {
        Budget {
            left: budget,
            fut: Box::pin(fut),
        }
    }
}

impl<F: Future> Future for Budget<F> {
    type Output = io::Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(v) = self.fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        if self.left == 0 {
            return Poll::Ready(Err(io::ErrorKind::TimedOut.into()));
        }
        self.left -= 1;
        Poll::Pending
    }
}

/// Returns `Pending` once (what `tokio::task::yield_now` does).
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

struct Client {
    stream: BufStream<MemStream>,
    cancel: CancelState,
}

fn request(key: &str) -> String {
    format!("GET {key}\n")
}

impl Client {
    fn new(stream: MemStream) -> Self {
        Client {
            stream: BufStream::new(stream),
            cancel: CancelState::new(),
        }
    }

    /// The documented shape: the probe every case ends with.
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get(&mut self, key: &str) -> io::Result<String> {
        self.stream.write_all(request(key).as_bytes()).await?;
        self.stream.flush().await?;
        self.read_reply().await
    }

    // (a) a cancellation inside the body

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_with_timeout(&mut self, key: &str, budget: usize) -> io::Result<String> {
        self.stream.write_all(request(key).as_bytes()).await?;
        self.stream.flush().await?;
        Budget::new(budget, self.read_reply()).await?
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_with_select(&mut self, key: &str, budget: usize) -> io::Result<String> {
        self.stream.write_all(request(key).as_bytes()).await?;
        self.stream.flush().await?;
        tokio::select! {
            biased;
            reply = self.read_reply() => reply,
            _ = Budget::new(budget, std::future::pending::<()>()) => {
                Err(io::ErrorKind::TimedOut.into())
            }
        }
    }

    /// The timeout swallowed: the body answers `Ok` without the reply it asked for.
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_or_default(&mut self, key: &str, budget: usize) -> io::Result<String> {
        self.stream.write_all(request(key).as_bytes()).await?;
        self.stream.flush().await?;
        match Budget::new(budget, self.read_reply()).await {
            Ok(reply) => reply,
            Err(_) => Ok("VALUE default".to_owned()),
        }
    }

    // (b) the write, or the whole exchange, in a helper

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_via_send_helper(&mut self, key: &str) -> io::Result<String> {
        self.send_cmd(key).await?;
        self.read_reply().await
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_via_exchange_helper(&mut self, key: &str) -> io::Result<String> {
        self.exchange(key).await
    }

    // (c) parenthesised and stored futures

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_parenthesised(&mut self, key: &str) -> io::Result<String> {
        (self.stream.write_all(request(key).as_bytes())).await?;
        (self.stream.flush()).await?;
        (self.read_reply()).await
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_stored(&mut self, key: &str) -> io::Result<String> {
        let req = request(key);
        let write = self.stream.write_all(req.as_bytes());
        write.await?;
        let flush = self.stream.flush();
        flush.await?;
        let reply = self.read_reply();
        reply.await
    }

    // (d) two requests and two replies, each reply read before the next request

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply, replies = 2)]
    async fn get_twice(&mut self, first: &str, second: &str) -> io::Result<String> {
        self.stream.write_all(request(first).as_bytes()).await?;
        self.stream.flush().await?;
        let _ = self.read_reply().await?;
        self.stream.write_all(request(second).as_bytes()).await?;
        self.stream.flush().await?;
        self.read_reply().await
    }

    // (e) a pipeline with another await between its writes

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply, replies = keys.len())]
    async fn pipeline_yielding(&mut self, keys: &[&str]) -> io::Result<Vec<String>> {
        for key in keys {
            self.stream.write_all(request(key).as_bytes()).await?;
            yield_once().await;
        }
        self.stream.flush().await?;
        let mut out = Vec::new();
        for _ in keys {
            out.push(self.read_reply().await?);
        }
        Ok(out)
    }

    // (f) the reply read through a helper of another name, then another await

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_then_yield(&mut self, key: &str) -> io::Result<String> {
        self.stream.write_all(request(key).as_bytes()).await?;
        self.stream.flush().await?;
        let reply = self.fetch_reply().await?;
        yield_once().await;
        Ok(reply)
    }

    // (g) a guarded call nested inside another on the same state

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_nested(&mut self, key: &str) -> io::Result<String> {
        self.get(key).await
    }

    // --- helpers, never guarded ---

    async fn send_cmd(&mut self, key: &str) -> io::Result<()> {
        self.stream.write_all(request(key).as_bytes()).await?;
        self.stream.flush().await
    }

    async fn exchange(&mut self, key: &str) -> io::Result<String> {
        self.send_cmd(key).await?;
        self.read_reply().await
    }

    async fn fetch_reply(&mut self) -> io::Result<String> {
        self.read_reply().await
    }

    async fn read_reply(&mut self) -> io::Result<String> {
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        Ok(line.trim_end().to_owned())
    }
}

/// Drops `request` after every number of polls, then probes with `get("b")`.
fn run(request: impl for<'a> FnMut(&'a mut Client) -> BoxFuture<'a, ()>) -> Report {
    let report = cancel_at_every_poll(
        &server(),
        Client::new,
        request,
        |c| Box::pin(c.get("b")),
        &"VALUE b".to_owned(),
    );
    println!("{report}");
    report
}

/// No case desynced or hung.
#[track_caller]
fn holds(report: &Report) {
    assert_eq!(report.desyncs(), 0, "{report}");
    assert_eq!(report.hung(), 0, "{report}");
}

/// `holds`, the request had points after its write to be cut at, and the uncancelled
/// request left a clean connection.
#[track_caller]
fn holds_and_completes(report: &Report) {
    holds(report);
    report.assert_no_desync();
    assert!(
        report.polls_to_complete >= 4,
        "the request must have points to cancel at:\n{report}"
    );
}

/// Cuts the body's own timeout at every poll too: for each budget, the call is also
/// dropped from outside at every poll. Returns the reports, smallest budget first.
fn inner_cancellation(
    call: for<'a> fn(&'a mut Client, usize) -> BoxFuture<'a, io::Result<String>>,
) -> Vec<Report> {
    (0..8)
        .map(|budget| run(move |c| Box::pin(async move { drop(call(c, budget).await) })))
        .collect()
}

#[test]
fn a_timeout_inside_the_body() {
    let reports = inner_cancellation(|c, budget| Box::pin(c.get_with_timeout("a", budget)));
    reports.iter().for_each(holds);
    // Small budgets time out after the request was sent: the next call refused, since a
    // reply is owed and the timeout is an await the attribute cannot count through.
    assert!(reports[0].refused() > 0, "{}", reports[0]);
    assert!(reports[0].cases.last().unwrap().outcome != cancelsafe::testing::Outcome::Clean);
    // A budget long enough to read the reply completes cleanly.
    holds_and_completes(reports.last().unwrap());
}

#[test]
fn a_timeout_inside_the_body_that_the_body_swallows() {
    let reports = inner_cancellation(|c, budget| Box::pin(c.get_or_default("a", budget)));
    reports.iter().for_each(holds);
    assert!(reports[0].refused() > 0, "{}", reports[0]);
    holds_and_completes(reports.last().unwrap());
}

#[test]
fn a_select_inside_the_body() {
    let reports = inner_cancellation(|c, budget| Box::pin(c.get_with_select("a", budget)));
    reports.iter().for_each(holds);
    assert!(reports[0].refused() > 0, "{}", reports[0]);
    holds_and_completes(reports.last().unwrap());
}

#[test]
fn the_write_in_a_helper() {
    holds_and_completes(&run(|c| {
        Box::pin(async { drop(c.get_via_send_helper("a").await) })
    }));
}

#[test]
fn the_whole_exchange_in_a_helper() {
    holds_and_completes(&run(|c| {
        Box::pin(async { drop(c.get_via_exchange_helper("a").await) })
    }));
}

#[test]
fn parenthesised_futures() {
    holds_and_completes(&run(|c| {
        Box::pin(async { drop(c.get_parenthesised("a").await) })
    }));
}

#[test]
fn stored_futures() {
    holds_and_completes(&run(|c| Box::pin(async { drop(c.get_stored("a").await) })));
}

#[test]
fn two_requests_and_two_replies() {
    holds_and_completes(&run(|c| {
        Box::pin(async { drop(c.get_twice("a", "x").await) })
    }));
}

#[test]
fn a_pipeline_with_an_await_between_its_writes() {
    holds_and_completes(&run(|c| {
        Box::pin(async { drop(c.pipeline_yielding(&["a", "x", "y"]).await) })
    }));
}

#[test]
fn the_reply_read_by_another_helper_then_another_await() {
    holds_and_completes(&run(|c| {
        Box::pin(async { drop(c.get_then_yield("a").await) })
    }));
}

#[test]
fn a_nested_guarded_call_is_refused_not_hung() {
    let mut c = Client::new(server().connect());
    let err = block_on(c.get_nested("a"))
        .expect("a nested guarded call must not hang")
        .expect_err("a nested guarded call must be refused");
    let inner = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<cancelsafe::Interrupted>())
        .expect("the refusal is an `Interrupted`");
    assert!(inner.nested_call(), "{err}");
    // Cancelled at any poll, it never hands the next call a wrong reply or hangs it.
    let report = run(|c| Box::pin(async { drop(c.get_nested("a").await) }));
    assert_eq!((report.desyncs(), report.hung()), (0, 0), "{report}");
}

#[test]
fn drain_still_repairs_the_documented_shape_on_the_same_connection() {
    // The tightening above must not turn the common case into a refusal: dropped while
    // its reply is owed, `get` is drained and the next call proceeds.
    let report = run(|c| Box::pin(async { drop(c.get("a").await) }));
    holds_and_completes(&report);
    assert!(report.clean() > report.refused(), "{report}");
}
