//! The incident where it happens: in the application. A `redis::aio::Connection` (redis
//! 0.22.3) from a bb8 pool (bb8-redis 0.12.0), GETs of per-user keys under a `tokio::time`
//! timeout (`timeout_at`, on the delay proxy's clock), against a real redis-server. The library's `get` is not
//! cancel-safe and the application cannot annotate it; `cancelsafe::Guarded` (through
//! `cancelsafe::bb8::GuardedManager`) marks each exchange, and the pool discards a
//! connection whose exchange a timeout cut.
//!
//! ```text
//! unguarded, test_on_check_out(false): requests 200 cancelled 5 wrong 194 (another user's value 194) connections 1
//! guarded, test_on_check_out(false): requests 200 cancelled 50 wrong 0 (another user's value 0) connections 51
//! unguarded, test_on_check_out(true): requests 200 cancelled 50 wrong 50 (another user's value 0) connections 51
//! guarded, test_on_check_out(true): requests 200 cancelled 50 wrong 0 (another user's value 0) connections 51
//! ```
//!
//! (redis-server 7.0.15, 20 ms each way, about 14 s; every fourth user's timeout fires
//! between request and reply.) Unguarded, with bb8's check on checkout off, the first cut
//! GET leaves its reply on the one connection and from then on nearly every user reads an
//! earlier user's value (the count varies a little between runs, 188 to 194 of 200 here,
//! because a late reply arrives early enough that few timeouts fire again). Through the
//! wrapper no GET is wrong, and each of the 50 cut exchanges costs one connection. With
//! bb8's check on (bb8-redis sends `PING` on every checkout), the checkout itself is what
//! the short timeouts cut: bb8 0.8 puts a connection whose check was dropped back in the
//! pool, so the next user's `PING` reads the stale `PONG`, passes, and its GET returns
//! its own `PING`'s `"PONG"` (50 wrong values, no other user's); the guarded manager runs
//! the check under the mark, so a connection whose check was cut is discarded too.
//!
//! One command on a fresh clone (installs and starts a throwaway redis-server):
//!
//! ```text
//! examples/pooled.sh
//! ```
//!
//! With a server already running: `cargo run --example pooled -- --redis 127.0.0.1:6379`.

#[path = "../incident/proxy.rs"]
mod proxy;
mod sim;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use sim::{Config, Variant};

const USAGE: &str = "\
usage: cargo run --example pooled -- [options]

  --redis HOST:PORT   redis-server to use (default: $CANCELSAFE_REDIS, else 127.0.0.1:6379)
  --users N           users, one after another (default 200)
  --delay-ms D        proxy delay per chunk, each way (default 20)
  --trace             print every user's GET to stderr
";

fn parse_args() -> Result<Config, String> {
    let redis = std::env::var("CANCELSAFE_REDIS").unwrap_or_else(|_| "127.0.0.1:6379".to_owned());
    let mut cfg = Config::new(redis);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: not a number: {v}"))
        };
        match arg.as_str() {
            "--redis" => cfg.redis = value("--redis")?,
            "--users" => cfg.users = number("--users", value("--users")?)? as usize,
            "--delay-ms" => {
                cfg.delay =
                    Duration::from_millis(number("--delay-ms", value("--delay-ms")?)?.max(1))
            }
            "--trace" => cfg.trace = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(cfg)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cfg = match parse_args() {
        Ok(cfg) => cfg,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("error: {msg}\n");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "pooled: redis {} users {} delay {:?} each way; every 4th user's timeout is {:?}",
        cfg.redis, cfg.users, cfg.delay, cfg.delay,
    );
    let started = Instant::now();
    match sim::run_all(&cfg, &Variant::ALL).await {
        Ok(outcomes) => {
            for outcome in &outcomes {
                println!("{outcome}");
            }
            eprintln!("pooled: done in {:.1?}", started.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "error: {e} (redis at {})\n\
                 start a throwaway redis-server and run against it with: examples/pooled.sh",
                cfg.redis
            );
            ExitCode::FAILURE
        }
    }
}
