//! Issue 4, "the incident, reproduced": the `incident` example against a real
//! redis-server, and the analyzer's verdict on the example's clients.
//!
//! Needs a server: run `tests/redis.sh` (installs and starts a throwaway redis-server, sets
//! `CANCELSAFE_REDIS`, runs `cargo test --test incident`, stops the server). Without one
//! the test fails on purpose: the point of the test is the real server.

// The example's modules, compiled into this test; not every item is used here.
#![allow(dead_code)]

#[path = "../examples/incident/client.rs"]
mod client;
#[path = "../examples/incident/guarded.rs"]
mod guarded;
#[path = "../examples/incident/proxy.rs"]
mod proxy;
#[path = "../examples/incident/sim.rs"]
mod sim;

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use sim::{Config, Outcome, Variant};

const HOW: &str = "run `tests/redis.sh` (or `tests/redis.sh cargo test --test incident`): it \
                   installs and starts a throwaway redis-server and sets CANCELSAFE_REDIS";

fn redis() -> String {
    match std::env::var("CANCELSAFE_REDIS") {
        Ok(addr) if !addr.trim().is_empty() => addr.trim().to_owned(),
        _ => panic!("CANCELSAFE_REDIS is not set; {HOW}"),
    }
}

fn find(outcomes: &[Outcome], variant: Variant) -> &Outcome {
    outcomes
        .iter()
        .find(|o| o.variant == variant)
        .expect("every variant ran")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unguarded_leaks_guarded_does_not_against_real_redis() {
    let addr = redis();
    if let Err(e) = sim::preflight(&addr).await {
        panic!("cannot reach redis-server at CANCELSAFE_REDIS={addr}: {e}; {HOW}");
    }
    // The example's default schedule, with fewer users: about 8 s.
    let cfg = Config {
        users: 100,
        seed: 7,
        delay: Duration::from_millis(20),
        ..Config::new(addr)
    };
    let outcomes = sim::run_all(&cfg, &Variant::ALL, false)
        .await
        .expect("simulation ran");
    for o in &outcomes {
        eprintln!("{o}");
    }
    assert_the_readmes_claims(&outcomes);
}

/// What the README says of a run of the example, asserted of `outcomes`.
fn assert_the_readmes_claims(outcomes: &[Outcome]) {
    let unguarded = find(outcomes, Variant::Unguarded);
    let drain = find(outcomes, Variant::Drain);
    let poison = find(outcomes, Variant::Poison);

    assert!(
        unguarded.cancelled > 0,
        "no request was cancelled: {unguarded}"
    );
    assert!(
        unguarded.leaked > 0,
        "the unguarded client leaked nothing: {unguarded}"
    );

    for guarded in [drain, poison] {
        assert!(guarded.cancelled > 0, "no request was cancelled: {guarded}");
        assert_eq!(guarded.leaked, 0, "a guarded client leaked: {guarded}");
        assert_eq!(guarded.errors, 0, "a guarded client failed: {guarded}");
        assert_eq!(guarded.requests, unguarded.requests);
    }
    // Drain repairs the connection in place; poison replaces it after each cancellation
    // (but not after the last request).
    assert_eq!(drain.connections, 1, "{drain}");
    assert!(
        poison.connections > 1 && poison.connections <= poison.cancelled + 1,
        "{poison}"
    );
}

/// The run the README quotes is what the example prints (the same `Display`), and says
/// what this test asserts of a live run.
#[test]
fn the_readme_quotes_what_the_example_prints() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    // The parameters it gives are the example's defaults, and `--seed-doc`'s.
    let text = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let (run, doc) = (Config::new("-"), Config::seed_doc("-"));
    for said in [
        format!("{} users share one connection", run.users),
        format!("delays every chunk {} ms", run.delay.as_millis()),
        format!(
            "`examples/incident.sh --seed-doc`: {} GETs, {} ms delay, timeouts U({}, {}) ms",
            doc.users,
            doc.delay.as_millis(),
            doc.timeout_min.as_millis(),
            doc.timeout_max.as_millis()
        ),
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
                leaked: n[2],
                errors: 0,
                connections: n[3],
                worst_lateness: Duration::ZERO,
                lateness_limit: Duration::ZERO,
                elapsed: Duration::ZERO,
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
    assert_the_readmes_claims(&quoted);
}

/// `function` as the analyzer names it (`Type::method`, maybe with a module path).
fn is_fn(finding: &Value, name: &str) -> bool {
    let function = finding["function"].as_str().unwrap_or_default();
    function == name || function.ends_with(&format!("::{name}"))
}

#[test]
fn analyzer_flags_the_unguarded_client_only() {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-cancelsafe"))
        .args(["cancelsafe", "--format", "json", "examples/"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo-cancelsafe");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "cargo-cancelsafe did not print JSON ({e}); status {}\nstdout:\n{stdout}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(report["version"], 1, "{report:#}");
    assert!(
        report["files_scanned"].as_u64().unwrap_or(0) >= 5,
        "examples/incident/*.rs not scanned: {report:#}"
    );
    assert_eq!(report["errors"], Value::Array(vec![]), "{report:#}");
    let findings = report["findings"].as_array().expect("findings array");

    for name in ["UnguardedClient::get", "UnguardedClient::set"] {
        let hit = findings.iter().find(|f| is_fn(f, name));
        let hit = hit.unwrap_or_else(|| panic!("{name} is not flagged: {report:#}"));
        let file = hit["file"].as_str().unwrap_or_default();
        assert!(file.ends_with("incident/client.rs"), "{name} in {file}");
    }
    for name in [
        "GuardedClient::get",
        "GuardedClient::set",
        "PoisonGuardedClient::get",
        "PoisonGuardedClient::set",
    ] {
        let hit = findings.iter().find(|f| is_fn(f, name));
        assert!(hit.is_none(), "guarded {name} is flagged: {hit:#?}");
    }
    assert!(
        !findings.iter().any(|f| f["file"]
            .as_str()
            .unwrap_or_default()
            .ends_with("incident/guarded.rs")),
        "a finding in the guarded client: {report:#}"
    );
}
