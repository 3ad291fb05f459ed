//! Issue 19, "the application side": the `pooled` example against a real redis-server. A
//! `redis::aio::Connection` (redis 0.22.3) from a bb8 pool (bb8-redis 0.12.0), GETs of
//! per-user keys under `tokio::time::timeout`: unguarded, users read other users' values;
//! through `cancelsafe::Guarded` (`cancelsafe::bb8::GuardedManager`), none does, and each
//! cut exchange costs one connection. These are the README's claims about
//! `examples/pooled.sh`'s figures.
//!
//! Needs a server: `tests/redis.sh cargo test --test pooled` (installs and starts a
//! throwaway redis-server and sets `CANCELSAFE_REDIS`). Without one the test fails on
//! purpose: the point of the test is the real server.

#[path = "../examples/incident/proxy.rs"]
mod proxy;
#[path = "../examples/pooled/sim.rs"]
mod sim;

use sim::{Config, Outcome, Variant};

fn redis() -> String {
    match std::env::var("CANCELSAFE_REDIS") {
        Ok(addr) if !addr.trim().is_empty() => addr.trim().to_owned(),
        _ => panic!("CANCELSAFE_REDIS is not set; run `tests/redis.sh cargo test --test pooled`"),
    }
}

fn find(outcomes: &[Outcome], guarded: bool, checked: bool) -> &Outcome {
    let variant = Variant::new(guarded, checked);
    outcomes
        .iter()
        .find(|o| o.variant == variant)
        .expect("every variant ran")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unguarded_pool_leaks_guarded_pool_does_not_against_real_redis() {
    let cfg = Config {
        users: 100,
        ..Config::new(redis())
    };
    let outcomes = sim::run_all(&cfg, &Variant::ALL)
        .await
        .unwrap_or_else(|e| panic!("cannot run against redis-server at {}: {e}", cfg.redis));
    for o in &outcomes {
        eprintln!("{o}");
    }
    assert_the_readmes_claims(&outcomes, cfg.users);
}

/// What the README says of a run of the example, asserted of `outcomes`.
fn assert_the_readmes_claims(outcomes: &[Outcome], users: usize) {
    // bb8 with its check on checkout off: the reply a timeout left on the connection is
    // the next user's.
    let unguarded = find(outcomes, false, false);
    assert!(unguarded.cancelled > 0, "no timeout fired: {unguarded}");
    assert!(
        unguarded.leaked > 0,
        "no user read another's value: {unguarded}"
    );
    assert_eq!(unguarded.connections, 1, "{unguarded}");

    // bb8 with its check on checkout on: the check is what the timeouts cut, and bb8 0.8
    // returns that connection to the pool, so the next GET reads a stale `PONG`: wrong
    // values, but no user's.
    let with_check = find(outcomes, false, true);
    assert!(with_check.cancelled > 0, "no timeout fired: {with_check}");
    assert!(
        with_check.wrong > 0,
        "no GET read a stale reply: {with_check}"
    );
    assert_eq!(with_check.leaked, 0, "{with_check}");

    for checked in [false, true] {
        let guarded = find(outcomes, true, checked);
        assert!(guarded.cancelled > 0, "no timeout fired: {guarded}");
        assert_eq!(
            guarded.wrong, 0,
            "a guarded GET read a wrong value: {guarded}"
        );
        assert_eq!(guarded.errors, 0, "a guarded GET failed: {guarded}");
        assert_eq!(guarded.requests, users, "{guarded}");
        // Each cut exchange costs its connection, and only a cut one does.
        assert_eq!(guarded.connections, guarded.cancelled + 1, "{guarded}");
    }
}

/// The run the README quotes is what the example prints (the same `Display`), and says
/// what this test asserts of a live run.
#[test]
fn the_readme_quotes_what_the_example_prints() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    // The parameters it gives are the example's defaults.
    let text = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let run = Config::new("-");
    for said in [
        format!("{} users GET `user:<i>` one after another", run.users),
        format!("through the {} ms delay proxy", run.delay.as_millis()),
    ] {
        assert!(text.contains(&said), "README: {said}");
    }
    let quoted: Vec<Outcome> = readme
        .lines()
        .filter_map(|line| {
            let (name, figures) = line.split_once(": requests ")?;
            let variant = Variant::ALL.into_iter().find(|v| v.name() == name)?;
            let n: Vec<usize> = figures
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|w| w.parse().ok())
                .collect();
            let outcome = Outcome {
                variant,
                requests: n[0],
                cancelled: n[1],
                wrong: n[2],
                leaked: n[3],
                errors: 0,
                connections: n[4],
            };
            assert_eq!(outcome.to_string(), line, "the example prints it otherwise");
            Some(outcome)
        })
        .collect();
    assert_eq!(
        quoted.len(),
        Variant::ALL.len(),
        "one quoted line per variant"
    );
    assert_the_readmes_claims(&quoted, quoted[0].requests);
}
