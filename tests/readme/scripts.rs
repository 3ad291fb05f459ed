//! The README's two commands and the scripts behind them, run.

use std::path::Path;

use crate::{claims, common, readme};

/// The first of the two commands: the bundled examples exit 1, with the unguarded client
/// and the timeouts racing it flagged (and nothing else).
#[test]
fn scanning_the_bundled_examples_exits_1_flagging_the_client_and_its_races() {
    assert!(readme().contains(
        "# scan the bundled examples (exits 1: the unguarded client, and the timeouts racing it, are flagged)"
    ));
    let out = common::cancelsafe_command()
        .args(["cancelsafe", "--format", "json", "--no-cache", "examples/"])
        .current_dir(claims::root())
        .output()
        .expect("run cargo-cancelsafe");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut flagged: Vec<(String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap_or_default();
            let rule = f["rule"].as_str().unwrap_or_default();
            (file.to_string(), rule.to_string())
        })
        .collect();
    flagged.dedup();
    assert_eq!(
        flagged,
        [
            ("examples/incident/client.rs", "unguarded_write_then_read"),
            ("examples/incident/sim.rs", "cancel_unsafe_future_raced"),
        ]
        .map(|(f, r)| (f.to_string(), r.to_string())),
    );
}

/// The second: `tests/run.sh` is "fmt, clippy, cargo test", the tests under `tests/redis.sh`.
#[test]
fn run_sh_runs_fmt_clippy_and_every_test_under_redis_sh() {
    assert!(readme()
        .contains("# every test: fmt, clippy, cargo test; installs and starts redis-server"));
    let script =
        std::fs::read_to_string(claims::root().join("tests/run.sh")).expect("tests/run.sh");
    let steps: Vec<&str> = script
        .lines()
        .filter(|l| l.starts_with("cargo ") || l.starts_with("tests/"))
        .collect();
    assert_eq!(steps.len(), 3, "{steps:?}");
    assert!(steps[0].starts_with("cargo fmt --all --check"), "{steps:?}");
    assert!(
        steps[1].starts_with("cargo clippy --workspace --all-targets"),
        "{steps:?}"
    );
    assert!(
        steps[2].starts_with("tests/redis.sh cargo test --workspace"),
        "{steps:?}"
    );
}

/// `tests/redis.sh` starts redis-server on a loopback port for the command it runs, and
/// stops it after. Run under `tests/redis.sh` (as `tests/run.sh` runs every test), so
/// redis-server is installed.
#[test]
fn redis_sh_starts_a_loopback_server_and_stops_it() {
    assert!(
        std::env::var_os("CANCELSAFE_REDIS").is_some(),
        "CANCELSAFE_REDIS is not set; run `tests/redis.sh cargo test --test readme`"
    );
    let out = std::process::Command::new("bash")
        .arg(claims::root().join("tests/redis.sh"))
        .args(["sh", "-c", "echo \"$CANCELSAFE_REDIS\""])
        .env_remove("CANCELSAFE_REDIS")
        .output()
        .expect("run tests/redis.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let addr = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let port = addr
        .strip_prefix("127.0.0.1:")
        .unwrap_or_else(|| panic!("a loopback address: {addr:?}"));
    assert!(port.parse::<u16>().is_ok(), "{addr}");
    let stopped = (0..50).any(|_| {
        let closed = std::net::TcpStream::connect(&addr).is_err();
        if !closed {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        closed
    });
    assert!(stopped, "redis-server on {addr} still answers");
}

/// Without redis-server, and not as root with apt-get, `tests/redis.sh` stops and prints
/// the command to install it.
#[test]
fn redis_sh_without_redis_or_root_prints_the_install_command() {
    let bin = tempfile::tempdir().expect("temp dir");
    // Only `id` on PATH: no redis-server, no apt-get.
    let id = ["/usr/bin/id", "/bin/id"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("id");
    std::os::unix::fs::symlink(id, bin.path().join("id")).unwrap();
    let bash = ["/usr/bin/bash", "/bin/bash"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("bash");
    let out = std::process::Command::new(bash)
        .arg(claims::root().join("tests/redis.sh"))
        .arg("true")
        .env("PATH", bin.path())
        .output()
        .expect("run tests/redis.sh");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("apt-get install -y redis-server"),
        "{stderr}"
    );
}
