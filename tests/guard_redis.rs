//! Issue 16 against a real redis-server: every shape of a guarded exchange that used to
//! hand a later call another call's reply, run 2 000 times under a tiny random outer
//! timeout and 2 000 times under a tiny random timeout inside the body, on one connection
//! that is replaced only when the guard says it must be. Not one reply may be another
//! call's.
//!
//! On loopback a reply takes tens of microseconds and tokio's timers tick in
//! milliseconds, so a timer would almost never fire mid-exchange. The tiny timeouts are
//! counted in scheduler turns instead ([`turns`]: `yield_now` a random 0 to 7 times), which
//! cuts calls at every stage; the shape with `tokio::time::timeout` inside keeps a real
//! timer.
//!
//! Needs a server: `tests/redis.sh cargo test --test guard_redis` (installs and starts a
//! throwaway redis-server and sets `CANCELSAFE_REDIS`). Without one the test fails on
//! purpose.

// The incident example's RESP client, compiled into this test; not every item is used.
#![allow(dead_code)]

#[path = "../examples/incident/client.rs"]
mod client;

use std::fmt;
use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use cancelsafe::{CancelState, Interrupted};
use client::{encode, into_value, open, read_reply, Reply};
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;
use tokio::time::timeout;

const CALLS: usize = 2_000;
const KEYS: usize = 64;
/// What `get_timeout_swallowed` answers when its inner timeout fires.
const SWALLOWED: &[u8] = b"(timed out)";
/// Never reached by a healthy exchange on loopback: a call still running then hung.
const HANG: Duration = Duration::from_secs(2);

fn redis() -> String {
    match std::env::var("CANCELSAFE_REDIS") {
        Ok(addr) if !addr.trim().is_empty() => addr.trim().to_owned(),
        _ => panic!(
            "CANCELSAFE_REDIS is not set; run `tests/redis.sh cargo test --test guard_redis`"
        ),
    }
}

fn key(i: usize) -> String {
    format!("cancelsafe:issue16:{}", i % KEYS)
}

fn value(i: usize) -> Vec<u8> {
    format!("value-{}", i % KEYS).into_bytes()
}

fn get(key: &str) -> Vec<u8> {
    encode(&[b"GET", key.as_bytes()])
}

struct Conn {
    stream: BufWriter<TcpStream>,
    buf: Vec<u8>,
    cancel: CancelState,
}

/// A timeout inside the body, in scheduler turns: `None` in the outer-timeout runs.
type Inner = Option<u64>;

/// Returns after `n` turns of the scheduler: a timeout shorter than tokio's timer tick.
async fn turns(n: u64) {
    for _ in 0..n {
        tokio::task::yield_now().await;
    }
}

/// `fut` under the body's own timeout, if any; its expiry is an error of the body.
async fn within<T>(inner: Inner, fut: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    match inner {
        Some(n) => tokio::select! {
            biased;
            out = fut => out,
            _ = turns(n) => Err(io::ErrorKind::TimedOut.into()),
        },
        None => fut.await,
    }
}

impl Conn {
    async fn open(addr: &str) -> io::Result<Self> {
        Ok(Conn {
            stream: open(addr).await?,
            buf: Vec::new(),
            cancel: CancelState::new(),
        })
    }

    /// The documented shape, which `drain` repairs in place.
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get(&mut self, key: &str) -> io::Result<Vec<u8>> {
        self.stream.write_all(&get(key)).await?;
        self.stream.flush().await?;
        value_of(self.read_reply().await?)
    }

    // (a) a timeout or a `select!` inside the body

    /// A real timer: `inner` turns are read as that many hundred microseconds.
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_timeout_inside(&mut self, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        self.stream.write_all(&get(key)).await?;
        self.stream.flush().await?;
        let d = inner.map_or(HANG, |n| Duration::from_micros(100 * n));
        value_of(timeout(d, self.read_reply()).await??)
    }

    /// The timeout swallowed: the body answers `Ok` without the reply it asked for.
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_timeout_swallowed(&mut self, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        self.stream.write_all(&get(key)).await?;
        self.stream.flush().await?;
        match within(inner, self.read_reply()).await {
            Ok(reply) => value_of(reply),
            Err(_) => Ok(SWALLOWED.to_vec()),
        }
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_select_inside(&mut self, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        self.stream.write_all(&get(key)).await?;
        self.stream.flush().await?;
        tokio::select! {
            biased;
            reply = self.read_reply() => value_of(reply?),
            _ = turns(inner.unwrap_or(u64::MAX)) => Err(io::ErrorKind::TimedOut.into()),
        }
    }

    // (b) the write, or the whole exchange, in a helper

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_send_helper(&mut self, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        self.send_cmd(&get(key)).await?;
        value_of(within(inner, self.read_reply()).await?)
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_exchange_helper(&mut self, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        within(inner, self.exchange(key)).await
    }

    // (c) parenthesised and stored futures

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_parenthesised(&mut self, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        (self.stream.write_all(&get(key))).await?;
        (self.stream.flush()).await?;
        value_of(within(inner, self.read_reply()).await?)
    }

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_stored(&mut self, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        let req = get(key);
        let write = self.stream.write_all(&req);
        write.await?;
        let flush = self.stream.flush();
        flush.await?;
        let reply = within(inner, self.read_reply());
        value_of(reply.await?)
    }

    // (d) two requests and two replies

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply, replies = 2)]
    async fn get_twice(&mut self, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        self.stream.write_all(&get(key)).await?;
        self.stream.flush().await?;
        let first = value_of(within(inner, self.read_reply()).await?)?;
        self.stream.write_all(&get(key)).await?;
        self.stream.flush().await?;
        let second = value_of(within(inner, self.read_reply()).await?)?;
        same(first, second)
    }

    // (e) a pipeline with another await between its writes

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply, replies = 3)]
    async fn get_pipelined(&mut self, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        for _ in 0..3 {
            self.stream.write_all(&get(key)).await?;
            tokio::task::yield_now().await;
        }
        self.stream.flush().await?;
        let mut values = Vec::new();
        for _ in 0..3 {
            values.push(value_of(within(inner, self.read_reply()).await?)?);
        }
        let last = values.pop().unwrap_or_default();
        values.into_iter().try_fold(last, same)
    }

    // (f) the reply read through a helper of another name, then another await

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_fetch_then_yield(&mut self, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        self.stream.write_all(&get(key)).await?;
        self.stream.flush().await?;
        let reply = within(inner, self.fetch_reply()).await?;
        tokio::task::yield_now().await;
        value_of(reply)
    }

    // (g) a guarded call nested inside another on the same state

    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get_nested(&mut self, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        within(inner, self.get(key)).await
    }

    // --- helpers, never guarded ---

    async fn send_cmd(&mut self, cmd: &[u8]) -> io::Result<()> {
        self.stream.write_all(cmd).await?;
        self.stream.flush().await
    }

    async fn exchange(&mut self, key: &str) -> io::Result<Vec<u8>> {
        self.send_cmd(&get(key)).await?;
        value_of(self.read_reply().await?)
    }

    async fn fetch_reply(&mut self) -> io::Result<Reply> {
        self.read_reply().await
    }

    async fn read_reply(&mut self) -> io::Result<Reply> {
        read_reply(&mut self.stream, &mut self.buf).await
    }
}

fn value_of(reply: Reply) -> io::Result<Vec<u8>> {
    into_value(reply)?.ok_or_else(|| io::Error::other("no such key"))
}

/// Both replies of one call must be the same key's value; two different ones mean a reply
/// of another call was read.
fn same(a: Vec<u8>, b: Vec<u8>) -> io::Result<Vec<u8>> {
    if a == b {
        Ok(a)
    } else {
        Err(io::Error::other(format!(
            "wrong reply: {:?} next to {:?}",
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b)
        )))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    TimeoutInside,
    TimeoutSwallowed,
    SelectInside,
    SendHelper,
    ExchangeHelper,
    Parenthesised,
    Stored,
    Twice,
    Pipelined,
    FetchThenYield,
    Nested,
}

impl Shape {
    const ALL: [Shape; 11] = [
        Shape::TimeoutInside,
        Shape::TimeoutSwallowed,
        Shape::SelectInside,
        Shape::SendHelper,
        Shape::ExchangeHelper,
        Shape::Parenthesised,
        Shape::Stored,
        Shape::Twice,
        Shape::Pipelined,
        Shape::FetchThenYield,
        Shape::Nested,
    ];

    async fn call(self, c: &mut Conn, key: &str, inner: Inner) -> io::Result<Vec<u8>> {
        match self {
            Shape::TimeoutInside => c.get_timeout_inside(key, inner).await,
            Shape::TimeoutSwallowed => c.get_timeout_swallowed(key, inner).await,
            Shape::SelectInside => c.get_select_inside(key, inner).await,
            Shape::SendHelper => c.get_send_helper(key, inner).await,
            Shape::ExchangeHelper => c.get_exchange_helper(key, inner).await,
            Shape::Parenthesised => c.get_parenthesised(key, inner).await,
            Shape::Stored => c.get_stored(key, inner).await,
            Shape::Twice => c.get_twice(key, inner).await,
            Shape::Pipelined => c.get_pipelined(key, inner).await,
            Shape::FetchThenYield => c.get_fetch_then_yield(key, inner).await,
            Shape::Nested => c.get_nested(key, inner).await,
        }
    }
}

/// What 2 000 calls of one shape saw.
#[derive(Default, Debug)]
struct Tally {
    ok: usize,
    /// Another call's reply: the bug.
    wrong: usize,
    /// Cut by a timeout (outer, or inner and returned as an error).
    cancelled: usize,
    /// Refused by the guard (`Interrupted`); the connection was then replaced.
    refused: usize,
    nested: usize,
    hung: usize,
    reconnects: usize,
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ok {} wrong {} cancelled {} refused {} (nested {}) hung {} reconnects {}",
            self.ok,
            self.wrong,
            self.cancelled,
            self.refused,
            self.nested,
            self.hung,
            self.reconnects
        )
    }
}

/// A small xorshift: the timeouts need to vary, not to be unpredictable.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn interrupted(e: &io::Error) -> Option<&Interrupted> {
    e.get_ref().and_then(|e| e.downcast_ref::<Interrupted>())
}

/// Runs `shape` `CALLS` times on one connection, replacing it only when the guard refuses
/// (what a pool does once `is_poisoned()`), so every repair goes through the guard. `outer`: cut each call from outside after a tiny random time;
/// otherwise cut inside the body.
async fn run(addr: &str, shape: Shape, outer: bool, seed: u64) -> Tally {
    let mut rng = Rng(seed);
    let mut t = Tally::default();
    let mut conn = Conn::open(addr).await.expect("connect");
    for i in 0..CALLS {
        let tiny = rng.below(24);
        let (key, want) = (key(i), value(i));
        let inner = (!outer).then_some(tiny);
        let call = async {
            tokio::select! {
                biased;
                out = shape.call(&mut conn, &key, inner) => Ok(out),
                _ = turns(tiny), if outer => Err(()),
            }
        };
        let started = Instant::now();
        match timeout(HANG, call)
            .await
            .unwrap_or(Ok(Err(io::Error::other("hung"))))
        {
            Ok(Ok(got)) if got == want => t.ok += 1,
            Ok(Ok(got)) if got == SWALLOWED => t.cancelled += 1,
            Ok(Ok(got)) => {
                t.wrong += 1;
                eprintln!(
                    "{shape:?}: call {i} for {key} got {:?}",
                    String::from_utf8_lossy(&got)
                );
            }
            Ok(Err(e)) if interrupted(&e).is_some() => {
                t.refused += 1;
                if interrupted(&e).is_some_and(Interrupted::nested_call) {
                    t.nested += 1;
                } else {
                    assert!(conn.cancel.is_poisoned(), "refused, yet not poisoned");
                }
                conn = Conn::open(addr).await.expect("reconnect");
                t.reconnects += 1;
            }
            Ok(Err(e)) if e.to_string().starts_with("wrong reply") => t.wrong += 1,
            Ok(Err(e)) if e.kind() == io::ErrorKind::TimedOut => t.cancelled += 1,
            Ok(Err(e)) if e.to_string() == "hung" || started.elapsed() >= HANG => t.hung += 1,
            Ok(Err(e)) => panic!("{shape:?}: call {i} failed: {e}"),
            Err(()) => t.cancelled += 1,
        }
    }
    t
}

async fn setup(addr: &str) {
    let mut stream = open(addr).await.expect("connect to redis-server");
    for i in 0..KEYS {
        let cmd = encode(&[b"SET", key(i).as_bytes(), &value(i)]);
        stream.write_all(&cmd).await.expect("SET");
    }
    stream.flush().await.expect("flush");
    let mut buf = Vec::new();
    for _ in 0..KEYS {
        let reply = read_reply(&mut stream, &mut buf).await.expect("SET reply");
        assert_eq!(reply, Reply::Simple("OK".into()));
    }
}

#[tokio::test]
async fn no_shape_hands_a_call_another_calls_reply() {
    let addr = redis();
    setup(&addr).await;
    let mut failures = Vec::new();
    for (n, shape) in Shape::ALL.into_iter().enumerate() {
        for outer in [true, false] {
            let started = Instant::now();
            let t = run(
                &addr,
                shape,
                outer,
                0x9e37_79b9_7f4a_7c15 ^ (n as u64 * 2 + 1),
            )
            .await;
            let how = if outer { "outer" } else { "inner" };
            eprintln!(
                "{shape:?} ({how} timeout, {CALLS} calls, {:.1}s): {t}",
                started.elapsed().as_secs_f64()
            );
            if t.wrong > 0 || t.hung > 0 {
                failures.push(format!("{shape:?} under an {how} timeout: {t}"));
            }
            // A real timer rarely fires within a loopback exchange; the others always cut.
            if t.cancelled + t.refused == 0 && (outer || shape != Shape::TimeoutInside) {
                failures.push(format!(
                    "{shape:?} under an {how} timeout was never cut: {t}"
                ));
            }
            if shape == Shape::Nested {
                assert_eq!(t.nested + t.cancelled, CALLS, "{t}");
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn drain_repairs_the_documented_shape_on_one_connection() {
    let addr = redis();
    setup(&addr).await;
    let mut rng = Rng(7);
    let mut conn = Conn::open(&addr).await.expect("connect");
    let (mut ok, mut wrong, mut cancelled) = (0, 0, 0);
    for i in 0..CALLS {
        let (tiny, k) = (rng.below(24), key(i));
        let call = async {
            tokio::select! {
                biased;
                out = conn.get(&k) => Some(out),
                _ = turns(tiny) => None,
            }
        };
        match timeout(HANG, call).await.expect("a call hung") {
            Some(Ok(got)) if got == value(i) => ok += 1,
            Some(Ok(_)) => wrong += 1,
            Some(Err(e)) => panic!("call {i}: {e}"),
            None => cancelled += 1,
        }
        assert!(
            !conn.cancel.is_poisoned(),
            "call {i} poisoned the connection"
        );
    }
    eprintln!("documented shape, drain: ok {ok} wrong {wrong} cancelled {cancelled}, 1 connection");
    assert_eq!(wrong, 0);
    assert!(cancelled > 0, "nothing was cancelled");
}
