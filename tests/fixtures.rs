//! Interprocedural, multi-file cases, one folder each under
//! `tests/fixtures/<rule id>/<case>/src/`.
//!
//! Each case mixes functions that must be flagged (the line a finding starts on carries
//! `//~ <rule id>`, several ids separated by spaces; `//~^ <rule id>` marks the line
//! above) with functions that must not. A mark `<rule id>:reached` or `<rule id>:unreached`
//! also checks whether a cancellation site in the case reaches the finding. Every
//! rule runs, so a case also marks what other rules must say about it (an exchange raced in
//! `select!` is also `cancel_unsafe_future_raced`). The binary is run on the case folder and
//! one snapshot per case records what a user sees (human output) plus the JSON findings as
//! `file:line function rule`, and the difference from the `//~` marks. Rules that are off by
//! default are checked through the engine API and listed with `(off by default)`. A case the
//! engine gets wrong still passes, with its `missed`/`unexpected` lines in the snapshot, so a
//! fix to the engine shows up as a snapshot change.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const FIXTURES: &str = "tests/fixtures";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in the crate root on a relative path, so paths in output are stable.
fn run(args: &[&str]) -> (String, String, Option<i32>) {
    let out = common::cancelsafe_command()
        .args(args)
        .current_dir(manifest_dir())
        .output()
        .expect("run cargo-cancelsafe");
    (
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        out.status.code(),
    )
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read fixture dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `file:line rule` of every `//~ rule...` mark, paths relative to the crate.
fn marks(case_dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for file in rust_files(&manifest_dir().join(case_dir)) {
        let text = std::fs::read_to_string(&file).expect("fixture is UTF-8");
        let rel = file
            .strip_prefix(manifest_dir())
            .expect("fixture under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            let Some((_, mark)) = line.split_once("//~") else {
                continue;
            };
            // `//~^ rule`: the line above (one `^` per line up), for lines rustfmt would
            // otherwise break.
            let up = mark.len() - mark.trim_start_matches('^').len();
            let target = i + 1 - up;
            for mark in mark.trim_start_matches('^').split_whitespace() {
                let rule = mark.split(':').next().unwrap_or_default();
                assert!(
                    cancelsafe_engine::rules::find(rule).is_some(),
                    "{rel}:{}: unknown rule `{rule}` in mark",
                    i + 1
                );
                out.insert(format!("{rel}:{target} {mark}"));
            }
        }
    }
    out
}

/// The key a finding is compared with marks by: `file:line rule`, plus `:reached` or
/// `:unreached` when the mark on that line asks.
fn key(
    expected: &BTreeSet<String>,
    file: &str,
    line: u64,
    rule: &str,
    reached: Option<bool>,
) -> String {
    let plain = format!("{file}:{line} {rule}");
    let with_reach = match reached {
        Some(true) => format!("{plain}:reached"),
        Some(false) => format!("{plain}:unreached"),
        None => return plain,
    };
    let asks = expected.contains(&format!("{plain}:reached"))
        || expected.contains(&format!("{plain}:unreached"));
    if asks {
        with_reach
    } else {
        plain
    }
}

fn check_case(rule: &str, case: &str) {
    let dir = format!("{FIXTURES}/{rule}/{case}");
    assert!(
        manifest_dir().join(&dir).join("src").is_dir(),
        "missing fixture {dir}/src"
    );

    let (human, human_err, human_code) = run(&[&dir]);
    let (json_out, json_err, json_code) = run(&["--format", "json", &dir]);
    assert_eq!(human_code, json_code, "both formats exit alike");
    assert!(
        human_err.is_empty() && json_err.is_empty(),
        "stderr: {human_err}{json_err}"
    );

    let report: serde_json::Value = serde_json::from_str(&json_out).expect("JSON output parses");
    assert_eq!(
        report["errors"].as_array().map(Vec::len),
        Some(0),
        "every fixture file parses: {json_out}"
    );
    let findings = report["findings"].as_array().expect("findings array");
    let expected = marks(Path::new(&dir));
    let mut listed = Vec::new();
    let mut found = BTreeSet::new();
    for f in findings {
        let file = f["file"].as_str().expect("file").replace('\\', "/");
        let line = f["line"].as_u64().expect("line");
        let function = f["function"].as_str().expect("function");
        let rule = f["rule"].as_str().expect("rule");
        let reached = f["reached"].as_bool();
        let shown = match reached {
            Some(true) => " (reached)",
            Some(false) => " (unreached)",
            None => "",
        };
        listed.push(format!("{file}:{line} {function} {rule}{shown}"));
        found.insert(key(&expected, &file, line, rule, reached));
    }
    // Rules that are off by default never reach the binary's output: ask the engine.
    let analysis = cancelsafe_engine::analyze(
        &[manifest_dir().join(&dir)],
        &cancelsafe_engine::Config::default(),
    );
    for f in analysis
        .findings
        .iter()
        .filter(|f| !f.rule.enabled_by_default)
    {
        let file = f
            .file
            .strip_prefix(manifest_dir())
            .expect("fixture under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        let line = u64::from(f.span.line);
        listed.push(format!(
            "{file}:{line} {} {} (off by default)",
            f.function, f.rule.id
        ));
        found.insert(key(&expected, &file, line, f.rule.id, f.reached));
    }
    let missed: Vec<_> = expected.difference(&found).cloned().collect();
    let unexpected: Vec<_> = found.difference(&expected).cloned().collect();
    let any_error = findings.iter().any(|f| f["severity"] == "error");
    let expected_code = if any_error { 1 } else { 0 };
    assert_eq!(human_code, Some(expected_code), "exit code");

    let snapshot = format!(
        "exit: {}\n\n--- findings (json: file:line function rule)\n{}\n\n\
         --- against the //~ marks\nmissed: {:?}\nunexpected: {:?}\n\n--- human\n{}",
        human_code.unwrap_or(-1),
        listed.join("\n"),
        missed,
        unexpected,
        human
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_snapshot_path("snapshots");
    settings.set_description(format!("cargo-cancelsafe {dir}"));
    settings.bind(|| insta::assert_snapshot!(format!("fixtures__{case}"), snapshot));
}

macro_rules! cases {
    ($($rule:ident: [$($case:ident),* $(,)?]),* $(,)?) => {
        $($(
            #[test]
            fn $case() {
                check_case(stringify!($rule), stringify!($case));
            }
        )*)*

        /// Every `<rule>/<case>` folder has a test above, and vice versa (test names are
        /// unique, so snapshot names are too).
        #[test]
        fn every_case_folder_has_a_test() {
            let listed: BTreeSet<String> = [$($(concat!(stringify!($rule), "/", stringify!($case))),*),*]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let mut on_disk = BTreeSet::new();
            for rule in std::fs::read_dir(manifest_dir().join(FIXTURES)).expect("fixture dir") {
                let rule = rule.expect("entry").path();
                // Folders named after a rule hold its cases; `dependencies/` belongs to
                // tests/dependencies.rs.
                let name = rule.file_name().expect("name").to_string_lossy().into_owned();
                if cancelsafe_engine::rules::find(&name).is_none() {
                    continue;
                }
                for case in std::fs::read_dir(&rule).expect("rule dir") {
                    let case = case.expect("entry").file_name();
                    on_disk.insert(format!(
                        "{}/{}",
                        rule.file_name().expect("name").to_string_lossy(),
                        case.to_string_lossy()
                    ));
                }
            }
            assert_eq!(listed, on_disk);
        }
    };
}

cases!(
    unguarded_write_then_read: [
        helpers_two_levels,
        mutex_and_pool,
        actor_and_spawn,
        guards,
        generic_deferred,
        deref_and_aliases,
        select_branches,
        sites_races,
        sites_handlers,
        sites_tasks,
        enum_dispatch,
    ],
    cancel_unsafe_future_raced: [table_rows, wrappers_two_levels, pinned_outside_loop, race_constructs],
);
