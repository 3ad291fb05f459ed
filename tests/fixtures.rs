//! Interprocedural, multi-file cases, one folder each under
//! `tests/fixtures/<rule id>/<case>/src/`.
//!
//! Each case mixes functions that must be flagged with functions that must not; the line a
//! finding starts on carries a `//~` mark (`tests/common/marks.rs` has the syntax: `//~ id`,
//! several ids separated by spaces, `//~^ id` for the line above, `id:reached` /
//! `id:unreached` to check whether a cancellation site in the case reaches the finding,
//! `//~ gap(id): why` for a finding the engine misses, `//~ false(id): why` for one it makes
//! wrongly). Every rule runs, so a case also marks what other rules must say about it (an
//! exchange raced in `select!` is also `cancel_unsafe_future_raced`); rules that are off by
//! default are asked of the engine API. The findings must match the marks: an assertion,
//! whatever the snapshots say. The binary is run on the case folder and one snapshot per
//! case records what a user sees (exit code and human output).

mod common;
#[path = "common/marks.rs"]
mod marks;

use std::collections::BTreeSet;

use marks::manifest_dir;

const FIXTURES: &str = "tests/fixtures";

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
    let mut found = Vec::new();
    for f in findings {
        found.push(marks::Found {
            place: marks::Place {
                file: f["file"].as_str().expect("file").replace('\\', "/"),
                line: f["line"].as_u64().expect("line") as usize,
                rule: f["rule"].as_str().expect("rule").to_string(),
            },
            reached: f["reached"].as_bool(),
        });
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
        found.push(marks::Found {
            place: marks::Place {
                file: marks::relative(&f.file),
                line: f.span.line as usize,
                rule: f.rule.id.to_string(),
            },
            reached: f.reached,
        });
    }
    marks::assert_agree(&dir, &marks::dir_marks(&manifest_dir().join(&dir)), &found);

    let any_error = findings.iter().any(|f| f["severity"] == "error");
    let expected_code = if any_error { 1 } else { 0 };
    assert_eq!(human_code, Some(expected_code), "exit code");

    let snapshot = format!("exit: {}\n\n--- human\n{}", human_code.unwrap_or(-1), human);
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
        views_and_dyn,
        typed_receivers,
        private_modules,
        module_scope,
        pool_guard_projection,
        type_paths,
    ],
    cancel_unsafe_future_raced: [table_rows, wrappers_two_levels, pinned_outside_loop, race_constructs, guard_wrapper],
);
