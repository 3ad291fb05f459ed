//! Scale and robustness end to end: the summary cache, crate awareness (module trees), and
//! hostile input that must be reported without changing the rest of the scan.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

struct Tree {
    tmp: tempfile::TempDir,
}

/// What a JSON run printed, and its exit code.
struct Run {
    code: Option<i32>,
    json: Value,
    stdout: String,
    stderr: String,
}

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        let tree = Tree {
            tmp: tempfile::tempdir().expect("temp dir"),
        };
        for (path, text) in files {
            tree.write(path, text.as_bytes());
        }
        tree
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn write(&self, rel: &str, bytes: &[u8]) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    }

    /// `--format json` over `scan`, run from the temp dir.
    fn run(&self, args: &[&str]) -> Run {
        let out = common::cancelsafe_command()
            .env("CANCELSAFE_TIMINGS", "1")
            .args(["--format", "json"])
            .args(args)
            .arg("scan")
            .current_dir(self.tmp.path())
            .output()
            .expect("run cargo-cancelsafe");
        let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.code().is_some(), "killed by a signal: {stderr}");
        assert!(!stderr.contains("panicked"), "panic: {stderr}");
        let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        Run {
            code: out.status.code(),
            json,
            stdout,
            stderr,
        }
    }
}

impl Run {
    /// (file, line) of each finding.
    fn findings(&self) -> Vec<(String, u64)> {
        self.json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["file"].as_str().expect("file").to_string(),
                    f["line"].as_u64().expect("line"),
                )
            })
            .collect()
    }

    /// (kind, file) of each error.
    fn errors(&self) -> Vec<(String, String)> {
        common::json_errors(&self.json)
    }
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(entries(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn cached_rerun_is_identical_and_survives_corrupted_entries() {
    let tree = Tree::new(&[
        ("scan/conn.rs", common::ONE_FINDING),
        ("scan/other.rs", "pub fn f() {}\n"),
    ]);
    let args = ["--cache-dir", "cache"];
    let cold = tree.run(&args);
    assert_eq!(cold.findings(), vec![("scan/conn.rs".into(), 9)]);
    let stored = entries(&tree.path("cache"));
    assert_eq!(
        stored.len(),
        3,
        "one entry per file, one result: {stored:?}"
    );
    let warm = tree.run(&args);
    assert_eq!((warm.code, &warm.stdout), (cold.code, &cold.stdout));
    // Nothing changed: the stored result is returned, no file is summarised again.
    assert!(
        warm.stderr.contains("timing: hash every input"),
        "{}",
        warm.stderr
    );
    assert!(
        !warm.stderr.contains("timing: load scanned files"),
        "{}",
        warm.stderr
    );

    for (i, entry) in stored.iter().enumerate() {
        let bytes = std::fs::read(entry).expect("entry");
        let damaged = if i == 0 {
            bytes[..bytes.len() / 2].to_vec()
        } else {
            bytes.iter().map(|b| b ^ 0x5a).collect()
        };
        std::fs::write(entry, damaged).expect("damage entry");
    }
    let repaired = tree.run(&args);
    assert_eq!((repaired.code, &repaired.stdout), (cold.code, &cold.stdout));
    assert!(repaired.stderr.contains("timing: load scanned files"));
}

#[test]
fn a_changed_file_is_summarised_again() {
    let tree = Tree::new(&[("scan/conn.rs", common::ONE_FINDING)]);
    let args = ["--cache-dir", "cache"];
    assert_eq!(tree.run(&args).findings().len(), 1);
    // The same code with the stream owned by the future: no longer a finding.
    let fixed = common::ONE_FINDING.replace("&mut self", "mut self");
    tree.write("scan/conn.rs", fixed.as_bytes());
    let run = tree.run(&args);
    assert_eq!(run.findings(), vec![]);
    assert_eq!(run.code, Some(0));
    // A new manifest changes what is analysed (crate roots, edition): no stored result.
    tree.write("scan/Cargo.toml", b"[package]\nname = \"p\"\n");
    let run = tree.run(&args);
    assert!(
        run.stderr.contains("timing: load scanned files"),
        "{}",
        run.stderr
    );
}

#[test]
fn explicit_paths_write_no_cache_by_default() {
    let tree = Tree::new(&[
        ("scan/Cargo.toml", "[package]\nname = \"p\"\n"),
        ("scan/src/lib.rs", common::ONE_FINDING),
    ]);
    tree.run(&[]);
    tree.run(&["--no-cache"]);
    assert!(!tree.path("scan/target").exists());
}

/// A package's module tree decides what is analysed: `mod` in `cfg_if!`-style macros,
/// `#[path]`, inline modules and (with `--tests`) `tests/` roots are followed; a fixture no
/// module reaches (with a syntax error, as `include!` fixtures often are) is skipped, not
/// reported.
#[test]
fn files_no_module_reaches_are_skipped() {
    let tree = Tree::new(&[
        (
            "scan/Cargo.toml",
            "[package]\nname = \"p\"\nedition = \"2021\"\n",
        ),
        (
            "scan/src/lib.rs",
            "cfg_if::cfg_if! {\n    if #[cfg(unix)] { mod unix; } else { mod other; }\n}\n\
             #[path = \"generated/conn.rs\"]\nmod conn;\nmod outer {\n    mod inner;\n}\n",
        ),
        ("scan/src/unix.rs", common::ONE_FINDING),
        ("scan/src/other.rs", "pub fn f() {}\n"),
        ("scan/src/generated/conn.rs", common::ONE_FINDING),
        ("scan/src/outer/inner.rs", common::ONE_FINDING),
        ("scan/tests/it.rs", "mod helpers;\n"),
        ("scan/tests/helpers/mod.rs", common::ONE_FINDING),
        ("scan/tests/fixtures/broken.rs", "fn f( {\n"),
        ("scan/src/unused.rs", common::ONE_FINDING),
    ]);
    let run = tree.run(&["--tests"]);
    assert_eq!(run.errors(), vec![]);
    assert_eq!(
        run.findings(),
        vec![
            ("scan/src/generated/conn.rs".into(), 9),
            ("scan/src/outer/inner.rs".into(), 9),
            ("scan/src/unix.rs".into(), 9),
            ("scan/tests/helpers/mod.rs".into(), 9),
        ]
    );
    assert_eq!(run.json["files_scanned"], 7);
    // Without test targets, as in clippy, the `tests/` root is not followed.
    assert_eq!(tree.run(&[]).json["files_scanned"], 5);
}

/// 2015-edition code (`async` and `dyn` as names, trait objects without `dyn`) is reported
/// as a syntax error that names the edition, and changes neither the other files' results
/// nor the exit code.
#[test]
fn edition_2015_syntax_is_reported_not_fatal() {
    let lib = format!("{}mod old;\nmod old_types;\n", common::ONE_FINDING);
    let tree = Tree::new(&[
        ("scan/Cargo.toml", "[package]\nname = \"p\"\n"),
        ("scan/src/lib.rs", &lib),
    ]);
    let before = tree.run(&[]);
    tree.write(
        "scan/src/old.rs",
        b"fn async() {}\nfn f() { let dyn = 1; }\n",
    );
    tree.write(
        "scan/src/old_types.rs",
        b"fn take(x: &Iterator<Item = u8>) -> Box<Fn()> { loop {} }\n",
    );
    let after = tree.run(&[]);
    assert_eq!(after.code, before.code);
    // Each file that does not parse is an `unanalysed_file` finding too, at the error.
    let mut expected = before.findings();
    expected.extend([
        ("scan/src/old.rs".to_string(), 1),
        ("scan/src/old_types.rs".to_string(), 1),
    ]);
    assert_eq!(after.findings(), expected);
    assert_eq!(
        after.errors(),
        vec![
            ("syntax_error".into(), "scan/src/old.rs".into()),
            ("syntax_error".into(), "scan/src/old_types.rs".into()),
        ]
    );
    for e in after.json["errors"].as_array().expect("errors") {
        assert!(e["message"]
            .as_str()
            .expect("message")
            .contains("2015-edition"));
    }
}

/// Types nested just under the nesting limit parse on the parser pool's big stacks; deeper
/// ones are refused as too complex. Neither crashes or changes the exit code.
#[test]
fn deeply_nested_types_are_analysed_or_refused() {
    let tree = Tree::new(&[("scan/conn.rs", common::ONE_FINDING)]);
    let nested = |depth: usize| {
        format!(
            "type T = {}u8{};\n",
            "Option<".repeat(depth),
            ">".repeat(depth)
        )
    };
    let limit = cancelsafe_engine::summary::bounds::MAX_NESTING;
    tree.write("scan/deep_ok.rs", nested(limit - 10).as_bytes());
    tree.write("scan/too_deep.rs", nested(20_000).as_bytes());
    let run = tree.run(&[]);
    assert_eq!(run.code, Some(1));
    // The refused file is an `unanalysed_file` finding (line 1: where the limit is crossed).
    assert_eq!(
        run.findings(),
        vec![("scan/conn.rs".into(), 9), ("scan/too_deep.rs".into(), 1)]
    );
    assert_eq!(
        run.errors(),
        vec![("too_complex".into(), "scan/too_deep.rs".into())]
    );
}
