//! The README's reference parts, run: the rules table, the JSON fields, the exit codes,
//! the suppression forms, the timings, the layout, the judged libraries, the pre-commit
//! snippet.

use crate::{claims, common, readme};

/// The rules table is `cargo cancelsafe rules`, row by row: id, its doc file, code and
/// default level.
#[test]
fn the_rules_table_is_the_binarys_rule_list() {
    let out = common::cancelsafe_command()
        .args(["cancelsafe", "rules"])
        .output()
        .expect("run rules");
    let listed: Vec<Vec<String>> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().take(3).map(str::to_string).collect())
        .collect();
    let text = readme();
    let table: Vec<Vec<String>> = text
        .lines()
        .filter(|l| l.starts_with("| [`"))
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
            let (id, link) = cells[0]
                .trim_start_matches("[`")
                .split_once("`](")
                .expect("[`id`](link)");
            assert_eq!(link, format!("lints/{id}.md)"), "{row}");
            assert!(
                claims::root().join(&link[..link.len() - 1]).is_file(),
                "{row}"
            );
            let level = cells[2].split_whitespace().next().unwrap_or_default();
            vec![id.to_string(), cells[1].to_string(), level.to_string()]
        })
        .collect();
    assert_eq!(table, listed);
}

/// The JSON object's keys, and each finding's and label's, in the README's order.
#[test]
fn the_json_fields_the_readme_lists_are_the_ones_printed() {
    let text = claims::normalise(&readme());
    let between = |start: &str| {
        let at = text.find(start).expect(start) + start.len();
        text[at..]
            .split('`')
            .next()
            .expect("closing backtick")
            .to_string()
    };
    let keys = |object: &str| -> Vec<String> {
        object
            .split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let top = between("prints one object, stable and byte-identical across runs: `");
    let finding = between("with each finding `");
    let (finding_keys, label_keys) = finding.split_once("[{").expect("labels' keys");
    let (label_keys, after) = label_keys.split_once("}]").expect("labels' end");

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("conn.rs"), common::ONE_FINDING).unwrap();
    let out = common::cancelsafe_command()
        .args(["--format", "json", "--no-cache", "conn.rs"])
        .current_dir(dir.path())
        .output()
        .expect("run cargo-cancelsafe");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_object().expect("object").keys().cloned().collect()
    };
    assert_eq!(keys(&top), names(&report));
    assert_eq!(report["version"], 1, "the README says version 1");
    let printed = &report["findings"][0];
    assert_eq!(
        [keys(finding_keys), keys(after)].concat(),
        names(printed),
        "finding keys"
    );
    assert_eq!(keys(label_keys), names(&printed["labels"][0]), "label keys");
}

/// Each cause the exit-code table gives, run: the code the binary returns for it.
#[test]
fn every_exit_code_the_readme_gives_is_what_the_binary_returns() {
    let text = readme();
    let row = |code: u8| {
        text.lines()
            .find(|l| l.starts_with(&format!("| {code} |")))
            .unwrap_or_else(|| panic!("a row for exit code {code}"))
            .to_string()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let files = [
        ("clean/lib.rs", "pub async fn f() {}\n"),
        ("finding/conn.rs", common::ONE_FINDING),
        ("unparsable/lib.rs", "fn (\n"),
        ("empty/notes.txt", "no Rust here\n"),
        ("bad.toml", "no_such_key = 1\n"),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    // (code, the README's words for the cause, arguments)
    let cases: &[(u8, &str, &[&str])] = &[
        (0, "no finding at error level", &["clean"]),
        (1, "at least one finding at error level", &["finding"]),
        (
            1,
            "a file that could not be analysed is one",
            &["unparsable"],
        ),
        (2, "bad arguments", &["--no-such-flag", "clean"]),
        (2, "or settings", &["--config", "bad.toml", "clean"]),
        (2, "a path that does not exist", &["no-such-folder"]),
        (2, "no Rust file found", &["empty"]),
        (
            2,
            "an unreadable baseline",
            &["--baseline", "no-such.json", "clean"],
        ),
        (
            2,
            "git failing for `--diff-base`",
            &["--diff-base", "HEAD", "clean"],
        ),
    ];
    for (code, cause, args) in cases {
        assert!(row(*code).contains(cause), "`{cause}` in {}", row(*code));
        let out = common::cancelsafe_command()
            .args(["--no-cache", "--no-deps"])
            .args(*args)
            .current_dir(dir.path())
            // No repository above the temp dir: `--diff-base` has one to fail in.
            .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
            .output()
            .expect("run cargo-cancelsafe");
        assert_eq!(
            out.status.code(),
            Some(i32::from(*code)),
            "{cause}: {args:?}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The suppression forms, as the README says, on stable Rust: the `cfg_attr` form builds,
/// `#[allow(cancelsafe::...)]` does not (E0710, an unknown tool).
#[test]
fn the_cfg_attr_suppression_builds_and_a_tool_allow_does_not() {
    let text = claims::normalise(&readme());
    let form = "#[cfg_attr(any(), cancelsafe::allow(CS001, reason = \"...\"))]";
    assert!(text.contains(form) && text.contains("does not build: E0710"));
    let dir = tempfile::tempdir().expect("temp dir");
    let build = |name: &str, attr: &str| {
        let file = dir.path().join(format!("{name}.rs"));
        std::fs::write(&file, format!("{attr}\npub fn f() {{}}\n")).unwrap();
        std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .args([
                "--edition",
                "2021",
                "--crate-type",
                "lib",
                "--emit",
                "metadata",
            ])
            .arg("--out-dir")
            .arg(dir.path())
            .arg(&file)
            .output()
            .expect("run rustc")
    };
    let kept = build("kept", form);
    assert!(
        kept.status.success(),
        "{}",
        String::from_utf8_lossy(&kept.stderr)
    );
    let refused = build("refused", "#[allow(cancelsafe::unguarded_write_then_read)]");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("E0710"));
}

/// `CANCELSAFE_TIMINGS=1` prints the phases on stderr, and nothing without it.
#[test]
fn timings_print_the_phases_on_stderr() {
    assert!(readme().contains("`CANCELSAFE_TIMINGS=1` prints where a run's time goes"));
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("conn.rs"), common::ONE_FINDING).unwrap();
    let run = |timings: bool| {
        let mut cmd = common::cancelsafe_command();
        cmd.args(["--no-cache", "--format", "json", "conn.rs"])
            .current_dir(dir.path());
        if timings {
            cmd.env("CANCELSAFE_TIMINGS", "1");
        }
        let out = cmd.output().expect("run cargo-cancelsafe");
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.starts_with("timing: "))
            .count()
    };
    assert!(run(true) >= 3, "a line per phase");
    assert_eq!(run(false), 0);
}

/// The layout names each package's folder and its package name as its manifest does.
#[test]
fn the_layout_names_each_packages_folder() {
    let text = claims::normalise(&readme());
    let layout = &text[text.find("## Layout").expect("a Layout section")..];
    for (folder, package) in [
        ("", "cargo-cancelsafe"),
        ("macros/", "cancelsafe-macros"),
        ("guard/", "cancelsafe"),
    ] {
        let manifest: toml::Table =
            std::fs::read_to_string(claims::root().join(folder).join("Cargo.toml"))
                .expect("manifest")
                .parse()
                .expect("TOML");
        assert_eq!(manifest["package"]["name"].as_str(), Some(package));
        let shown = if folder.is_empty() { "src/" } else { folder };
        assert!(
            layout.contains(&format!("`{shown}`")) && layout.contains(&format!("`{package}`")),
            "{shown} ({package})"
        );
    }
    for folder in ["lints", "tests", "examples"] {
        assert!(claims::root().join(folder).is_dir(), "{folder}/");
    }
    assert!(claims::root().join("ARCHITECTURE.md").is_file());
}

/// Four client libraries outside every list: the README's figures (both current findings
/// true, 8 false ones gone) are what their judged rows say.
#[test]
fn the_judged_findings_on_outside_libraries_are_counted_as_the_readme_says() {
    let text = readme().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("both findings are true (rumqttc's `recv_timeout`, v4 and v5;"));
    assert!(text.contains("the 8 false ones seen before are gone"));
    let judged = std::fs::read_to_string(claims::root().join("tests/realworld/judged.tsv"))
        .expect("judged.tsv");
    let libraries = [
        "async-nats-0.38.",
        "rumqttc-0.24.",
        "redis-async-0.17.",
        "lapin-2.5.",
    ];
    let verdicts: Vec<&str> = judged
        .lines()
        .filter(|l| libraries.iter().any(|lib| l.starts_with(lib)))
        .map(|l| l.split('\t').nth(5).expect("a verdict column"))
        .collect();
    assert_eq!(verdicts.len(), 10, "{verdicts:?}");
    assert_eq!(verdicts.iter().filter(|v| **v == "false").count(), 8);
    let true_ones: Vec<&str> = judged
        .lines()
        .filter(|l| libraries.iter().any(|lib| l.starts_with(lib)) && l.contains("\ttrue\t"))
        .map(|l| l.split('\t').nth(3).expect("a function column"))
        .collect();
    assert_eq!(true_ones, ["Connection::recv_timeout"; 2]);
}

/// The pre-commit configuration the README shows names the hook this repository defines,
/// and its `repo` is the manifest's repository.
#[test]
fn the_pre_commit_snippet_names_the_defined_hook() {
    // The block as written, less its fence's indent (`blocks` trims every line).
    let text = readme();
    let fence = text
        .lines()
        .find(|l| l.trim_start() == "```yaml")
        .expect("a yaml block");
    let indent = fence.len() - fence.trim_start().len();
    let shown: String = text
        .lines()
        .skip_while(|l| *l != fence)
        .skip(1)
        .take_while(|l| l.trim_start() != "```")
        .map(|l| format!("{}\n", l.get(indent..).unwrap_or_default()))
        .collect();
    let shown: serde_norway::Value = serde_norway::from_str(&shown).expect("YAML");
    let defined: serde_norway::Value = serde_norway::from_str(
        &std::fs::read_to_string(claims::root().join(".pre-commit-hooks.yaml"))
            .expect(".pre-commit-hooks.yaml"),
    )
    .expect("YAML");
    assert_eq!(shown[0]["hooks"][0]["id"], defined[0]["id"]);
    let manifest: toml::Table = std::fs::read_to_string(claims::root().join("Cargo.toml"))
        .expect("manifest")
        .parse()
        .expect("TOML");
    assert_eq!(
        shown[0]["repo"].as_str(),
        manifest["workspace"]["package"]["repository"].as_str()
    );
}
