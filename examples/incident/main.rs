//! The incident, reproduced: the March 2023 ChatGPT leak (redis-py issue 2665) with a
//! Rust RESP client against a real redis-server.
//!
//! Simulated users share one connection; each stores `user:<id>` and reads it back
//! under a timeout; a loopback proxy delays every chunk so that the timeouts that fire
//! land between request and reply. Three clients run the same seeded schedule:
//!
//! ```text
//! unguarded: requests 400 cancelled 10 leaked 288 connections 1
//! guarded(drain): requests 400 cancelled 90 leaked 0 connections 1
//! guarded(poison): requests 400 cancelled 90 leaked 0 connections 91
//! ```
//!
//! (redis-server 7.0.15, the default run, about 16 s.) After the first cancelled request
//! the unguarded client reads every reply one request (or more) late: users get each
//! other's secrets, and a late reply arrives early enough that few timeouts fire again. The guarded client with the drain policy reads and drops the owed reply and
//! keeps its one connection; with the poison policy its owner opens a new connection after
//! every cancellation (the redis-py 4.5.5 fix). With `--seed-doc` (the redis-py figures:
//! 1 cancellation and 193 of 200 leaked on 4.5.1; 41 connections for 40 cancellations on
//! 4.5.5):
//!
//! ```text
//! unguarded: requests 200 cancelled 5 leaked 193 connections 1
//! guarded(drain): requests 200 cancelled 32 leaked 0 connections 1
//! guarded(poison): requests 200 cancelled 31 leaked 0 connections 32
//! ```
//!
//! The same seed gives the same lines: the proxy releases replies on a clock tick (40 ms)
//! and timeouts fire half-way between ticks, so no timeout races a reply (see `proxy.rs`).
//!
//! One command on a fresh clone (installs and starts a throwaway redis-server):
//!
//! ```text
//! examples/incident.sh                 # short run: 200 users, 20 ms each way
//! examples/incident.sh --seed-doc      # the redis-py figures: 200 GETs, 100 ms, U(120, 600) ms
//! ```
//!
//! With a server already running: `cargo run --example incident -- --redis 127.0.0.1:6379`.

mod client;
mod guarded;
mod proxy;
mod sim;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use sim::{Config, Variant};

const USAGE: &str = "\
usage: cargo run --example incident -- [options]

  --redis HOST:PORT      redis-server to use (default: $CANCELSAFE_REDIS, else 127.0.0.1:6379)
  --users N              simulated users, one after another (default 200)
  --seed S               PRNG seed for the timeouts (default 2023)
  --delay-ms D           proxy delay per chunk, each way (default 20)
  --timeout-min-ms T     shortest timeout (default 1.2 x delay)
  --timeout-max-ms T     longest timeout (default 6 x delay)
  --tick-ms K            clock tick: replies are released on ticks, timeouts fire between
                         them, so runs repeat (default 40, at most 2 x delay; 0 = off)
  --get-only             preload the values, then only GET (as in the redis-py reproduction)
  --seed-doc             the redis-py reproduction: --users 200 --delay-ms 100
                         --timeout-min-ms 120 --timeout-max-ms 600 --get-only
  --variant V            unguarded | drain | poison (repeatable; default all three)
  --sequential           run the variants one after another instead of side by side
  --trace                print every request (times in ms on the run's clock) to stderr
";

fn parse_args() -> Result<(Config, Vec<Variant>, bool), String> {
    let default_redis =
        std::env::var("CANCELSAFE_REDIS").unwrap_or_else(|_| "127.0.0.1:6379".to_owned());
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The preset first, whatever its position, so that other flags can adjust it.
    let seed_doc = args.iter().any(|a| a == "--seed-doc");
    let mut cfg = if seed_doc {
        Config::seed_doc(default_redis)
    } else {
        Config::new(default_redis)
    };
    let (mut min, mut max) = (None, None);
    if seed_doc {
        (min, max) = (Some(120), Some(600));
    }
    let mut variants = Vec::new();
    let mut sequential = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: not a number: {v}"))
        };
        match arg.as_str() {
            "--redis" => cfg.redis = value("--redis")?,
            "--users" => cfg.users = number("--users", value("--users")?)? as usize,
            "--seed" => cfg.seed = number("--seed", value("--seed")?)?,
            "--delay-ms" => {
                cfg.delay = Duration::from_millis(number("--delay-ms", value("--delay-ms")?)?)
            }
            "--timeout-min-ms" => {
                min = Some(number("--timeout-min-ms", value("--timeout-min-ms")?)?)
            }
            "--timeout-max-ms" => {
                max = Some(number("--timeout-max-ms", value("--timeout-max-ms")?)?)
            }
            "--tick-ms" => {
                cfg.tick = Duration::from_millis(number("--tick-ms", value("--tick-ms")?)?)
            }
            "--get-only" => cfg.get_only = true,
            "--seed-doc" => {}
            "--variant" => variants.push(match value("--variant")?.as_str() {
                "unguarded" => Variant::Unguarded,
                "drain" => Variant::Drain,
                "poison" => Variant::Poison,
                other => return Err(format!("unknown variant {other}")),
            }),
            "--sequential" => sequential = true,
            "--trace" => cfg.trace = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    cfg.timeout_min = min.map_or(cfg.delay * 6 / 5, Duration::from_millis);
    cfg.timeout_max = max.map_or(cfg.delay * 6, Duration::from_millis);
    if cfg.timeout_max < cfg.timeout_min {
        return Err("--timeout-max-ms is below --timeout-min-ms".to_owned());
    }
    if variants.is_empty() {
        variants = Variant::ALL.to_vec();
    }
    Ok((cfg, variants, sequential))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (cfg, variants, sequential) = match parse_args() {
        Ok(parsed) => parsed,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("error: {msg}\n");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "incident: redis {} users {} seed {} delay {:?} each way, timeouts U({:?}, {:?}), tick {:?}{}",
        cfg.redis,
        cfg.users,
        cfg.seed,
        cfg.delay,
        cfg.timeout_min,
        cfg.timeout_max,
        cfg.effective_tick(),
        if cfg.get_only { ", GET only" } else { ", SET then GET" },
    );
    let started = Instant::now();
    match sim::run_all(&cfg, &variants, sequential).await {
        Ok(outcomes) => {
            for outcome in &outcomes {
                println!("{outcome}");
            }
            if cfg.effective_tick().is_zero() {
                eprintln!("incident: clock off (--tick-ms 0): another run may count differently");
            }
            for o in outcomes.iter().filter(|o| !o.lateness_limit.is_zero()) {
                let late = o.worst_lateness;
                if cfg.trace || late > o.lateness_limit {
                    eprintln!(
                        "incident: {}: latest event {late:.1?} after its tick (repeatable below {:.1?})",
                        o.variant.name(),
                        o.lateness_limit
                    );
                }
            }
            eprintln!("incident: done in {:.1?}", started.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "error: {e} (redis at {})\n\
                 start a throwaway redis-server and run against it with: examples/incident.sh",
                cfg.redis
            );
            ExitCode::FAILURE
        }
    }
}
