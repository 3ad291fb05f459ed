//! The simulation: simulated users, one after another, share one connection
//! (`Arc<Mutex<_>>`, the shape of a single-connection client or a pool of one); each
//! stores `user:<id>` = `secret-of-user-<id>` and reads it back, every request under a
//! timeout (`tokio::time::timeout_at`) drawn from a seeded uniform range and aligned to
//! the [`Clock`]. Between client and server runs a [`DelayProxy`], so the timeouts that
//! fire land between request and reply.
//!
//! A request *leaked* when it completed with a reply that belonged to another request:
//! a `GET user:<id>` that returned anything but `secret-of-user-<id>` (another user's
//! secret, or a stale `OK`), or a `SET` answered by something other than `+OK`.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use tokio::time::{timeout, timeout_at};

use crate::client::UnguardedClient;
use crate::guarded::{GuardedClient, PoisonGuardedClient};
use crate::proxy::{Clock, DelayProxy};

/// The client variants compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Unguarded,
    Drain,
    Poison,
}

impl Variant {
    pub const ALL: [Variant; 3] = [Variant::Unguarded, Variant::Drain, Variant::Poison];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Unguarded => "unguarded",
            Variant::Drain => "guarded(drain)",
            Variant::Poison => "guarded(poison)",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The real server, `HOST:PORT`.
    pub redis: String,
    pub users: usize,
    pub seed: u64,
    /// How long the proxy holds every chunk, each way.
    pub delay: Duration,
    pub timeout_min: Duration,
    pub timeout_max: Duration,
    /// Tick of the clock that replies are released on and timeouts fire between
    /// (see [`Clock`]); zero = free-running, which does not repeat exactly.
    pub tick: Duration,
    /// Store the values beforehand on a direct connection and only `GET` through the
    /// proxy (the set-up of the redis-py reproduction); otherwise each user `SET`s its
    /// value, then `GET`s it.
    pub get_only: bool,
    /// Print one line per request to stderr (times in ms since the run's clock started).
    pub trace: bool,
}

impl Config {
    /// Defaults for a short run: 20 ms each way, timeouts U(1.2, 6) x delay.
    pub fn new(redis: impl Into<String>) -> Self {
        let delay = Duration::from_millis(20);
        Self {
            redis: redis.into(),
            users: 200,
            seed: 2023,
            delay,
            timeout_min: delay * 6 / 5,
            timeout_max: delay * 6,
            tick: Duration::from_millis(40),
            get_only: false,
            trace: false,
        }
    }

    /// The tick used: at most twice the delay (see [`Clock::release`]).
    pub fn effective_tick(&self) -> Duration {
        self.tick.min(self.delay * 2)
    }

    /// The figures of the redis-py reproduction: 200 users, only `GET`, 100 ms each way,
    /// timeouts U(120 ms, 600 ms).
    pub fn seed_doc(redis: impl Into<String>) -> Self {
        Self {
            users: 200,
            delay: Duration::from_millis(100),
            timeout_min: Duration::from_millis(120),
            timeout_max: Duration::from_millis(600),
            get_only: true,
            ..Self::new(redis)
        }
    }
}

/// What one variant did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub variant: Variant,
    pub requests: usize,
    pub cancelled: usize,
    pub leaked: usize,
    /// Requests that failed for another reason (I/O error, `Interrupted`).
    pub errors: usize,
    /// Connections opened through the proxy.
    pub connections: usize,
    /// The latest the run saw a reply or a deadline after its tick; beyond half a tick,
    /// the run may differ from another with the same seed.
    pub worst_lateness: Duration,
    /// Half the clock's tick (zero when the clock is off).
    pub lateness_limit: Duration,
    pub elapsed: Duration,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: requests {} cancelled {} leaked {} connections {}",
            self.variant.name(),
            self.requests,
            self.cancelled,
            self.leaked,
            self.connections
        )?;
        if self.errors > 0 {
            write!(f, " errors {}", self.errors)?;
        }
        Ok(())
    }
}

/// splitmix64: a tiny seeded PRNG, so runs repeat.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi]`, whole microseconds.
    pub fn duration(&mut self, lo: Duration, hi: Duration) -> Duration {
        let (lo, hi) = (lo.as_micros() as u64, hi.as_micros() as u64);
        if hi <= lo {
            return Duration::from_micros(lo);
        }
        Duration::from_micros(lo + self.next_u64() % (hi - lo + 1))
    }
}

/// Checks that the server answers `PING` on a direct connection (2 s limit).
pub async fn preflight(redis: &str) -> io::Result<()> {
    let check = async {
        let mut stream = crate::client::open(redis).await?;
        tokio::io::AsyncWriteExt::write_all(&mut stream, b"*1\r\n$4\r\nPING\r\n").await?;
        tokio::io::AsyncWriteExt::flush(&mut stream).await?;
        match crate::client::read_reply(&mut stream, &mut Vec::new()).await? {
            crate::client::Reply::Simple(s) if s == "PONG" => Ok(()),
            other => Err(io::Error::other(format!("PING answered by {other:?}"))),
        }
    };
    match timeout(Duration::from_secs(2), check).await {
        Ok(result) => result,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "no answer to PING within 2 s",
        )),
    }
}

fn key(user: usize) -> String {
    format!("user:{user}")
}

fn secret(user: usize) -> Vec<u8> {
    format!("secret-of-user-{user}").into_bytes()
}

/// Stores every user's secret on a direct connection (no proxy, no timeout).
pub async fn preload(cfg: &Config) -> io::Result<()> {
    let mut client = UnguardedClient::connect(&cfg.redis).await?;
    for user in 0..cfg.users {
        client.set(&key(user), &secret(user)).await?;
    }
    Ok(())
}

/// One shared connection of any variant.
enum Shared {
    Unguarded(UnguardedClient),
    Drain(GuardedClient),
    Poison(PoisonGuardedClient),
}

impl Shared {
    async fn connect(variant: Variant, addr: &str) -> io::Result<Self> {
        Ok(match variant {
            Variant::Unguarded => Shared::Unguarded(UnguardedClient::connect(addr).await?),
            Variant::Drain => Shared::Drain(GuardedClient::connect(addr).await?),
            Variant::Poison => Shared::Poison(PoisonGuardedClient::connect(addr).await?),
        })
    }

    /// The pool's part of the poison policy: replace a poisoned connection.
    async fn replace_if_poisoned(&mut self, addr: &str) -> io::Result<()> {
        if let Shared::Poison(client) = self {
            if client.is_poisoned() {
                *client = PoisonGuardedClient::connect(addr).await?;
            }
        }
        Ok(())
    }

    async fn get(&mut self, key: &str) -> io::Result<Option<Vec<u8>>> {
        match self {
            Shared::Unguarded(c) => c.get(key).await,
            Shared::Drain(c) => c.get(key).await,
            Shared::Poison(c) => c.get(key).await,
        }
    }

    async fn set(&mut self, key: &str, value: &[u8]) -> io::Result<()> {
        match self {
            Shared::Unguarded(c) => c.set(key, value).await,
            Shared::Drain(c) => c.set(key, value).await,
            Shared::Poison(c) => c.set(key, value).await,
        }
    }
}

#[derive(Default)]
struct Tally {
    requests: usize,
    cancelled: usize,
    leaked: usize,
    errors: usize,
}

impl Tally {
    /// Counts one request; returns what happened to it.
    fn count<T>(
        &mut self,
        result: Result<io::Result<T>, tokio::time::error::Elapsed>,
        ok: impl FnOnce(&T) -> bool,
    ) -> &'static str {
        self.requests += 1;
        let (counter, what) = match result {
            Err(_) => (&mut self.cancelled, "cancelled"),
            Ok(Ok(value)) if ok(&value) => return "ok",
            Ok(Ok(_)) => (&mut self.leaked, "LEAKED"),
            // A reply of the wrong type: it belonged to another request.
            Ok(Err(e)) if e.kind() == io::ErrorKind::InvalidData => (&mut self.leaked, "LEAKED"),
            Ok(Err(_)) => (&mut self.errors, "error"),
        };
        *counter += 1;
        what
    }
}

/// Runs the simulation for one variant, through its own delay proxy.
/// With `get_only`, call [`preload`] first.
pub async fn run(cfg: &Config, variant: Variant) -> io::Result<Outcome> {
    let started = Instant::now();
    let clock = Clock::new(cfg.effective_tick());
    let proxy = DelayProxy::start(&cfg.redis, cfg.delay, clock).await?;
    let addr = proxy.addr();
    let shared = Arc::new(Mutex::new(Shared::connect(variant, &addr).await?));
    let mut rng = SplitMix64::new(cfg.seed);
    let mut tally = Tally::default();
    // When the next request nominally begins: right after the previous one ended, i.e.
    // at its deadline if it was cancelled, else at the tick its reply arrived on.
    // Taking this instead of the clock keeps the scheduler's jitter out of the deadlines.
    let mut start = clock.tick_before(tokio::time::Instant::now());
    // How late the run saw an event (a reply's tick, a deadline); half a tick is the limit.
    let mut worst_lateness = Duration::ZERO;
    let mut ended = |user: usize, op: &str, start, deadline, what: &str| {
        let now = tokio::time::Instant::now();
        let nominal = if what == "cancelled" {
            deadline
        } else {
            clock.tick_before(now)
        };
        worst_lateness = worst_lateness.max(now - nominal);
        if cfg.trace {
            eprintln!(
                "{}: user {user} {op} start {:.1} deadline {:.1} end {:.1} {what}",
                variant.name(),
                clock.millis(start),
                clock.millis(deadline),
                clock.millis(now),
            );
        }
        nominal
    };

    for user in 0..cfg.users {
        let (key, secret) = (key(user), secret(user));
        let mut conn = shared.lock().await;
        if !cfg.get_only {
            conn.replace_if_poisoned(&addr).await?;
            let deadline = clock.deadline(start, rng.duration(cfg.timeout_min, cfg.timeout_max));
            let result = timeout_at(deadline, conn.set(&key, &secret)).await;
            let what = tally.count(result, |_| true);
            start = ended(user, "SET", start, deadline, what);
        }
        conn.replace_if_poisoned(&addr).await?;
        let deadline = clock.deadline(start, rng.duration(cfg.timeout_min, cfg.timeout_max));
        let result = timeout_at(deadline, conn.get(&key)).await;
        let what = tally.count(result, |value| value.as_deref() == Some(&secret[..]));
        start = ended(user, "GET", start, deadline, what);
    }

    Ok(Outcome {
        variant,
        requests: tally.requests,
        cancelled: tally.cancelled,
        leaked: tally.leaked,
        errors: tally.errors,
        connections: proxy.connections(),
        worst_lateness,
        lateness_limit: cfg.effective_tick() / 2,
        elapsed: started.elapsed(),
    })
}

/// Checks the server, preloads if needed, and runs `variants` (at the same time, each
/// on its own connection and proxy, unless `sequential`).
pub async fn run_all(
    cfg: &Config,
    variants: &[Variant],
    sequential: bool,
) -> io::Result<Vec<Outcome>> {
    preflight(&cfg.redis).await?;
    if cfg.get_only {
        preload(cfg).await?;
    }
    let mut outcomes = Vec::new();
    if sequential {
        for &variant in variants {
            outcomes.push(run(cfg, variant).await?);
        }
    } else {
        let mut tasks = Vec::new();
        for &variant in variants {
            let cfg = cfg.clone();
            tasks.push(tokio::spawn(async move { run(&cfg, variant).await }));
        }
        for task in tasks {
            outcomes.push(task.await.map_err(io::Error::other)??);
        }
    }
    Ok(outcomes)
}
