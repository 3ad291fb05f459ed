//! Fixes as data and `--fix`, end to end on a copy of a small cargo package that depends on
//! the `cancelsafe` guard crate by path: `Conn::get` has a `CancelState` field next to its
//! stream, so its guard attribute is machine-applicable; `Bare::get` has none, so its fix
//! has a placeholder and stays a suggestion. Checked: the suggestion's shape in rustc-json
//! (as rustc writes one), SARIF (against the 2.1.0 schema) and JSON; `--fix` edits only
//! `Conn::get`, the fixed package passes `cargo check --offline`, and a second scan no
//! longer reports it; uncommitted changes and a missing repository are refused.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const MANIFEST: &str = r#"[package]
name = "fixdemo"
version = "0.1.0"
edition = "2021"

[dependencies]
cancelsafe = { path = "GUARD" }
tokio = { version = "1", default-features = false, features = ["io-util", "net"] }

[workspace]
"#;

/// The write of `Conn::get` is on line 11, its head on line 10; `Bare::get`'s on 22 and 21.
const LIB: &str = r#"use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Conn {
    stream: TcpStream,
    cancel: cancelsafe::CancelState,
}

impl Conn {
    pub async fn get(&mut self, key: &[u8]) -> std::io::Result<u8> {
        self.stream.write_all(key).await?;
        self.stream.read_u8().await
    }
}

pub struct Bare {
    stream: TcpStream,
}

impl Bare {
    pub async fn get(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"GET").await?;
        self.stream.read_u8().await
    }
}
"#;

const CONN_HEAD: &str = "    pub async fn get";
const GUARD: &str = "    #[cancelsafe::guard(state = self.cancel)]\n";

/// A copy of the package in a temp dir, committed to a fresh git repository.
struct Package {
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Package {
    /// The package with `src/lib.rs` = [`LIB`].
    fn new() -> Package {
        Package::with_sources(&[("lib.rs".into(), LIB.into())])
    }

    /// The package with these files (paths relative to `src/`).
    fn with_sources(sources: &[(PathBuf, String)]) -> Package {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = tempfile::tempdir().expect("temp home");
        let guard = Path::new(env!("CARGO_MANIFEST_DIR")).join("guard");
        let manifest = MANIFEST.replace("GUARD", &guard.to_string_lossy());
        std::fs::write(dir.path().join("Cargo.toml"), manifest).expect("manifest");
        // The workspace's lock, so `cargo check --offline` resolves to what is on disk.
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"),
            dir.path().join("Cargo.lock"),
        )
        .expect("lock file");
        for (path, text) in sources {
            let path = dir.path().join("src").join(path);
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("src");
            std::fs::write(path, text).expect("a source file");
        }
        let pkg = Package { dir, home };
        pkg.git(&["init", "-q"]);
        pkg.commit();
        pkg
    }

    fn git(&self, args: &[&str]) {
        common::git(self.path(), self.home.path(), args);
    }

    fn commit(&self) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", "fixture"]);
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn lib(&self) -> String {
        std::fs::read_to_string(self.path().join("src/lib.rs")).expect("read lib.rs")
    }

    /// Runs the binary in the package on `src`, with git's settings isolated as the
    /// fixture's commits were made.
    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = common::cancelsafe_command()
            .args(args)
            .arg("src")
            .current_dir(self.path())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("run cargo-cancelsafe");
        let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
        (out.status.code(), text(out.stdout), text(out.stderr))
    }

    fn json(&self, args: &[&str]) -> Value {
        let (_, stdout, stderr) = self.run(args);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"))
    }

    /// `(function, applicability)` of each finding in a `--format json` report.
    fn fixes(&self) -> Vec<(String, Option<String>)> {
        self.json(&["--format", "json"])["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                let applicability = f["fix"]["applicability"].as_str().map(str::to_string);
                (
                    f["function"].as_str().expect("function").to_string(),
                    applicability,
                )
            })
            .collect()
    }
}

fn byte_range(v: &Value, start: &str, end: &str) -> std::ops::Range<usize> {
    let at = |k: &str| v[k].as_u64().expect("a byte offset") as usize;
    at(start)..at(end)
}

#[test]
fn rustc_json_carries_the_fix_as_a_suggestion() {
    let pkg = Package::new();
    let (_, stdout, _) = pkg.run(&["--format", "rustc-json"]);
    let messages: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .filter(|m: &Value| m["reason"] == "compiler-message")
        .collect();
    assert_eq!(messages.len(), 2, "{stdout}");
    let conn = &messages[0]["message"];
    assert_eq!(conn["spans"][0]["line_start"], 11, "Conn::get's write");
    // rustc's shape: a `help` child whose span carries the replacement and applicability.
    let suggestions: Vec<&Value> = conn["children"]
        .as_array()
        .expect("children")
        .iter()
        .filter(|c| c["spans"].as_array().is_some_and(|s| !s.is_empty()))
        .collect();
    assert_eq!(suggestions.len(), 1);
    let child = suggestions[0];
    assert_eq!(child["level"], "help");
    assert_eq!(
        child["message"],
        "add `#[cancelsafe::guard(state = self.cancel)]`"
    );
    let span = &child["spans"][0];
    assert_eq!(span["file_name"], "src/lib.rs");
    assert_eq!(span["suggestion_applicability"], "MachineApplicable");
    assert_eq!(span["suggested_replacement"], format!("{GUARD}{CONN_HEAD}"));
    assert_eq!(
        (&span["line_start"], &span["column_start"]),
        (&10.into(), &1.into())
    );
    assert_eq!(
        (&span["line_end"], &span["column_end"]),
        (&10.into(), &21.into())
    );
    assert_eq!(&LIB[byte_range(span, "byte_start", "byte_end")], CONN_HEAD);
    // The line it edits, quoted as rustc quotes it (`rustfix` needs it).
    assert_eq!(
        span["text"],
        serde_json::json!([{
            "text": LIB.lines().nth(9).expect("line 10"),
            "highlight_start": 1,
            "highlight_end": 21,
        }])
    );

    let bare = &messages[1]["message"];
    let bare_span = bare["children"]
        .as_array()
        .expect("children")
        .iter()
        .find_map(|c| c["spans"].get(0))
        .expect("Bare::get has a suggestion too");
    assert_eq!(bare_span["suggestion_applicability"], "HasPlaceholders");
}

#[test]
fn sarif_and_json_carry_the_fix() {
    let pkg = Package::new();
    let (_, stdout, _) = pkg.run(&["--format", "sarif"]);
    let log: Value = serde_json::from_str(&stdout).expect("SARIF is JSON");
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema")).unwrap();
    let validator = jsonschema::draft4::options()
        .build(&schema)
        .expect("schema");
    let problems: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let fix = &log["runs"][0]["results"][0]["fixes"][0];
    assert_eq!(fix["properties"]["applicability"], "MachineApplicable");
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "src/lib.rs");
    let replacement = &change["replacements"][0];
    assert_eq!(
        replacement["deletedRegion"],
        serde_json::json!({ "startLine": 10, "startColumn": 1, "endLine": 10, "endColumn": 21 })
    );
    assert_eq!(
        replacement["insertedContent"]["text"],
        format!("{GUARD}{CONN_HEAD}")
    );

    let report = pkg.json(&["--format", "json"]);
    let edit = &report["findings"][0]["fix"]["edits"][0];
    assert_eq!(edit["original"], CONN_HEAD);
    assert_eq!(&LIB[byte_range(edit, "byte_start", "byte_end")], CONN_HEAD);
    assert_eq!(
        pkg.fixes(),
        [
            ("Conn::get".into(), Some("MachineApplicable".into())),
            ("Bare::get".into(), Some("HasPlaceholders".into())),
        ]
    );
}

/// `cargo check --offline` of the package, in a target folder of this workspace's so the
/// dependencies build once.
fn cargo_check(dir: &Path) {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fix-check");
    let out = Command::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("run cargo check");
    assert!(
        out.status.success(),
        "the fixed package does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fix_applies_the_guard_and_the_fixed_code_compiles() {
    let pkg = Package::new();
    let (code, stdout, stderr) = pkg.run(&["--fix"]);
    assert_eq!(
        code,
        Some(1),
        "Bare::get is left, at error level:\n{stderr}"
    );
    assert!(
        stderr.contains("cancelsafe: fixed src/lib.rs (1 edit)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("src/lib.rs:11: unguarded_write_then_read in `Conn::get`"),
        "{stderr}"
    );
    assert!(
        !stdout.contains("Conn::get"),
        "the fixed finding is not reported"
    );
    let want = LIB.replacen(
        &format!("{CONN_HEAD}(&mut self, key"),
        &format!("{GUARD}{CONN_HEAD}(&mut self, key"),
        1,
    );
    assert_ne!(want, LIB);
    assert_eq!(pkg.lib(), want, "only `Conn::get` is edited");
    cargo_check(pkg.path());
    // A second scan: `Conn::get` is guarded now; `Bare::get`'s fix stays a suggestion.
    assert_eq!(
        pkg.fixes(),
        [("Bare::get".into(), Some("HasPlaceholders".into()))]
    );
    let (code, _, stderr) = pkg.run(&["--fix"]);
    assert_eq!(code, Some(1));
    assert!(!stderr.contains("fixed"), "nothing left to fix: {stderr}");
}

#[test]
fn fix_refuses_uncommitted_changes_unless_allowed() {
    let pkg = Package::new();
    let changed = format!("{LIB}// work in progress\n");
    std::fs::write(pkg.path().join("src/lib.rs"), &changed).unwrap();
    let (code, _, stderr) = pkg.run(&["--fix"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("src/lib.rs (dirty)"), "{stderr}");
    assert!(stderr.contains("--allow-dirty"), "{stderr}");
    assert_eq!(pkg.lib(), changed, "nothing written");

    // Staged is uncommitted too.
    pkg.git(&["add", "src/lib.rs"]);
    assert_eq!(pkg.run(&["--fix"]).0, Some(2));
    assert_eq!(pkg.lib(), changed);

    let (code, _, stderr) = pkg.run(&["--fix", "--allow-dirty"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(pkg.lib().contains(GUARD), "fixed with --allow-dirty");
    assert!(
        pkg.lib().ends_with("// work in progress\n"),
        "the change is kept"
    );
}

#[test]
fn fix_refuses_files_outside_git_unless_allowed() {
    let pkg = Package::new();
    std::fs::remove_dir_all(pkg.path().join(".git")).unwrap();
    let (code, _, stderr) = pkg.run(&["--fix"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--allow-no-vcs"), "{stderr}");
    assert_eq!(pkg.lib(), LIB);
    let (code, _, _) = pkg.run(&["--fix", "--allow-no-vcs"]);
    assert_eq!(code, Some(1));
    assert!(pkg.lib().contains(GUARD));
}

/// A module the scan reads through a symlink (to a file elsewhere in the tree, which is
/// scanned as itself too) is never written through: the link stays a link, and its
/// target gets the edit once, as itself.
#[cfg(unix)]
#[test]
fn fix_never_writes_through_a_symlink() {
    let pkg = Package::new();
    let module = LIB.replace("Conn", "Linked").replace("Bare", "BareLinked");
    // Inside the scanned `src`, in a folder no module declares.
    std::fs::create_dir(pkg.path().join("src/elsewhere")).unwrap();
    let target: PathBuf = pkg.path().join("src/elsewhere/linked.rs");
    std::fs::write(&target, &module).unwrap();
    std::os::unix::fs::symlink(&target, pkg.path().join("src/linked.rs")).unwrap();
    let lib = format!("{LIB}\npub mod linked;\n");
    std::fs::write(pkg.path().join("src/lib.rs"), &lib).unwrap();
    pkg.commit();
    let (_, _, stderr) = pkg.run(&["--fix"]);
    assert!(
        stderr.contains("did not fix src/linked.rs: not written: not a regular file"),
        "{stderr}"
    );
    let link = std::fs::symlink_metadata(pkg.path().join("src/linked.rs")).unwrap();
    assert!(link.file_type().is_symlink(), "still a link");
    let fixed = std::fs::read_to_string(&target).unwrap();
    assert_eq!(fixed.matches("#[cancelsafe::guard").count(), 1, "{fixed}");
    assert!(pkg.lib().contains(GUARD), "the real file is fixed");
}

/// A run served whole from the cache (the stored result of an unchanged tree) reports
/// the same fixes as the run that stored it.
#[test]
fn fixes_survive_the_stored_result() {
    let pkg = Package::new();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().expect("UTF-8 temp path");
    let args = ["--format", "json", "--cache-dir", cache_dir];
    let fresh = pkg.json(&args);
    let stored = pkg.json(&args);
    assert_eq!(
        fresh["findings"][0]["fix"]["applicability"],
        "MachineApplicable"
    );
    assert_eq!(fresh, stored);
}

/// The human report names the fix `--fix` makes, and only that one.
#[test]
fn human_output_names_the_machine_applicable_fix() {
    let pkg = Package::new();
    let (code, stdout, _) = pkg.run(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(stdout.matches("fix: add").count(), 1, "{stdout}");
    assert!(
        stdout.contains("fix: add `#[cancelsafe::guard(state = self.cancel)]`"),
        "{stdout}"
    );
    assert!(stdout.contains("cancelsafe --fix"), "{stdout}");
}

/// The `guards` fixture (`tests/fixtures/unguarded_write_then_read/guards`), copied: its
/// four unguarded exchanges on `Conn`, which has a `CancelState`, get the guard; the code
/// still compiles; a second scan reports only what has no mechanical fix (`Pipelined`,
/// which has no `CancelState`).
#[test]
fn fix_on_a_copy_of_the_guards_fixture() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/unguarded_write_then_read/guards/src");
    let mut sources: Vec<(PathBuf, String)> = std::fs::read_dir(&fixture)
        .expect("the fixture")
        .map(|e| {
            let path = e.expect("an entry").path();
            let text = std::fs::read_to_string(&path).expect("a fixture file");
            (PathBuf::from(path.file_name().expect("a name")), text)
        })
        .collect();
    sources.sort();
    let pkg = Package::with_sources(&sources);
    let conn = |pkg: &Package| std::fs::read_to_string(pkg.path().join("src/conn.rs")).unwrap();
    let before = conn(&pkg);
    let (_, _, stderr) = pkg.run(&["--fix"]);
    assert!(stderr.contains("fixed src/conn.rs (4 edits)"), "{stderr}");
    let after = conn(&pkg);
    // Each edit is one line above a fn head, nothing else.
    let added: Vec<&str> = after
        .lines()
        .filter(|l| *l == "    #[cancelsafe::guard(state = self.cancel)]")
        .collect();
    assert_eq!(
        added.len(),
        4 + before
            .matches("#[cancelsafe::guard(state = self.cancel)]")
            .count()
    );
    let mut fixed_heads = Vec::new();
    let lines: Vec<&str> = after.lines().collect();
    for pair in lines.windows(2) {
        if pair[0] == "    #[cancelsafe::guard(state = self.cancel)]" {
            fixed_heads.push(pair[1].trim_start().split('(').next().unwrap_or_default());
        }
    }
    assert_eq!(
        fixed_heads,
        [
            "pub async fn guarded",
            "pub async fn poison_never_reset",
            "pub async fn poison_reset_early",
            "pub async fn with_drop_guard_dropped_early",
            "pub async fn with_plain_local",
        ]
    );
    let without: String = after
        .split_inclusive('\n')
        .filter(|l| l.trim() != "#[cancelsafe::guard(state = self.cancel)]")
        .collect();
    let before_without: String = before
        .split_inclusive('\n')
        .filter(|l| l.trim() != "#[cancelsafe::guard(state = self.cancel)]")
        .collect();
    assert_eq!(without, before_without, "nothing else changed");
    cargo_check(pkg.path());
    let left: Vec<(String, String)> = pkg.json(&["--format", "json"])["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["file"].as_str().expect("file").to_string(),
                f["fix"]["applicability"]
                    .as_str()
                    .unwrap_or("none")
                    .to_string(),
            )
        })
        .collect();
    assert!(!left.is_empty());
    assert!(
        left.iter()
            .all(|(file, how)| file == "src/drain.rs" && how == "HasPlaceholders"),
        "{left:?}"
    );
}

/// A file git does not track is uncommitted too: nothing is written, even in the files
/// that are committed.
#[test]
fn fix_refuses_untracked_files() {
    let pkg = Package::new();
    let lib = format!("{LIB}\npub mod extra;\n");
    std::fs::write(pkg.path().join("src/lib.rs"), &lib).unwrap();
    pkg.commit();
    let extra = LIB.replace("Conn", "Extra").replace("Bare", "BareExtra");
    std::fs::write(pkg.path().join("src/extra.rs"), &extra).unwrap();
    let (code, _, stderr) = pkg.run(&["--fix"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("src/extra.rs (dirty)"), "{stderr}");
    assert!(!stderr.contains("src/lib.rs (dirty)"), "{stderr}");
    assert_eq!(pkg.lib(), lib, "the committed file is not edited either");
}
