//! The cancellation harness against a line-protocol client, unguarded and under every
//! policy: dropped after every possible number of polls, the next request on the same
//! connection must get its own reply.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use cancelsafe::testing::{block_on, cancel_at_every_poll, poll_n, MemStream, Report, Server};
use cancelsafe::CancelState;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufStream};

/// `GET k` → `VALUE k`.
fn server() -> Server {
    Server::lines(|req| format!("VALUE {}", req.strip_prefix("GET ").unwrap_or(req)))
}

/// Hands out one 8-byte reply (`VALUE k\n`) per read, so each reply of a pipeline is its
/// own await point (`read_line` itself is not cancel-safe on a partial line).
fn pipeline_server() -> Server {
    server().read_chunk(8)
}

struct Client {
    stream: BufStream<MemStream>,
    /// Partial reply bytes, for the reader that buffers inside the connection.
    rbuf: Vec<u8>,
    cancel: CancelState,
    /// Drains and reconnects performed, shared with the test.
    repairs: Arc<AtomicUsize>,
}

impl Client {
    fn new(stream: MemStream, repairs: &Arc<AtomicUsize>) -> Self {
        Client {
            stream: BufStream::new(stream),
            rbuf: Vec::new(),
            cancel: CancelState::new(),
            repairs: repairs.clone(),
        }
    }

    async fn send(&mut self, keys: &[&str]) -> io::Result<()> {
        let mut buf = String::new();
        for k in keys {
            buf.push_str(&format!("GET {k}\n"));
        }
        self.stream.write_all(buf.as_bytes()).await?;
        self.stream.flush().await
    }

    // --- unguarded: the bug ---

    async fn get_unguarded(&mut self, key: &str) -> io::Result<String> {
        self.stream
            .write_all(format!("GET {key}\n").as_bytes())
            .await?;
        self.stream.flush().await?;
        self.read_reply().await
    }

    async fn pipeline_unguarded(&mut self, keys: &[&str]) -> io::Result<Vec<String>> {
        self.send(keys).await?;
        let mut out = Vec::new();
        for _ in keys {
            out.push(self.read_reply().await?);
        }
        Ok(out)
    }

    // --- guarded, one per policy ---

    #[cancelsafe::guard(state = self.cancel, read = [read_reply])]
    async fn get_poison(&mut self, key: &str) -> io::Result<String> {
        self.stream
            .write_all(format!("GET {key}\n").as_bytes())
            .await?;
        self.stream.flush().await?;
        self.read_reply().await
    }

    #[cancelsafe::guard(state = self.cancel, poison, read = [read_reply], replies = keys.len())]
    async fn pipeline_poison(&mut self, keys: &[&str]) -> io::Result<Vec<String>> {
        let mut buf = String::new();
        for k in keys {
            buf.push_str(&format!("GET {k}\n"));
        }
        self.stream.write_all(buf.as_bytes()).await?;
        self.stream.flush().await?;
        let mut out = Vec::new();
        for _ in keys {
            out.push(self.read_reply().await?);
        }
        Ok(out)
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::drain_one, read = [read_reply])]
    async fn get_drain(&mut self, key: &str) -> io::Result<String> {
        self.stream
            .write_all(format!("GET {key}\n").as_bytes())
            .await?;
        self.stream.flush().await?;
        self.read_reply().await
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::drain_one, read = [read_reply], replies = keys.len())]
    async fn pipeline_drain(&mut self, keys: &[&str]) -> io::Result<Vec<String>> {
        let mut buf = String::new();
        for k in keys {
            buf.push_str(&format!("GET {k}\n"));
        }
        self.stream.write_all(buf.as_bytes()).await?;
        self.stream.flush().await?;
        let mut out = Vec::new();
        for _ in keys {
            out.push(self.read_reply().await?);
        }
        Ok(out)
    }

    #[cancelsafe::guard(state = self.cancel, reconnect = Self::reconnect)]
    async fn get_reconnect(&mut self, key: &str) -> io::Result<String> {
        self.stream
            .write_all(format!("GET {key}\n").as_bytes())
            .await?;
        self.stream.flush().await?;
        self.read_reply().await
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_buffered)]
    async fn get_buffered(&mut self, key: &str) -> io::Result<String> {
        self.stream
            .write_all(format!("GET {key}\n").as_bytes())
            .await?;
        self.stream.flush().await?;
        self.read_buffered().await
    }

    // --- readers and repairs (never guarded) ---

    /// No `Result` to fail with: `None` while the connection cannot be repaired.
    #[cancelsafe::guard(state = self.cancel, drain = Self::drain_one, read = [read_reply])]
    async fn get_maybe(&mut self, key: &str) -> Option<String> {
        self.stream
            .write_all(format!("GET {key}\n").as_bytes())
            .await
            .ok()?;
        self.stream.flush().await.ok()?;
        self.read_reply().await.ok()
    }

    async fn read_reply(&mut self) -> io::Result<String> {
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        Ok(line.trim_end().to_owned())
    }

    /// The drain fn; counts how often recovery used it.
    async fn drain_one(&mut self) -> io::Result<String> {
        let reply = self.read_reply().await?;
        self.repairs.fetch_add(1, Ordering::Relaxed);
        Ok(reply)
    }

    /// Cancel-safe: partial input stays in `self.rbuf` (mini-redis `read_frame` style).
    async fn read_buffered(&mut self) -> io::Result<String> {
        loop {
            if let Some(end) = self.rbuf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.rbuf.drain(..=end).collect();
                self.repairs.fetch_add(1, Ordering::Relaxed);
                return Ok(String::from_utf8_lossy(&line).trim_end().to_owned());
            }
            let mut chunk = [0u8; 64];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.rbuf.extend_from_slice(&chunk[..n]);
        }
    }

    async fn reconnect(&mut self) -> io::Result<()> {
        self.stream = BufStream::new(self.stream.get_ref().reconnect());
        self.rbuf.clear();
        self.repairs.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Runs the harness with `get("b")` (expected `VALUE b`) as the follow-up request.
fn run(
    server: &Server,
    request: impl for<'a> FnMut(&'a mut Client) -> cancelsafe::testing::BoxFuture<'a, ()>,
    probe: impl for<'a> FnMut(&'a mut Client) -> cancelsafe::testing::BoxFuture<'a, io::Result<String>>,
) -> (Report, usize) {
    let repairs = Arc::new(AtomicUsize::new(0));
    let report = cancel_at_every_poll(
        server,
        |s| Client::new(s, &repairs),
        request,
        probe,
        &"VALUE b".to_owned(),
    );
    println!("{report}");
    (report, repairs.load(Ordering::Relaxed))
}

fn probe_ok(report: &Report) {
    report.assert_no_desync();
    assert!(
        report.polls_to_complete >= 4,
        "the request must have points to cancel at"
    );
}

#[test]
fn unguarded_single_request_desyncs() {
    let (report, _) = run(
        &server(),
        |c| Box::pin(async { drop(c.get_unguarded("a").await) }),
        |c| Box::pin(c.get_unguarded("b")),
    );
    assert!(
        report.desyncs() > 0,
        "the harness must catch the bug:\n{report}"
    );
    assert_eq!(
        report.cases.last().unwrap().outcome,
        cancelsafe::testing::Outcome::Clean
    );
}

#[test]
fn unguarded_pipeline_desyncs() {
    let (report, _) = run(
        &pipeline_server(),
        |c| Box::pin(async { drop(c.pipeline_unguarded(&["a", "x", "y"]).await) }),
        |c| Box::pin(c.get_unguarded("b")),
    );
    assert!(report.desyncs() > 0, "{report}");
}

#[test]
fn poison_single_request_never_desyncs() {
    let (report, _) = run(
        &server(),
        |c| Box::pin(async { drop(c.get_poison("a").await) }),
        |c| Box::pin(c.get_poison("b")),
    );
    probe_ok(&report);
    assert!(report.refused() > 0, "{report}");
}

#[test]
fn poison_pipeline_never_desyncs() {
    let (report, _) = run(
        &pipeline_server(),
        |c| Box::pin(async { drop(c.pipeline_poison(&["a", "x", "y"]).await) }),
        |c| Box::pin(c.get_poison("b")),
    );
    probe_ok(&report);
    assert!(report.refused() > 0, "{report}");
}

#[test]
fn drain_single_request_never_desyncs() {
    let (report, repairs) = run(
        &server(),
        |c| Box::pin(async { drop(c.get_drain("a").await) }),
        |c| Box::pin(c.get_drain("b")),
    );
    probe_ok(&report);
    assert!(repairs > 0, "no reply was drained:\n{report}");
}

#[test]
fn drain_three_request_pipeline_never_desyncs() {
    let (report, repairs) = run(
        &pipeline_server(),
        |c| Box::pin(async { drop(c.pipeline_drain(&["a", "x", "y"]).await) }),
        |c| Box::pin(c.get_drain("b")),
    );
    probe_ok(&report);
    // Dropped while 3, 2 or 1 replies were owed: each drained all that was owed.
    assert!(repairs > 3 + 2, "{report}");
}

#[test]
fn reconnect_single_request_never_desyncs_or_refuses() {
    let server = server();
    let (report, repairs) = run(
        &server,
        |c| Box::pin(async { drop(c.get_reconnect("a").await) }),
        |c| Box::pin(c.get_reconnect("b")),
    );
    probe_ok(&report);
    assert_eq!(report.refused(), 0, "{report}");
    assert!(
        repairs > 0 && report.connections == report.cases.len() + repairs,
        "{report}"
    );
}

#[test]
fn reader_buffering_inside_the_connection_survives_torn_replies() {
    // Replies arrive two bytes at a time and writes are cut every three bytes, so the
    // request can be dropped mid-request and mid-reply.
    let server = Server::lines(|req| format!("VALUE {}", req.strip_prefix("GET ").unwrap_or(req)))
        .read_chunk(2)
        .write_chunk(3);
    let (report, _) = run(
        &server,
        |c| Box::pin(async { drop(c.get_buffered("a").await) }),
        |c| Box::pin(c.get_buffered("b")),
    );
    probe_ok(&report);
    // Cut mid-reply (after the request was flushed), the drain finished the old reply.
    assert!(report.clean() > report.refused(), "{report}");
}

#[test]
fn poison_stays_until_reset_and_pool_can_see_it() {
    let server = server();
    let repairs = Arc::new(AtomicUsize::new(0));
    let mut c = Client::new(server.connect(), &repairs);
    // Polls: write_all is buffered, flush stalls once, flush, read stalls once → dropped
    // while waiting for the reply.
    assert_eq!(poll_n(c.get_poison("a"), 3), None);
    assert!(c.cancel.is_poisoned());
    assert_eq!(c.cancel.owed_replies(), 1);
    for _ in 0..2 {
        let err = block_on(c.get_poison("b")).unwrap().unwrap_err();
        let inner = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<cancelsafe::Interrupted>());
        assert_eq!(inner.map(|i| i.owed_replies()), Some(1), "{err}");
    }
    // The user reconnects by hand, then resets.
    c.stream = BufStream::new(c.stream.get_ref().reconnect());
    c.cancel.reset();
    assert!(!c.cancel.is_poisoned());
    assert_eq!(block_on(c.get_poison("b")).unwrap().unwrap(), "VALUE b");
}

#[test]
fn cancelled_before_writing_owes_nothing() {
    let repairs = Arc::new(AtomicUsize::new(0));
    let mut c = Client::new(server().connect(), &repairs);
    assert_eq!(poll_n(c.get_poison("a"), 0), None);
    assert!(!c.cancel.is_poisoned());
    assert_eq!(block_on(c.get_poison("b")).unwrap().unwrap(), "VALUE b");
    assert!(block_on(c.send(&[])).unwrap().is_ok());
}

#[test]
fn a_non_result_fn_never_desyncs_and_falls_back_instead_of_panicking() {
    let (report, _) = run(
        &server(),
        |c| Box::pin(async { drop(c.get_maybe("a").await) }),
        |c| {
            Box::pin(async {
                c.get_maybe("b")
                    .await
                    .ok_or_else(|| io::Error::other("fell back"))
            })
        },
    );
    probe_ok(&report);
    // Dropped mid-write, the request cannot be drained: the state is poisoned and every
    // later call returns `None` (no panic) until the connection is replaced.
    let repairs = Arc::new(AtomicUsize::new(0));
    let mut c = Client::new(server().connect(), &repairs);
    let mut torn = None;
    for polls in 0..8 {
        let mut probe = Client::new(server().connect(), &repairs);
        assert_eq!(poll_n(probe.get_maybe("a"), polls), None);
        if probe.cancel.is_poisoned() {
            torn = Some(polls);
            break;
        }
    }
    let polls = torn.expect("some poll count leaves a torn write");
    assert_eq!(poll_n(c.get_maybe("a"), polls), None);
    assert!(c.cancel.is_poisoned());
    assert_eq!(block_on(c.get_maybe("b")).unwrap(), None);
    assert_eq!(block_on(c.get_maybe("b")).unwrap(), None);
    c.stream = BufStream::new(c.stream.get_ref().reconnect());
    c.cancel.reset();
    assert_eq!(
        block_on(c.get_maybe("b")).unwrap().as_deref(),
        Some("VALUE b")
    );
}
