//! A loopback delay proxy: every chunk read from one side is written to the other side
//! `delay` later (each way), so a round trip takes about `2 * delay` and a timeout
//! shorter than that lands after the request reached the server and before the reply
//! was read (the method of redis-py issue 2665).
//!
//! To make runs repeat, the proxy and the simulation share a [`Clock`] that ticks every
//! few tens of milliseconds: replies are released on ticks, timeouts fire half-way between
//! ticks. A timeout and a reply are then never closer than half a tick, far more than the
//! scheduler's jitter (a few ms on a busy VM), so which comes first does not depend on luck.
//! Requests (client to server) are held exactly `delay`; replies `delay`, moved to a tick
//! (at most half a tick earlier or later).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{sleep_until, Instant};

/// The tick grid shared by the proxy (releases on ticks) and the timeouts (half-way
/// between ticks). A zero tick turns the alignment off (free-running, not repeatable).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    epoch: Instant,
    tick: Duration,
}

impl Clock {
    pub fn new(tick: Duration) -> Self {
        Self {
            epoch: Instant::now(),
            tick,
        }
    }

    /// `t` in milliseconds since the clock started (for traces).
    pub fn millis(&self, t: Instant) -> f64 {
        self.nanos_since_epoch(t) as f64 / 1e6
    }

    fn nanos_since_epoch(&self, t: Instant) -> u128 {
        t.saturating_duration_since(self.epoch).as_nanos()
    }

    fn at(&self, nanos: u128) -> Instant {
        self.epoch + Duration::from_nanos(nanos as u64)
    }

    /// When a reply chunk read at `read` leaves the proxy: `delay` later, moved to a tick
    /// (at most half a tick earlier or later). For a request sent right after a reply
    /// arrived, that is exactly two delays after that reply (if the tick is at most twice
    /// the delay and the server answers within half a tick).
    pub fn release(&self, read: Instant, delay: Duration) -> Instant {
        let tick = self.tick.as_nanos();
        if tick == 0 {
            return read + delay;
        }
        let target = (self.nanos_since_epoch(read) + delay.as_nanos()).saturating_sub(tick / 2);
        self.at(target.div_ceil(tick) * tick)
    }

    /// The tick at or before `t`: when the reply that a request read at `t` left the
    /// proxy (replies leave on ticks; reading it takes less than a tick).
    pub fn tick_before(&self, t: Instant) -> Instant {
        let tick = self.tick.as_nanos();
        if tick == 0 {
            return t;
        }
        self.at(self.nanos_since_epoch(t) / tick * tick)
    }

    /// The deadline of a timeout of `after` for a request that began at the (nominal,
    /// see [`Clock::tick_before`]) time `start`: `start + after`, moved half-way between
    /// two ticks (at most half a tick earlier or later).
    pub fn deadline(&self, start: Instant, after: Duration) -> Instant {
        let tick = self.tick.as_nanos();
        if tick == 0 {
            return start + after;
        }
        let start = self.nanos_since_epoch(start);
        let mut deadline = (start + after.as_nanos()) / tick * tick + tick / 2;
        while deadline <= start {
            deadline += tick;
        }
        self.at(deadline)
    }
}

pub struct DelayProxy {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl DelayProxy {
    /// Listens on an ephemeral loopback port and forwards every connection to `upstream`.
    pub async fn start(upstream: &str, delay: Duration, clock: Clock) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        let upstream = upstream.to_owned();
        let task = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts every connection.
            let mut connections = JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let upstream = upstream.clone();
                connections.spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        relay(client, server, delay, clock).await;
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(Self {
            addr,
            accepted,
            task,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(client: TcpStream, server: TcpStream, delay: Duration, clock: Clock) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::join!(
        pump(client_read, server_write, |read| read + delay),
        pump(server_read, client_write, |read| clock.release(read, delay)),
    );
}

/// Copies `from` to `to`, writing each chunk at `release(time it was read)`. Chunks keep
/// their order and their delays do not add up: each one is delayed once.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    release: impl Fn(Instant) -> Instant,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let read = async move {
        let mut buf = vec![0; 16 * 1024];
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx
                        .send((release(Instant::now()), buf[..n].to_vec()))
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
    };
    let write = async move {
        while let Some((due, chunk)) = rx.recv().await {
            sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(read, write);
}
