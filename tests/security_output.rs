//! Text from a hostile tree cannot forge output (issue 15): file names and code reach no
//! format with a control or bidirectional character, and start no line, so no CI log
//! runs a workflow command the tree wrote. The github format names the real files.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

const FORMATS: &[&str] = &["human", "json", "sarif", "github", "rustc-json"];

/// A workflow command hidden in a file name.
const INJECTED_NAME: &str = "a\n::error file=X,line=1::text\n.rs";

/// Workflow commands after blanks, where text wrapped at blanks would start a line.
const WRAPPED_NAME: &str =
    "b ::error file=Y,line=1::one ::error file=Y,line=1::two ::error file=Y,line=1::three.rs";

/// Terminal escapes and a right-to-left override, as a tree could write them.
const ESCAPES: &[&str] = &["\u{1b}]0;pwned\u{7}", "\u{1b}[5;7m", "\u{202e}", "\u{9b}2J"];

struct Run {
    code: Option<i32>,
    stdout: String,
}

/// `scan/` in a temp dir, holding `files`.
struct Scan {
    tmp: tempfile::TempDir,
}

impl Scan {
    fn new(files: &[(&str, String)]) -> Scan {
        let tmp = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let path = tmp.path().join("scan").join(name);
            std::fs::write(path_checked(&path), text).expect("write");
        }
        Scan { tmp }
    }

    fn run(&self, args: &[&str]) -> Run {
        let home = self.tmp.path().join("home");
        let out = common::cancelsafe_command()
            .args(args)
            .arg("scan")
            .current_dir(self.tmp.path())
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .output()
            .expect("run cargo-cancelsafe");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("output is UTF-8"),
        }
    }

    /// Every format's output, with `--color never` (and `always` for human).
    fn every_format(&self) -> Vec<(String, Run)> {
        let mut runs: Vec<(String, Run)> = FORMATS
            .iter()
            .map(|f| {
                (
                    f.to_string(),
                    self.run(&["--color", "never", "--format", f]),
                )
            })
            .collect();
        runs.push((
            "human --color always".into(),
            self.run(&["--color", "always"]),
        ));
        for (format, run) in &runs {
            assert_eq!(
                run.code,
                Some(1),
                "{format} exits on its finding:\n{}",
                run.stdout
            );
        }
        runs
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
}

fn path_checked(path: &Path) -> &Path {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    path
}

/// A property value as the runner decodes it.
fn decode_property(value: &str) -> String {
    value
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// The `file=` of a workflow command line, decoded.
fn annotated_file(line: &str) -> Option<String> {
    let props = line.split_once(' ')?.1.split_once("::")?.0;
    props
        .split(',')
        .find_map(|p| p.strip_prefix("file="))
        .map(decode_property)
}

/// The runner takes a line as a command when it starts with `::` once leading blanks are
/// trimmed. Only the github format's own annotations may, and they name real files.
fn assert_no_forged_command(format: &str, output: &str, scan: &Scan) {
    for line in output.lines() {
        if !line.trim_start().starts_with("::") {
            continue;
        }
        assert!(
            format == "github" && line.starts_with("::"),
            "{format}: a line of the tree's text is a workflow command: {line:?}"
        );
        let command = line[2..].split(' ').next().unwrap_or_default();
        assert!(
            ["error", "warning", "notice"].contains(&command),
            "{format}: unexpected command {line:?}"
        );
        if let Some(file) = annotated_file(line) {
            assert!(
                scan.path(&file).is_file(),
                "github annotates `{file}`, which is no file: {line:?}"
            );
        }
    }
}

#[test]
fn a_workflow_command_in_a_file_name_starts_no_line() {
    let scan = Scan::new(&[
        (INJECTED_NAME, common::ONE_FINDING.to_string()),
        (WRAPPED_NAME, common::ONE_FINDING.to_string()),
        ("back\\slash.rs", common::ONE_FINDING.to_string()),
        ("comma, colon: 100%.rs", common::ONE_FINDING.to_string()),
    ]);
    for (format, run) in scan.every_format() {
        assert_no_forged_command(&format, &run.stdout, &scan);
        if format == "json" {
            // The machine format names the files as they are.
            let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
            let mut files: Vec<&str> = report["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| f["file"].as_str().expect("file"))
                .collect();
            files.sort_unstable();
            let injected = format!("scan/{INJECTED_NAME}");
            let wrapped = format!("scan/{WRAPPED_NAME}");
            assert_eq!(
                files,
                vec![
                    &injected[..],
                    &wrapped[..],
                    "scan/back\\slash.rs",
                    "scan/comma, colon: 100%.rs"
                ]
            );
        }
        if format == "github" {
            let mut annotated: Vec<String> =
                run.stdout.lines().filter_map(annotated_file).collect();
            annotated.sort();
            let injected = format!("scan/{INJECTED_NAME}");
            let wrapped = format!("scan/{WRAPPED_NAME}");
            assert_eq!(
                annotated,
                vec![
                    &injected[..],
                    &wrapped[..],
                    "scan/back\\slash.rs",
                    "scan/comma, colon: 100%.rs"
                ],
                "the real files, line breaks and backslash and all:\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn escapes_and_bidi_characters_reach_no_output() {
    let name = format!("e{}vil{}.rs", ESCAPES[1], ESCAPES[2]);
    // The escapes sit in comments, a string literal and the lines miette shows.
    let code = common::ONE_FINDING
        .replace(
            "        self.stream.write_all",
            &format!(
                "        let _banner = \"{}\";\n        self.stream.write_all",
                ESCAPES.join("")
            ),
        )
        .replace(
            "    pub async fn get",
            &format!("    // {}\n    pub async fn get", ESCAPES.join(" ")),
        );
    let scan = Scan::new(&[(&name, code)]);
    for (format, run) in scan.every_format() {
        for escape in ESCAPES {
            assert!(
                !run.stdout.contains(escape),
                "{format} prints {escape:?}:\n{}",
                run.stdout
            );
        }
        assert!(!run.stdout.contains('\u{202e}'), "{format}");
        if !format.contains("always") {
            assert!(!run.stdout.contains('\u{1b}'), "{format} prints ESC");
        }
        assert_no_forged_command(&format, &run.stdout, &scan);
    }
}

#[test]
fn cargo_quoting_the_tree_forges_no_line_on_stderr() {
    // cargo's error on a broken manifest quotes the manifest's path and the offending line:
    // both come from the tree, and the tool passes cargo's message on.
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("w\n::error file=X,line=1::forged");
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    let manifest = dir.join("Cargo.toml");
    std::fs::write(
        &manifest,
        format!(
            "[package]\nname = \"w\"\nversion = \"0.1.0\"\n{} ::error file=Y::z\n",
            ESCAPES.join("")
        ),
    )
    .expect("write manifest");
    std::fs::write(dir.join("src/lib.rs"), "").expect("write lib");
    let home = tmp.path().join("home");
    let out = common::cancelsafe_command()
        .arg("--manifest-path")
        .arg(&manifest)
        .current_dir(tmp.path())
        .env("HOME", &home)
        .env("CARGO_HOME", home.join(".cargo"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .output()
        .expect("run cargo-cancelsafe");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cargo metadata"),
        "cargo's error is passed on: {stderr}"
    );
    for escape in ESCAPES {
        assert!(
            !stderr.contains(escape),
            "stderr prints {escape:?}:\n{stderr}"
        );
    }
    for line in stderr.lines() {
        assert!(
            !line.trim_start().starts_with("::"),
            "forged line {line:?} in:\n{stderr}"
        );
    }
}
