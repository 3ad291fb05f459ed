//! Issue 19, "the application side": the `pooled` example against a real redis-server. A
//! `redis::aio::Connection` (redis 0.22.3) from a bb8 pool (bb8-redis 0.12.0), GETs of
//! per-user keys under `tokio::time::timeout`: unguarded, users read other users' values;
//! through `cancelsafe::Guarded` (`cancelsafe::bb8::GuardedManager`), none does, and each
//! cut exchange costs one connection.
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

    // bb8 with its check on checkout off: the reply a timeout left on the connection is
    // the next user's.
    let unguarded = find(&outcomes, false, false);
    assert!(unguarded.cancelled > 0, "no timeout fired: {unguarded}");
    assert!(
        unguarded.leaked > 0,
        "no user read another's value: {unguarded}"
    );
    assert_eq!(unguarded.connections, 1, "{unguarded}");

    for checked in [false, true] {
        let guarded = find(&outcomes, true, checked);
        assert!(guarded.cancelled > 0, "no timeout fired: {guarded}");
        assert_eq!(
            guarded.wrong, 0,
            "a guarded GET read a wrong value: {guarded}"
        );
        assert_eq!(guarded.errors, 0, "a guarded GET failed: {guarded}");
        assert_eq!(guarded.requests, cfg.users, "{guarded}");
        // Each cut exchange costs its connection, and only a cut one does.
        assert!(
            guarded.connections > 1 && guarded.connections <= guarded.cancelled + 1,
            "{guarded}"
        );
    }
}
