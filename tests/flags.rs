//! Cargo's and clippy's flags, end to end: package selection (`-p`, `--workspace`,
//! `--exclude`), target selection (`--lib`, `--bins`, `--bin`, `--tests`, `--test`,
//! `--benches`, `--examples`, `--all-targets`), features (`--features`, `--all-features`,
//! `--no-default-features`), `-q`, `-v` and `--statistics`, on a small workspace whose every
//! target, test module, test fn and feature-gated module holds one finding, named after
//! where it is.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

/// One finding in a fn named `name` (a write then a read on a `self` stream).
fn exchange(name: &str) -> String {
    format!(
        r#"pub struct Conn_{name} {{
    stream: tokio::net::TcpStream,
}}

impl Conn_{name} {{
    pub async fn {name}(&mut self) -> std::io::Result<u8> {{
        use tokio::io::{{AsyncReadExt, AsyncWriteExt}};
        self.stream.write_all(b"GET").await?;
        self.stream.read_u8().await
    }}
}}
"#
    )
}

/// An example's `timeout` over the library's exchange: found only if the library, which
/// the example links, is analysed with it.
const EXAMPLE_RACES_THE_LIBRARY: &str = "
pub async fn example_race(c: &mut app::Conn_lib) {
    let _ = tokio::time::timeout(std::time::Duration::from_millis(1), c.lib()).await;
}
";

/// `app`: a library with a default-feature module, an optional-feature module, a
/// `#[cfg(test)]` module inline and one in a file, a `#[cfg(not(test))]` module and a
/// `#[tokio::test]` fn; a binary, an integration test, a bench
/// and an example. `other`: a library.
fn workspace() -> tempfile::TempDir {
    let lib = format!(
        "{}\n#[cfg(feature = \"fast\")]\npub mod fast;\n#[cfg(feature = \"extra\")]\npub mod extra;\n\n\
         #[cfg(test)]\nmod tests {{\n{}}}\n\n#[tokio::test]\nasync fn tokio_test() {{}}\n\n\
         #[cfg(not(test))]\npub mod not_test;\n#[cfg(test)]\nmod unit;\n",
        exchange("lib"),
        exchange("in_cfg_test"),
    );
    let files: Vec<(&str, String)> = vec![
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"app\", \"other\"]\nresolver = \"2\"\n".into(),
        ),
        (
            "app/Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [features]\ndefault = [\"fast\"]\nfast = []\nextra = []\n"
                .into(),
        ),
        ("app/src/lib.rs", lib),
        ("app/src/fast.rs", exchange("fast")),
        ("app/src/extra.rs", exchange("extra")),
        ("app/src/not_test.rs", exchange("not_test")),
        ("app/src/unit.rs", exchange("in_test_file")),
        ("app/src/bin/tool.rs", exchange("tool") + "fn main() {}\n"),
        ("app/tests/it.rs", exchange("it")),
        ("app/benches/bench.rs", exchange("bench")),
        (
            "app/examples/example.rs",
            exchange("example") + EXAMPLE_RACES_THE_LIBRARY + "fn main() {}\n",
        ),
        (
            "other/Cargo.toml",
            "[package]\nname = \"other\"\nversion = \"0.1.0\"\nedition = \"2021\"\n".into(),
        ),
        ("other/src/lib.rs", exchange("other")),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `cwd` (no dependencies, no cache: only the flags change the result).
fn run(cwd: &Path, args: &[&str]) -> Run {
    let out = common::cancelsafe_command()
        .args(["--no-deps", "--no-cache"])
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run cargo-cancelsafe");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    })
}

/// The methods with findings (`lib` for `Conn_lib::lib`), scanning the workspace in `dir`.
fn reported(dir: &Path, args: &[&str]) -> BTreeSet<String> {
    let run = run(dir, &[&["--format", "json"], args].concat());
    assert!(
        matches!(run.code, Some(0 | 1)),
        "exit {:?}:\n{}",
        run.code,
        run.stderr
    );
    json(&run)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let function = f["function"].as_str().unwrap();
            function.rsplit("::").next().unwrap().to_string()
        })
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// The library's own code outside `cfg(test)`: with no feature flag, every
/// `cfg(feature)` branch (`extra` is not a default feature).
const LIB: &[&str] = &["lib", "fast", "extra", "not_test"];

fn with(base: &[&str], more: &[&str]) -> BTreeSet<String> {
    set(&[base, more].concat())
}

#[test]
fn by_default_the_libraries_and_binaries_are_analysed_as_clippy_does() {
    let ws = workspace();
    assert_eq!(reported(ws.path(), &[]), with(LIB, &["tool", "other"]));
}

#[test]
fn all_targets_adds_tests_benches_examples_and_test_code() {
    let ws = workspace();
    // `not_test` is `#[cfg(not(test))]`: a test build leaves it out.
    let every = set(&[
        "lib",
        "fast",
        "extra",
        "in_cfg_test",
        "in_test_file",
        "tool",
        "it",
        "bench",
        "example",
        "example_race",
        "other",
    ]);
    assert_eq!(reported(ws.path(), &["--all-targets"]), every);
}

#[test]
fn tests_adds_integration_tests_and_cfg_test_code() {
    let ws = workspace();
    assert_eq!(
        reported(ws.path(), &["--tests"]),
        set(&[
            "lib",
            "fast",
            "extra",
            "in_cfg_test",
            "in_test_file",
            "tool",
            "it",
            "other"
        ])
    );
}

#[test]
fn one_target_by_kind_or_name() {
    let ws = workspace();
    assert_eq!(reported(ws.path(), &["--test", "it"]), set(&["it"]));
    assert_eq!(reported(ws.path(), &["--lib"]), with(LIB, &["other"]));
    assert_eq!(reported(ws.path(), &["--bins"]), set(&["tool"]));
    assert_eq!(reported(ws.path(), &["--bin", "tool"]), set(&["tool"]));
    // The library the example links is analysed, not reported.
    assert_eq!(
        reported(ws.path(), &["--examples"]),
        set(&["example", "example_race"])
    );
    assert_eq!(
        reported(ws.path(), &["--benches"]),
        set(&[
            "lib",
            "fast",
            "extra",
            "in_cfg_test",
            "in_test_file",
            "tool",
            "bench",
            "other"
        ])
    );
    let missing = run(ws.path(), &["--test", "nope"]);
    assert_eq!(missing.code, Some(2));
    assert!(
        missing.stderr.contains("no test target named `nope`"),
        "{}",
        missing.stderr
    );
}

#[test]
fn test_fns_are_analysed_only_with_test_targets() {
    // A `#[tokio::test]` fn outside `cfg(test)` holding a cancellation of the exchange.
    let ws = workspace();
    let lib = ws.path().join("app/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap().replace(
        "async fn tokio_test() {}",
        "async fn tokio_test(c: &mut Conn_lib) {\n    \
         let _ = tokio::time::timeout(std::time::Duration::from_millis(1), c.lib()).await;\n}",
    );
    std::fs::write(&lib, text).unwrap();
    let sites = |args: &[&str]| -> usize {
        let v = json(&run(ws.path(), &[&["--format", "json"], args].concat()));
        let findings = v["findings"].as_array().unwrap();
        findings
            .iter()
            .filter(|f| f["function"].as_str() == Some("tokio_test"))
            .count()
    };
    assert_eq!(sites(&[]), 0);
    assert!(sites(&["--tests"]) > 0);
}

#[test]
fn features_decide_which_cfg_feature_code_is_analysed() {
    let ws = workspace();
    let dir = ws.path();
    // No feature flag: every branch. A feature flag: the one build cargo would compile.
    let extra = with(LIB, &["tool", "other"]);
    assert_eq!(reported(dir, &[]), extra);
    let mut defaults = extra.clone();
    defaults.remove("extra");
    assert_eq!(reported(dir, &["--features", "fast"]), defaults);
    assert_eq!(reported(dir, &["--features", "extra"]), extra);
    assert_eq!(reported(dir, &["-F", "app/extra"]), extra);
    assert_eq!(reported(dir, &["--features", "fast extra"]), extra);
    assert_eq!(reported(dir, &["--all-features"]), extra);
    let mut no_default = defaults.clone();
    no_default.remove("fast");
    assert_eq!(reported(dir, &["--no-default-features"]), no_default);
    for (args, message) in [
        (
            &["--features", "nope"][..],
            "none of the selected packages contains this feature: nope",
        ),
        (
            &["--features", "app/nope"][..],
            "the package `app` does not contain this feature: nope",
        ),
    ] {
        let bad = run(dir, args);
        assert_eq!(bad.code, Some(2), "{args:?}");
        assert!(bad.stderr.contains(message), "{}", bad.stderr);
    }
}

#[test]
fn packages_are_selected_as_cargo_selects_them() {
    let ws = workspace();
    let dir = ws.path();
    assert_eq!(reported(dir, &["-p", "other"]), set(&["other"]));
    assert_eq!(
        reported(dir, &["--workspace"]),
        with(LIB, &["tool", "other"])
    );
    assert_eq!(
        reported(dir, &["--package", "other", "-p", "app"]),
        with(LIB, &["tool", "other"])
    );
    assert_eq!(
        reported(dir, &["--workspace", "--exclude", "other"]),
        with(LIB, &["tool"])
    );
    // Only the selected package's features: `other` has no `extra`.
    let unknown = run(dir, &["-p", "other", "--features", "extra"]);
    assert_eq!(unknown.code, Some(2), "{}", unknown.stderr);
    let no_such = run(dir, &["-p", "nope"]);
    assert_eq!(no_such.code, Some(2));
    assert!(
        no_such
            .stderr
            .contains("package ID specification `nope` did not match any packages"),
        "{}",
        no_such.stderr
    );
    // As in cargo, --exclude goes with --workspace, and an unknown one is only a warning.
    assert_eq!(run(dir, &["--exclude", "other"]).code, Some(2));
    let unknown = run(dir, &["--workspace", "--exclude", "nope"]);
    assert_eq!(unknown.code, Some(1));
    assert!(unknown
        .stderr
        .contains("warning: excluded package `nope` not found"));
}

#[test]
fn path_mode_follows_the_targets_too() {
    let ws = workspace();
    let dir = ws.path();
    assert_eq!(
        reported(dir, &["app"]),
        set(&["lib", "fast", "extra", "not_test", "tool"])
    );
    assert_eq!(
        reported(dir, &["--all-targets", "app"]),
        set(&[
            "lib",
            "fast",
            "extra",
            "in_cfg_test",
            "in_test_file",
            "tool",
            "it",
            "bench",
            "example",
            "example_race",
        ])
    );
    assert_eq!(
        reported(dir, &["--features", "extra", "app"]),
        set(&["lib", "fast", "extra", "not_test", "tool"])
    );
}

#[test]
fn quiet_drops_the_summary_and_statistics_count_per_rule() {
    let ws = workspace();
    let dir = ws.path();
    let normal = run(dir, &[]);
    assert!(
        normal.stdout.contains("cancelsafe: 6 findings in"),
        "{}",
        normal.stdout
    );
    let quiet = run(dir, &["-q", "--write-baseline", "b.json"]);
    assert_eq!(quiet.code, Some(0));
    assert!(!quiet.stdout.contains("cancelsafe: "), "{}", quiet.stdout);
    assert_eq!(quiet.stderr, "", "no note of the baseline written");
    let noted = run(dir, &["--write-baseline", "b.json"]).stderr;
    assert!(noted.contains("wrote 6 findings to baseline"), "{noted}");
    assert!(quiet.stdout.contains("unguarded_write_then_read"));
    let stats = run(dir, &["-q", "--statistics"]);
    let tail: Vec<&str> = stats.stdout.lines().rev().take(2).collect();
    assert_eq!(
        tail,
        ["6 findings in total", "6 CS001 unguarded_write_then_read"]
    );
    // Machine formats keep stdout to themselves.
    let json_stats = run(dir, &["--statistics", "--format", "json"]);
    json(&json_stats);
    assert!(json_stats
        .stderr
        .contains("6 CS001 unguarded_write_then_read"));
}

#[test]
fn verbose_says_which_dependency_crates_were_read() {
    let ws = workspace();
    let verbose = run(ws.path(), &["-v"]);
    assert!(
        verbose
            .stderr
            .contains("cancelsafe: no dependency crate read"),
        "{}",
        verbose.stderr
    );
    assert!(!run(ws.path(), &[]).stderr.contains("dependency crate"));
}

/// Scanning the workspace from its root, files are `app/src/lib.rs` in every format, as
/// the github format always printed them: never `./app/src/lib.rs`.
#[test]
fn every_format_prints_paths_without_a_dot_prefix() {
    let ws = workspace();
    for format in ["human", "json", "sarif", "github", "rustc-json"] {
        let out = run(ws.path(), &["--format", format]).stdout;
        assert!(out.contains("app/src/lib.rs"), "{format}:\n{out}");
        assert!(!out.contains("./app/"), "{format}:\n{out}");
    }
}

#[test]
fn an_unknown_flag_gets_no_tip_to_pass_it_as_a_path() {
    let ws = workspace();
    let run = run(ws.path(), &["--release"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("unexpected argument '--release'"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("-- --release"), "{}", run.stderr);
}

#[test]
fn explain_of_an_unknown_rule_lists_ids_and_codes() {
    let out = common::cancelsafe_command()
        .args(["explain", "CS999"])
        .output()
        .expect("run cargo-cancelsafe");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("unguarded_write_then_read (CS001)"),
        "{stderr}"
    );
}

/// The incident's fixture (an application over `redis::aio::Connection`), with redis' async
/// API behind a feature of the application: the feature flags decide which dependency code
/// is read, so the findings at the application's timeouts come with `--features async` only.
#[test]
fn features_decide_which_dependency_code_is_read() {
    let from =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dependencies/redis_connection");
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("app");
    std::fs::create_dir_all(root.join("src")).unwrap();
    for file in ["Cargo.lock", "src/lib.rs"] {
        std::fs::copy(from.join(file), root.join(file)).unwrap();
    }
    let manifest = std::fs::read_to_string(from.join("Cargo.toml")).unwrap();
    let gated = manifest
        .replace(", features = [\"tokio-comp\"] }", " }")
        .replace(
            "[workspace]",
            "[features]\nasync = [\"redis/tokio-comp\"]\n\n[workspace]",
        );
    assert_ne!(gated, manifest);
    std::fs::write(root.join("Cargo.toml"), gated).unwrap();
    let scan = |args: &[&str]| {
        let out = common::cancelsafe_command()
            .args(["--format", "json", "--fetch", "-v"])
            .args(args)
            .current_dir(&root)
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .output()
            .expect("run cargo-cancelsafe");
        let run = Run {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        };
        let findings = json(&run)["findings"].as_array().unwrap().len();
        (findings, run.stderr)
    };
    let (without, notes) = scan(&[]);
    assert_eq!(without, 0, "{notes}");
    assert!(notes.contains("dependency crates read: "), "{notes}");
    assert!(notes.contains("redis 0.22.3"), "{notes}");
    let (with, notes) = scan(&["--features", "async"]);
    assert_eq!(with, 4, "{notes}");
}

/// A suppression inside `#[cfg(test)]` code is read only when that code is analysed: it
/// is not reported as unused by default, and still suppresses its finding with `--tests`;
/// the same when the summaries come from the cache.
#[test]
fn suppressions_in_code_left_out_are_not_read() {
    let ws = workspace();
    let lib = ws.path().join("app/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap().replace(
        "impl Conn_in_cfg_test {",
        "// cancelsafe: allow(CS001) -- the tests own their connection\nimpl Conn_in_cfg_test {",
    );
    std::fs::write(&lib, text).unwrap();
    let cache = ws.path().join("cache");
    let rules = |args: &[&str]| -> Vec<(String, String)> {
        let out = common::cancelsafe_command()
            .args(["--no-deps", "--format", "json", "--cache-dir"])
            .arg(&cache)
            .args(args)
            .current_dir(ws.path())
            .output()
            .expect("run cargo-cancelsafe");
        let run = Run {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        };
        let v = json(&run);
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let function = f["function"].as_str().unwrap();
                let name = function.rsplit("::").next().unwrap().to_string();
                (name, f["rule"].as_str().unwrap().to_string())
            })
            .collect()
    };
    let other = ws.path().join("other/src/lib.rs");
    for round in ["cold", "summaries cached"] {
        let default = rules(&[]);
        assert!(
            default.iter().all(|(_, rule)| rule != "unused_suppression"),
            "{round}: {default:?}"
        );
        let tests = rules(&["--tests"]);
        assert!(
            tests
                .iter()
                .all(|(name, rule)| rule != "unused_suppression" && name != "in_cfg_test"),
            "{round}: {tests:?}"
        );
        // An edit elsewhere: the next run's result is not stored, its summaries are.
        let mut text = std::fs::read_to_string(&other).unwrap();
        text.push_str("// edited\n");
        std::fs::write(&other, text).unwrap();
    }
}
