//! The simulation: users one after another, each checking a `redis::aio::Connection` out
//! of a bb8 pool of one and reading its own key (`GET user:<i>`, expecting
//! `value-of-<i>`), the checkout and the GET under one `tokio::time::timeout_at`. Every
//! fourth user's timeout is shorter than a round trip, so it fires after the request left
//! and before the reply came back. A [`DelayProxy`] sits between the pool and the server.
//!
//! A GET is *wrong* when it returned anything but the user's own value, and *leaked* when
//! that was another user's value.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use bb8_redis::bb8::{ManageConnection, Pool};
use bb8_redis::RedisConnectionManager;
use cancelsafe::bb8::GuardedManager;
use redis::AsyncCommands;
use tokio::time::{timeout_at, Instant};

use crate::proxy::{Clock, DelayProxy};

/// The pools compared: with and without the wrapper, and with bb8's check on checkout
/// (`test_on_check_out`, bb8-redis sends `PING`) off or on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    pub guarded: bool,
    pub checked: bool,
}

impl Variant {
    pub const ALL: [Variant; 4] = [
        Variant::new(false, false),
        Variant::new(true, false),
        Variant::new(false, true),
        Variant::new(true, true),
    ];

    pub const fn new(guarded: bool, checked: bool) -> Self {
        Self { guarded, checked }
    }

    pub fn name(self) -> String {
        format!(
            "{}, test_on_check_out({})",
            if self.guarded { "guarded" } else { "unguarded" },
            self.checked
        )
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The real server, `HOST:PORT`.
    pub redis: String,
    pub users: usize,
    /// How long the proxy holds every chunk, each way (a round trip is twice this).
    pub delay: Duration,
    /// Print one line per user to stderr.
    pub trace: bool,
}

impl Config {
    pub fn new(redis: impl Into<String>) -> Self {
        Self {
            redis: redis.into(),
            users: 200,
            delay: Duration::from_millis(20),
            trace: false,
        }
    }

    /// The clock's tick: replies leave the proxy on ticks, deadlines fall half-way between
    /// them, so no timeout races a reply (see `Clock`).
    fn tick(&self) -> Duration {
        self.delay * 2
    }

    /// User `i`'s timeout: half a round trip for every fourth user (it fires after the
    /// request left, before the reply is back), ten round trips for the others.
    fn timeout(&self, user: usize) -> Duration {
        if user % 4 == 1 {
            self.delay
        } else {
            self.delay * 20
        }
    }
}

/// What one pool did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub variant: Variant,
    pub requests: usize,
    /// Timeouts that fired.
    pub cancelled: usize,
    /// GETs that returned anything but the user's own value...
    pub wrong: usize,
    /// ...of which another user's value.
    pub leaked: usize,
    /// GETs that failed (a redis error, a refusal, a failed checkout).
    pub errors: usize,
    /// Connections the pool opened (through the proxy).
    pub connections: usize,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: requests {} cancelled {} wrong {} (another user's value {}) connections {}",
            self.variant.name(),
            self.requests,
            self.cancelled,
            self.wrong,
            self.leaked,
            self.connections
        )?;
        if self.errors > 0 {
            write!(f, " errors {}", self.errors)?;
        }
        Ok(())
    }
}

fn key(user: usize) -> String {
    format!("user:{user}")
}

fn value(user: usize) -> String {
    format!("value-of-{user}")
}

fn url(addr: &str) -> String {
    format!("redis://{addr}/")
}

/// Stores every user's value on a direct connection, and checks the server answers.
pub async fn preload(cfg: &Config) -> redis::RedisResult<()> {
    let client = redis::Client::open(url(&cfg.redis))?;
    let connect = tokio::time::timeout(Duration::from_secs(2), client.get_async_connection());
    let mut conn = connect.await.map_err(|_| {
        redis::RedisError::from((redis::ErrorKind::IoError, "no connection within 2 s"))
    })??;
    let mut pipe = redis::pipe();
    for user in 0..cfg.users {
        pipe.set(key(user), value(user)).ignore();
    }
    pipe.query_async(&mut conn).await
}

/// What happened to one user's GET.
enum Got {
    Own,
    Cancelled,
    Wrong { got: Option<String> },
    Error,
}

#[derive(Default)]
struct Tally {
    requests: usize,
    cancelled: usize,
    wrong: usize,
    leaked: usize,
    errors: usize,
}

impl Tally {
    fn count(&mut self, got: &Got) {
        self.requests += 1;
        match got {
            Got::Own => {}
            Got::Cancelled => self.cancelled += 1,
            Got::Wrong { got } => {
                self.wrong += 1;
                self.leaked += usize::from(is_a_value(got));
            }
            Got::Error => self.errors += 1,
        }
    }
}

/// A user's value (anyone's): the GET read the reply to another user's GET.
fn is_a_value(got: &Option<String>) -> bool {
    got.as_deref().is_some_and(|v| v.starts_with("value-of-"))
}

/// User `user`'s GET result, judged.
fn judge<E>(user: usize, result: Option<Result<Option<String>, E>>) -> Got {
    match result {
        None => Got::Cancelled,
        Some(Ok(Some(v))) if v == value(user) => Got::Own,
        Some(Ok(got)) => Got::Wrong { got },
        Some(Err(_)) => Got::Error,
    }
}

/// A bb8 pool of one connection, through the proxy at `addr`.
async fn pool<M: ManageConnection>(manager: M, checked: bool) -> Result<Pool<M>, M::Error> {
    Pool::builder()
        .max_size(1)
        .test_on_check_out(checked)
        .build(manager)
        .await
}

/// Runs every user against one pool of `variant`, through its own delay proxy.
pub async fn run(cfg: &Config, variant: Variant) -> redis::RedisResult<Outcome> {
    let clock = Clock::new(cfg.tick());
    let proxy = DelayProxy::start(&cfg.redis, cfg.delay, clock).await?;
    let manager = RedisConnectionManager::new(url(&proxy.addr()))?;
    let tally = if variant.guarded {
        let pool: &Pool<GuardedManager<_>> =
            &pool(GuardedManager::new(manager), variant.checked).await?;
        users(cfg, &clock, variant, |user| async move {
            let mut conn = pool.get().await.map_err(|e| e.to_string())?;
            let got = conn.exchange(|c| c.get(key(user))).await;
            got.map_err(|e| e.to_string())?.map_err(|e| e.to_string())
        })
        .await
    } else {
        let pool = &pool(manager, variant.checked).await?;
        users(cfg, &clock, variant, |user| async move {
            let mut conn = pool.get().await.map_err(|e| e.to_string())?;
            conn.get(key(user)).await.map_err(|e| e.to_string())
        })
        .await
    };
    Ok(Outcome {
        variant,
        requests: tally.requests,
        cancelled: tally.cancelled,
        wrong: tally.wrong,
        leaked: tally.leaked,
        errors: tally.errors,
        connections: proxy.connections(),
    })
}

/// Every user in turn, each checkout and GET (`get(user)`) under the user's deadline.
async fn users<F, Fut>(cfg: &Config, clock: &Clock, variant: Variant, mut get: F) -> Tally
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<Option<String>, String>>,
{
    let mut tally = Tally::default();
    // When the next user nominally begins: at the previous deadline if it fired, else at
    // the tick its reply arrived on, so scheduler jitter stays out of the deadlines.
    let mut start = clock.tick_before(Instant::now());
    for user in 0..cfg.users {
        let deadline = clock.deadline(start, cfg.timeout(user));
        let got = judge(user, timeout_at(deadline, get(user)).await.ok());
        start = ended(cfg, clock, variant, user, deadline, &got);
        tally.count(&got);
    }
    tally
}

/// When the next user nominally begins (see [`users`]); traces the user with `--trace`.
fn ended(
    cfg: &Config,
    clock: &Clock,
    variant: Variant,
    user: usize,
    deadline: Instant,
    got: &Got,
) -> Instant {
    let now = Instant::now();
    if cfg.trace {
        let what = match got {
            Got::Own => "own value".to_owned(),
            Got::Cancelled => "cancelled".to_owned(),
            Got::Wrong { got } if is_a_value(got) => format!("ANOTHER USER'S VALUE {got:?}"),
            Got::Wrong { got } => format!("WRONG VALUE {got:?}"),
            Got::Error => "error".to_owned(),
        };
        eprintln!(
            "{}: user {user} deadline {:.1} end {:.1} {what}",
            variant.name(),
            clock.millis(deadline),
            clock.millis(now)
        );
    }
    match got {
        Got::Cancelled => deadline,
        _ => clock.tick_before(now),
    }
}

/// Preloads the values, then runs `variants` side by side, each with its own proxy and pool.
pub async fn run_all(cfg: &Config, variants: &[Variant]) -> redis::RedisResult<Vec<Outcome>> {
    preload(cfg).await?;
    let tasks: Vec<_> = variants
        .iter()
        .map(|&variant| {
            let cfg = cfg.clone();
            tokio::spawn(async move { run(&cfg, variant).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.map_err(|e| {
            redis::RedisError::from((
                redis::ErrorKind::ClientError,
                "a variant panicked",
                e.to_string(),
            ))
        })??);
    }
    Ok(outcomes)
}
