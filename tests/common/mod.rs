//! Shared by the CLI-level test files.

use std::process::Command;

/// The `cargo-cancelsafe` binary with a pinned environment: no colour, fixed width, no
/// backtraces, so output can be snapshotted. Workspace scans cache in the user's cache
/// folder: the tests get one of their own, not the real one.
pub fn cancelsafe_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-cancelsafe"));
    cmd.env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .env("RUST_BACKTRACE", "0")
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("cancelsafe-tests-cache"),
        )
        .env_remove("CANCELSAFE_CACHE_DIR")
        .env_remove("CARGO_TERM_COLOR");
    cmd
}

/// A file with one finding: `Conn::get`, at the `write_all` of line 9.
#[allow(dead_code)] // not every test binary that shares this module uses it
pub const ONE_FINDING: &str = r#"use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Conn {
    stream: tokio::net::TcpStream,
}

impl Conn {
    pub async fn get(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"GET").await?;
        self.stream.read_u8().await
    }
}
"#;

/// Runs git in `dir` with a fixed identity and no system settings, `home` as its home (so
/// no user settings either); panics if it fails.
#[allow(dead_code)] // not every test binary that shares this module uses it
pub fn git(dir: &std::path::Path, home: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@t.invalid"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", home)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `(kind, file)` of every error in a `--format json` report.
#[allow(dead_code)] // not every test binary that shares this module uses it
pub fn json_errors(report: &serde_json::Value) -> Vec<(String, String)> {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().expect("kind").to_string(),
                e["file"].as_str().expect("file").to_string(),
            )
        })
        .collect()
}
