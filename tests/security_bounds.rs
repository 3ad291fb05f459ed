//! Hostile input (issue 15, "Fail closed" and "Bounded"): each attack file sits next to a
//! file with a real bug. The binary must exit normally (no signal), print JSON, still report
//! the bug, and report the attack file as `unanalysed_file` naming the limit it hit (or
//! analyse it), with exit code 1.
//!
//! Sizes are just above the limits where the attack is refused, so the tests stay cheap in
//! debug builds; how long the shapes take at 1 MB in a release build is measured by
//! `cargo bench --bench hostile`, never here.

mod common;

use std::path::Path;

use common::{cancelsafe_command, ONE_FINDING};
use serde_json::Value;

/// One run of the binary over a temp tree.
struct Run {
    code: Option<i32>,
    json: Value,
}

fn scan(files: &[(&str, &[u8])], flags: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let out = cancelsafe_command()
        .arg("cancelsafe")
        .arg(dir.path())
        .args(["--format", "json"])
        .args(flags)
        .output()
        .expect("run cargo-cancelsafe");
    assert!(
        out.status.code().is_some(),
        "killed by a signal: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Run {
        code: out.status.code(),
        json,
    }
}

/// `(rule, file name, severity, message)` of every finding.
fn findings(run: &Run) -> Vec<(String, String, String, String)> {
    let text = |f: &Value, key: &str| f[key].as_str().expect(key).to_string();
    run.json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let file = text(f, "file");
            let name = Path::new(&file).file_name().expect("file name");
            (
                text(f, "rule"),
                name.to_string_lossy().into_owned(),
                text(f, "severity"),
                text(f, "message"),
            )
        })
        .collect()
}

/// Scans `attack.rs` next to `bug.rs` and checks the contract of this file's header; the
/// attack must be refused with a message containing `limit`.
fn assert_refused_and_bug_found(attack: &[u8], limit: &str) {
    let run = scan(
        &[("attack.rs", attack), ("bug.rs", ONE_FINDING.as_bytes())],
        &[],
    );
    let found = findings(&run);
    assert!(
        found
            .iter()
            .any(|(rule, file, ..)| rule == "unguarded_write_then_read" && file == "bug.rs"),
        "the bug next to the attack is still reported: {found:?}"
    );
    let unanalysed: Vec<_> = found
        .iter()
        .filter(|(rule, ..)| rule == "unanalysed_file")
        .collect();
    assert_eq!(unanalysed.len(), 1, "{found:?}");
    let (_, file, severity, message) = unanalysed[0];
    assert_eq!((file.as_str(), severity.as_str()), ("attack.rs", "error"));
    assert!(message.contains(limit), "names the limit: {message}");
    assert_eq!(run.code, Some(1), "the gate fails");
}

fn nested(open: &str, depth: usize) -> Vec<u8> {
    format!("fn f() {{ {}{} }}\n", open.repeat(depth), "}".repeat(depth)).into_bytes()
}

/// Overflowed the stack (SIGABRT, no JSON): `>` was taken for a closing bracket, so the
/// nesting check saw depth 1.
#[test]
fn nested_blocks_with_comparisons_are_refused_not_a_crash() {
    assert_refused_and_bug_found(&nested("{ 1>2; ", 60_000), "nesting deeper than");
}

/// 20 000 levels took 29 s and 9.7 GB; 1 200 is above the nesting limit and cheap.
#[test]
fn nested_async_blocks_are_refused() {
    assert_refused_and_bug_found(&nested("async { 1>2; ", 1_200), "nesting deeper than");
}

/// 6 000 calls (24 KB) took 10 s and 5 GB: every call kept the whole chain before it.
/// Chains are linear now; one this long is past the operator limit (a tree level each).
#[test]
fn a_long_method_chain_is_refused() {
    let chain = format!("fn f() {{ x{}; }}\n", ".a()".repeat(6_000));
    assert_refused_and_bug_found(chain.as_bytes(), "operators in one expression");
}

/// 100 MB took 66 s and 11.9 GB; one byte past the size limit is refused unread.
#[test]
fn a_file_past_the_size_limit_is_refused() {
    let limit = cancelsafe_engine::MAX_FILE_BYTES as usize;
    let mut big = b"fn f() {}\n".repeat(limit / 10);
    big.resize(limit + 1, b'\n');
    assert_refused_and_bug_found(&big, "larger than 8 MiB");
}

/// A comment is not nesting: a run of dashes in it made the file "too deeply nested" and
/// hid the bug below it (exit 0).
#[test]
fn dashes_in_a_comment_do_not_hide_a_bug() {
    let text = format!("// {}\n{ONE_FINDING}", "-".repeat(1_600));
    let run = scan(&[("commented.rs", text.as_bytes())], &[]);
    let found = findings(&run);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str()),
        ("unguarded_write_then_read", "commented.rs")
    );
    assert_eq!(run.code, Some(1));
}

/// One long line is analysed, and a finding at its end has the right column (spans are
/// converted without rescanning the line; 2 MB took 56 s).
#[test]
fn a_long_line_is_analysed_with_exact_columns() {
    let filler = "let é = 1; ".repeat(20_000);
    let text = format!(
        "impl Conn {{ pub async fn get(&mut self) {{ {filler}self.stream.write_all(b\"GET\").await; self.stream.read_u8().await; }} }}\n"
    );
    let run = scan(&[("line.rs", text.as_bytes())], &[]);
    let f = &run.json["findings"][0];
    assert_eq!(f["rule"], "unguarded_write_then_read", "{}", run.json);
    let column = text[..text.find("self.stream.write_all").unwrap()]
        .chars()
        .count()
        + 1;
    assert_eq!(f["column"], column);
    assert_eq!(run.code, Some(1));
}

/// Fail closed: a tree whose only other file is clean still fails on a file it did not read.
#[test]
fn an_unparsable_file_fails_the_gate_unless_lowered() {
    let clean = b"pub fn ok() -> u8 { 1 }\n";
    let broken = b"fn f() {\n    let x = ;\n}\n";
    let files: &[(&str, &[u8])] = &[("clean.rs", clean), ("broken.rs", broken)];
    let run = scan(files, &[]);
    let found = findings(&run);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (
            found[0].0.as_str(),
            found[0].1.as_str(),
            found[0].2.as_str()
        ),
        ("unanalysed_file", "broken.rs", "error")
    );
    assert!(found[0].3.contains("does not parse"), "{}", found[0].3);
    assert_eq!(run.json["errors"][0]["kind"], "syntax_error", "errors stay");
    assert_eq!(run.code, Some(1));

    let warned = scan(files, &["-W", "unanalysed_file"]);
    assert_eq!(findings(&warned)[0].2, "warning");
    assert_eq!(warned.code, Some(0), "a warning does not fail the gate");
}
