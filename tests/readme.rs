//! The README's claims about the command line, run: its first screen (install with
//! `--locked`, the first build's time, the two commands, the second being what `.ci/run`
//! runs), every `cargo cancelsafe` command it shows (each run on a workspace with the
//! packages and features the examples name: clap and cargo's checks must accept it), every
//! flag it names in running text (each in `--help`, and each flag of `--help` in it), and
//! the outputs it quotes.

mod common;

use std::path::{Path, PathBuf};

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

/// The fenced blocks of `text` with their info string (`sh`, `json`, or empty).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let fence = line.trim_start().strip_prefix("```");
        match (fence, current.take()) {
            (Some(_), Some(block)) => out.push(block),
            (Some(info), None) => current = Some((info.trim().to_string(), String::new())),
            (None, Some((info, mut body))) => {
                body.push_str(line.trim_start());
                body.push('\n');
                current = Some((info, body));
            }
            (None, None) => {}
        }
    }
    out
}

/// The `cargo cancelsafe ...` command lines of the README's shell blocks, without their
/// comments, as argument lists after `cancelsafe`.
fn commands(text: &str) -> Vec<Vec<String>> {
    blocks(text)
        .into_iter()
        .filter(|(info, _)| info == "sh")
        .flat_map(|(_, body)| {
            body.lines()
                .filter_map(|l| l.strip_prefix("cargo cancelsafe"))
                .map(|rest| {
                    let rest = rest.split(" #").next().unwrap_or(rest);
                    rest.split_whitespace().map(str::to_string).collect()
                })
                .collect::<Vec<Vec<String>>>()
        })
        .collect()
}

fn help() -> String {
    let out = common::cancelsafe_command()
        .arg("--help")
        .output()
        .expect("run --help");
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

#[test]
fn the_first_screen_installs_with_locked_and_shows_the_two_commands() {
    let text = readme();
    let first_screen: String = text.lines().take(30).collect::<Vec<_>>().join("\n");
    let install = first_screen
        .lines()
        .find(|l| l.starts_with("cargo install"))
        .expect("an install line on the first screen");
    assert!(install.contains("--locked"), "{install}");
    assert!(
        install.contains("first build takes about") && install.contains(" min"),
        "the first build's time: {install}"
    );
    let two = text
        .find("## The two commands")
        .expect("a `The two commands` section");
    assert!(
        text[..two].lines().count() < 20,
        "the two commands are on the first screen"
    );
    let (_, body) = blocks(&text[two..])
        .into_iter()
        .next()
        .expect("their block");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 2, "{body}");
    assert!(lines[0].starts_with("cargo run --release -- cancelsafe examples/"));
    assert!(lines[1].starts_with("tests/run.sh "));
    let ci = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run"))
        .expect(".ci/run");
    assert!(ci.lines().any(|l| l == "exec ./tests/run.sh"), "{ci}");
}

/// A workspace where the README's examples name real things: packages `foo` and `bar`, a
/// feature `x`, one finding in `foo`.
fn example_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = [
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"foo\", \"bar\"]\nresolver = \"2\"\n",
        ),
        (
            "foo/Cargo.toml",
            "[package]\nname = \"foo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
             [features]\nx = []\n",
        ),
        ("foo/src/lib.rs", common::ONE_FINDING),
        (
            "bar/Cargo.toml",
            "[package]\nname = \"bar\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("bar/src/lib.rs", "pub fn bar() {}\n"),
        ("src/lib.rs", ""),
        ("other/lib.rs", ""),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// What clap or cargo's checks say of arguments they refuse.
const REFUSALS: &[&str] = &[
    "unexpected argument",
    "invalid value",
    "required arguments were not provided",
    "cannot be used with",
    "a value is required",
    "did not match any packages",
    "does not contain this feature",
    "none of the selected packages",
    "unknown rule",
];

#[test]
fn every_command_the_readme_shows_runs() {
    let commands = commands(&readme());
    assert!(commands.len() >= 15, "{commands:?}");
    let ws = example_workspace();
    for args in commands {
        let out = common::cancelsafe_command()
            .arg("cancelsafe")
            .args(&args)
            .args(
                ["--no-deps", "--no-cache"]
                    .iter()
                    .filter(|_| !is_subcommand(&args)),
            )
            .current_dir(ws.path())
            .output()
            .expect("run cargo-cancelsafe");
        let stderr = String::from_utf8_lossy(&out.stderr);
        for refusal in REFUSALS {
            assert!(
                !stderr.contains(refusal),
                "`cargo cancelsafe {}`: {stderr}",
                args.join(" ")
            );
        }
        assert!(out.status.code().is_some(), "{args:?} crashed");
    }
}

fn is_subcommand(args: &[String]) -> bool {
    matches!(args.first().map(String::as_str), Some("rules" | "explain"))
}

/// Flags of other programs the README names, and the file that defines each.
const OTHER_PROGRAMS: &[(&str, &str)] = &[("--seed-doc", "examples/incident.sh")];

#[test]
fn every_flag_the_readme_names_is_in_the_help() {
    let text = readme();
    let help = help();
    let mut named = Vec::new();
    let mut rest = text.as_str();
    // Code spans in running text: `--flag`, `--flag VALUE`, `-p`.
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else { break };
        let span = &after[..close];
        if span.starts_with('-') && !span.contains('\n') {
            named.push(span.split([' ', '=']).next().unwrap_or(span).to_string());
        }
        rest = &after[close + 1..];
    }
    assert!(named.len() >= 20, "{named:?}");
    for flag in named {
        if let Some((_, file)) = OTHER_PROGRAMS.iter().find(|(f, _)| *f == flag) {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file);
            let source = std::fs::read_to_string(&path).expect("the other program");
            assert!(source.contains(&flag), "{flag} in {file}");
            continue;
        }
        assert!(
            mentions(&help, &flag),
            "README names `{flag}`, which `--help` does not list"
        );
    }
}

/// Whether `text` names `flag` whole (`--test` is not in `--tests`).
fn mentions(text: &str, flag: &str) -> bool {
    text.match_indices(flag).any(|(at, _)| {
        let next = text[at + flag.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '-')
    })
}

/// The diagnostic the README quotes is the one `tests/dependencies.rs` asserts for the
/// incident's fixture (its snapshot is the binary's output on it).
#[test]
fn the_quoted_dependency_finding_is_what_the_binary_reports() {
    let text = readme();
    let quote = blocks(&text)
        .into_iter()
        .find(|(info, body)| info.is_empty() && body.starts_with('×'))
        .expect("a quoted finding");
    let message: String = quote
        .1
        .lines()
        .map(|l| l.trim_start_matches(['×', '│']).trim())
        .collect::<Vec<_>>()
        .join(" ");
    let snapshot = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "tests/snapshots/dependencies__races_of_a_dependency_exchange_are_reported_at_the_applications_sites.snap",
        ),
    )
    .expect("the snapshot");
    assert!(
        snapshot.contains(&message),
        "`{message}` not in the snapshot"
    );
}

/// The `-v` line the README quotes is what the binary prints on the fixture it names.
#[test]
fn the_quoted_verbose_line_is_what_the_binary_prints() {
    let text = readme();
    let at = text
        .find("`cancelsafe: dependency crates read: ")
        .expect("a quoted -v line");
    let quoted = text[at + 1..].split('`').next().expect("its end");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dependencies/redis_connection");
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("app");
    std::fs::create_dir_all(root.join("src")).unwrap();
    for file in ["Cargo.toml", "Cargo.lock", "src/lib.rs"] {
        std::fs::copy(fixture.join(file), root.join(file)).unwrap();
    }
    let out = common::cancelsafe_command()
        .args(["--fetch", "-v", "--format", "json"])
        .current_dir(&root)
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .output()
        .expect("run cargo-cancelsafe");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.lines().any(|l| l == quoted),
        "README quotes `{quoted}`; the binary printed:\n{stderr}"
    );
}

/// The converse: every flag `--help` lists is named in the README (long or short form).
#[test]
fn every_flag_in_the_help_is_in_the_readme() {
    let text = readme();
    let help = help();
    let mut missing = Vec::new();
    for line in help.lines().map(str::trim_start) {
        if !line.starts_with('-') {
            continue;
        }
        // `-p, --package <SPEC>` or `--workspace`
        let forms: Vec<&str> = line
            .split([',', ' '])
            .filter(|w| w.starts_with('-'))
            .collect();
        if forms
            .iter()
            .any(|f| matches!(*f, "--help" | "-h" | "--version" | "-V"))
        {
            continue;
        }
        if !forms.iter().any(|f| mentions(&text, f)) {
            missing.push(line.to_string());
        }
    }
    assert!(missing.is_empty(), "not in the README: {missing:?}");
}

#[path = "readme/claims.rs"]
mod claims;

use claims::{Run, CLAIMS_FILE};

/// Each row of `tests/readme-claims.md` quotes the README, and what it names runs: a test
/// fn that exists, a case file, or a measuring command of this checkout.
#[test]
fn every_listed_claim_is_in_the_readme_and_names_what_runs_it() {
    let readme = claims::normalise(&readme());
    let claims = claims::claims();
    assert!(claims.len() >= 100, "{} claims", claims.len());
    let mut wrong = Vec::new();
    for claim in &claims {
        if !readme.contains(&claim.quote) {
            wrong.push(format!("not in README.md: {}", claim.quote));
        }
        wrong.extend(claim.runs.iter().filter_map(claims::broken));
    }
    assert!(wrong.is_empty(), "{CLAIMS_FILE}:\n{}", wrong.join("\n"));
}

/// The converse, so a claim added to the README needs its test: every paragraph, list
/// item, table row, command line and quoted block states a claim the table lists.
#[test]
fn every_part_of_the_readme_has_a_listed_claim() {
    let claims = claims::claims();
    let unlisted: Vec<String> = claims::parts(&readme())
        .into_iter()
        .filter(|part| !claims.iter().any(|c| part.text.contains(&c.quote)))
        .map(|part| format!("[{}] {}", part.section, part.text))
        .collect();
    assert!(
        unlisted.is_empty(),
        "README parts with no claim in {CLAIMS_FILE}:\n{}",
        unlisted.join("\n")
    );
}

/// A figure a test cannot reproduce (a build's time, the labelled crates of
/// `../shared`, the bench corpus) is a measurement: the part stating it, or the one
/// introducing it in its section, names the command and the date it was run.
#[test]
fn every_measured_figure_names_its_command_and_date() {
    let parts = claims::parts(&readme());
    let mut wrong = Vec::new();
    for claim in claims::claims() {
        for run in &claim.runs {
            let Run::Measured(command) = run else {
                continue;
            };
            let Some(at) = parts.iter().position(|p| p.text.contains(&claim.quote)) else {
                continue; // the test above reports it
            };
            let named = parts[..=at]
                .iter()
                .rev()
                .take_while(|p| p.section == parts[at].section)
                .any(|p| p.text.contains(command.as_str()) && claims::has_date(&p.text));
            if !named {
                wrong.push(format!("`{}`: no `{command}` with a date", claim.quote));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

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

/// Four client libraries outside every list: the README's "2 of 10 findings are true" is
/// the count of their judged rows.
#[test]
fn the_judged_findings_on_outside_libraries_are_counted_as_the_readme_says() {
    assert!(readme().contains("2 of 10 findings are true"));
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
    assert_eq!(verdicts.iter().filter(|v| **v == "true").count(), 2);
}

#[path = "readme/snippets.rs"]
mod snippets;

/// The README's Rust blocks are the ones `tests/readme/snippets.rs` compiles, word for word.
#[test]
fn every_rust_snippet_of_the_readme_compiles() {
    let shown: Vec<String> = blocks(&readme())
        .into_iter()
        .filter(|(info, _)| info == "rust")
        .map(|(_, body)| body.trim_end().to_string())
        .collect();
    assert_eq!(shown, snippets::snippets());
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

/// Code on which each key of the README's settings block has an effect of its own.
const SETTINGS_CASES: &[(&str, &str)] = &[
    (
        "src/handle.rs",
        r#"pub struct Handle {
    h: RedisHandle,
}

impl Handle {
    pub async fn call(&mut self) -> u8 {
        self.h.send_command(b"CALL").await;
        self.h.read_reply_frame().await
    }

    #[tracked_exchange]
    pub async fn tracked(&mut self) -> u8 {
        self.h.send_command(b"TRACKED").await;
        self.h.read_reply_frame().await
    }

    pub async fn on_guard(&mut self) -> u8 {
        let _guard = on_cancel(|| ());
        self.h.send_command(b"GUARDED").await;
        self.h.read_reply_frame().await
    }
}

pub async fn by_value(mut h: RedisHandle) -> u8 {
    h.send_command(b"BY_VALUE").await;
    h.read_reply_frame().await
}
"#,
    ),
    (
        "src/race.rs",
        r#"use tokio::io::AsyncReadExt;

pub async fn run(sock: &mut tokio::net::TcpStream, stop: &mut tokio::sync::mpsc::Receiver<()>) {
    let mut len = [0u8; 4];
    loop {
        tokio::select! {
            _ = sock.read_exact(&mut len) => {}
            _ = stop.recv() => return,
        }
    }
}

// cancelsafe: allow(CS001) -- nothing here to allow: reported as unused, a warning
pub fn nothing() {}
"#,
    ),
    ("tests/fixtures/conn.rs", common::ONE_FINDING),
];

/// `(rule, function, severity)` of each finding with `settings` as `cancelsafe.toml`.
fn findings_with_settings(settings: &str) -> Vec<(String, String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in SETTINGS_CASES
        .iter()
        .copied()
        .chain([("cancelsafe.toml", settings)])
    {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = common::cancelsafe_command()
        .args(["--format", "json", "--no-cache", "--no-deps", "."])
        .current_dir(dir.path())
        .output()
        .expect("run cargo-cancelsafe");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let field = |f: &serde_json::Value, k: &str| f[k].as_str().unwrap_or_default().to_string();
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (field(f, "rule"), field(f, "function"), field(f, "severity")))
        .collect()
}

/// The README's settings block, less the lines setting `keys`.
fn settings_without(block: &str, keys: &[&str]) -> String {
    block
        .lines()
        .filter(|l| !keys.iter().any(|k| l.starts_with(&format!("{k} ="))))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// What a key of the README's settings block does, shown by the finding it changes.
struct Effect {
    key: &'static str,
    /// A key left out of both runs (its effect would hide this one's).
    also_left_out: Option<&'static str>,
    rule: &'static str,
    function: &'static str,
    /// The finding's severity with the key and without it ("" for no such finding).
    with: &'static str,
    without: &'static str,
}

const SETTINGS_EFFECTS: &[Effect] = &[
    Effect {
        key: "warnings",
        also_left_out: None,
        rule: "unused_suppression",
        function: "nothing",
        with: "error",
        without: "warning",
    },
    Effect {
        key: "exclude",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "Conn::get",
        with: "",
        without: "error",
    },
    Effect {
        key: "level",
        also_left_out: Some("warnings"),
        rule: "cancel_unsafe_future_raced",
        function: "run",
        with: "warning",
        without: "error",
    },
    Effect {
        key: "write-methods",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "Handle::call",
        with: "error",
        without: "",
    },
    Effect {
        key: "read-methods",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "Handle::call",
        with: "error",
        without: "",
    },
    Effect {
        key: "stream-types",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "by_value",
        with: "error",
        without: "",
    },
    Effect {
        key: "guard-attributes",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "Handle::tracked",
        with: "",
        without: "error",
    },
    Effect {
        key: "guard-functions",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "Handle::on_guard",
        with: "",
        without: "error",
    },
];

/// The README's settings block, used as `cancelsafe.toml`: each key it sets has the effect
/// its comment or docs/config.md gives, and a rule is named by id or code.
#[test]
fn each_key_of_the_readmes_settings_block_takes_effect() {
    let text = readme();
    let block = text
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a toml block");
    let keys: Vec<&str> = block
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        .collect();
    let explained: Vec<&str> = SETTINGS_EFFECTS.iter().map(|e| e.key).collect();
    assert_eq!(
        keys, explained,
        "each key of the block has its effect checked"
    );
    let severity = |settings: &str, (rule, function): (&str, &str)| {
        findings_with_settings(settings)
            .into_iter()
            .find(|(r, f, _)| r == rule && f == function)
            .map(|(_, _, severity)| severity)
            .unwrap_or_default()
    };
    for effect in SETTINGS_EFFECTS {
        let both: Vec<&str> = effect.also_left_out.into_iter().collect();
        let kept = settings_without(block, &both);
        let dropped = settings_without(block, &[&both[..], &[effect.key]].concat());
        let finding = (effect.rule, effect.function);
        let key = effect.key;
        assert_eq!(
            severity(&kept, finding),
            effect.with,
            "{key}: {finding:?} with it"
        );
        assert_eq!(
            severity(&dropped, finding),
            effect.without,
            "{key}: {finding:?} without it"
        );
    }
    // `# rule id or code`
    let by_code = settings_without(block, &["warnings"])
        .replace("[rules.cancel_unsafe_future_raced]", "[rules.CS002]");
    assert_ne!(by_code, settings_without(block, &["warnings"]));
    assert_eq!(
        severity(&by_code, ("cancel_unsafe_future_raced", "run")),
        "warning"
    );
}
