//! A call whose receiver's type is unknown is resolved by the method's name alone: a guess.
//! A finding resting on such a call says so (`"resolved_by_name": true` in JSON, "resolved
//! by name" in its text), and the guess never reaches another crate of the workspace.

mod common;

use std::path::Path;

use serde_json::Value;

/// A connection whose `exchange` writes a request and awaits the reply.
const CONN: &str = r#"pub struct Conn {
    stream: tokio::net::TcpStream,
}

impl Conn {
    pub async fn exchange(&mut self) -> std::io::Result<u8> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.stream.write_all(b"GET").await?;
        self.stream.read_u8().await
    }
}
"#;

/// `exchange` raced in a `timeout` on a receiver the code types (a `&mut Conn` parameter),
/// and on one it does not (made by a method of a type nobody here defines).
const RACES: &str = r#"
pub async fn typed(conn: &mut Conn) {
    let _ = tokio::time::timeout(std::time::Duration::from_millis(5), conn.exchange()).await;
    let _ = conn.exchange().await;
}

pub async fn untyped(pool: &elsewhere::Pool) {
    let mut conn = pool.checkout_somehow();
    let _ = tokio::time::timeout(std::time::Duration::from_millis(5), conn.exchange()).await;
    let _ = conn.exchange().await;
}
"#;

fn write_tree(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create");
        std::fs::write(path, text).expect("write");
    }
    dir
}

fn package(name: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
}

/// The report of a scan of the workspace at `root` (no dependencies, no cache) in `format`.
fn scan_as(root: &Path, format: &str) -> String {
    let out = common::cancelsafe_command()
        .args(["--no-deps", "--no-cache", "--format", format])
        .current_dir(root)
        .output()
        .expect("run cargo-cancelsafe");
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn scan(root: &Path) -> Value {
    let out = scan_as(root, "json");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("no JSON ({e}): {out}"))
}

/// The findings in fn `function`, by rule code.
fn findings_in<'a>(report: &'a Value, function: &str) -> Vec<(&'a str, &'a Value)> {
    let findings = report["findings"].as_array().expect("findings");
    findings
        .iter()
        .filter(|f| f["function"] == function)
        .map(|f| (f["code"].as_str().unwrap_or_default(), f))
        .collect()
}

#[test]
fn a_race_found_through_a_call_resolved_by_name_is_marked_so() {
    let dir = write_tree(&[
        ("Cargo.toml", package("app")),
        ("src/lib.rs", format!("{CONN}{RACES}")),
    ]);
    let report = scan(dir.path());
    let typed = findings_in(&report, "typed");
    let untyped = findings_in(&report, "untyped");
    assert_eq!(typed.len(), 1, "{report:#}");
    assert_eq!(untyped.len(), 1, "{report:#}");
    assert_eq!(typed[0].0, "CS002");
    assert_eq!(untyped[0].0, "CS002");
    assert_eq!(typed[0].1["resolved_by_name"], false, "{report:#}");
    assert_eq!(untyped[0].1["resolved_by_name"], true, "{report:#}");

    let human = scan_as(dir.path(), "human");
    let through = |what: &str| human.matches(what).count();
    assert_eq!(through("(through `Conn::exchange`)"), 1, "{human}");
    assert_eq!(
        through("(through `Conn::exchange`, resolved by name)"),
        1,
        "{human}"
    );
}

/// With only the untyped race, the chain of the section inside `Conn::exchange` starts at
/// a site whose target was found by name: the section's finding is marked too.
#[test]
fn a_chain_through_a_call_resolved_by_name_is_marked_so() {
    let untyped_only = &RACES[RACES.find("pub async fn untyped").expect("untyped")..];
    let dir = write_tree(&[
        ("Cargo.toml", package("app")),
        ("src/lib.rs", format!("{CONN}{untyped_only}")),
    ]);
    let report = scan(dir.path());
    let section = findings_in(&report, "Conn::exchange");
    assert_eq!(section.len(), 1, "{report:#}");
    assert_eq!(section[0].0, "CS001");
    assert_eq!(section[0].1["resolved_by_name"], true, "{report:#}");
    let help = section[0].1["help"].as_str().expect("help");
    assert!(
        help.contains("the `timeout` of `Conn::exchange` (resolved by name) in `untyped`"),
        "{help}"
    );
}

/// The same untyped call in another package of the workspace: the guess stays in the
/// caller's package, so nothing is found there.
#[test]
fn a_call_resolved_by_name_never_reaches_another_crate() {
    let dir = write_tree(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"app\", \"other\"]\nresolver = \"2\"\n".into(),
        ),
        ("app/Cargo.toml", package("app")),
        (
            "app/src/lib.rs",
            RACES.replace("&mut Conn", "&mut other::Conn"),
        ),
        ("other/Cargo.toml", package("other")),
        ("other/src/lib.rs", CONN.to_string()),
    ]);
    let report = scan(dir.path());
    assert!(
        !findings_in(&report, "typed").is_empty(),
        "the typed call reaches `other`: {report:#}"
    );
    assert_eq!(findings_in(&report, "untyped"), Vec::new());
}
