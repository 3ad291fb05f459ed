//! The README's claims about the command line, run: its first screen (install with
//! `--locked`, the first build's time, the two commands, the second being what `.ci/run`
//! runs), every `cargo cancelsafe` command it shows (each run on a workspace with the
//! packages and features the examples name: clap and cargo's checks must accept it), every
//! flag it names in running text (each in `--help`, and each flag of `--help` in it), and
//! the outputs it quotes. And every other claim: `tests/readme-claims.md` names the test
//! running each (most are in the other test files), and the tests here check that table
//! against the README both ways; the claims no other test ran are run by the modules in
//! `tests/readme/`.
//!
//! One test runs `tests/redis.sh` and needs redis-server installed: run this file as
//! `tests/run.sh` does, `tests/redis.sh cargo test --test readme`.

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

#[path = "readme/reference.rs"]
mod reference;
#[path = "readme/scripts.rs"]
mod scripts;
#[path = "readme/settings.rs"]
mod settings;
#[path = "readme/snippets.rs"]
mod snippets;
