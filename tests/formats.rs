//! Every `--format` on one small cargo package with findings (one through a helper, with a
//! multibyte character before it on the line, one at warning level) and a file that does
//! not parse: SARIF checked against the 2.1.0 schema, GitHub escaping, rustc-json line
//! shapes, and no ANSI in human output unless colour is asked for. Then the example CI
//! workflow and the pre-commit hook: each YAML is parsed and its command line run.
//!
//! Each run happens inside a fresh temp copy of the package, with relative paths, so the
//! output does not depend on where the temp dir lives; `[TMP]` replaces it where it still
//! shows (cargo package ids).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const MANIFEST: &str =
    "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n";

/// `Conn::get` (CS001, error) at 12:20 after `/* café */`, `forward` (CS002, warning) at 24.
const LIB: &str = r#"use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{Receiver, Sender};

pub struct Conn {
    stream: TcpStream,
}

impl Conn {
    /// The request goes through a helper, the reply is read here.
    pub async fn get(&mut self, key: &str) -> std::io::Result<u8> {
        /* café */ self.send(key.as_bytes()).await?;
        self.stream.read_u8().await
    }

    async fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await
    }
}

/// A send raced against shutdown loses the item when shutdown wins.
pub async fn forward(tx: &Sender<u8>, stop: &mut Receiver<()>) {
    tokio::select! {
        _ = tx.send(1) => {}
        _ = stop.recv() => {}
    }
}
"#;

const BROKEN: &str = "fn f() {\n    let x = ;\n}\n";

const CLEAN: &str = "pub async fn fetch(addr: &str) -> std::io::Result<u8> {\n    \
    use tokio::io::{AsyncReadExt, AsyncWriteExt};\n    \
    let mut s = tokio::net::TcpStream::connect(addr).await?;\n    \
    s.write_all(b\"GET\").await?;\n    s.read_u8().await\n}\n";

/// A cargo package in a temp dir.
struct Package {
    dir: tempfile::TempDir,
}

impl Package {
    fn new(files: &[(&str, &str)]) -> Package {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in [("Cargo.toml", MANIFEST)].iter().chain(files) {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write fixture");
        }
        Package { dir }
    }

    /// The findings package: `src/lib.rs` and `src/broken.rs`.
    fn demo() -> Package {
        Package::new(&[("src/lib.rs", LIB), ("src/broken.rs", BROKEN)])
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs the binary inside the package.
    fn run(&self, args: &[&str]) -> Run {
        let mut cmd = common::cancelsafe_command();
        cmd.args(args);
        self.run_command(cmd)
    }

    fn run_command(&self, mut cmd: Command) -> Run {
        let out = cmd.current_dir(self.path()).output().expect("run command");
        let redact = |bytes: Vec<u8>| {
            let text = String::from_utf8(bytes).expect("output is UTF-8");
            let canonical = self.path().canonicalize().expect("canonical temp dir");
            text.replace(&*canonical.to_string_lossy(), "[TMP]")
                .replace(&*self.path().to_string_lossy(), "[TMP]")
        };
        Run {
            code: out.status.code(),
            stdout: redact(out.stdout),
            stderr: redact(out.stderr),
        }
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(format!("formats__{name}"), text);
    });
}

fn sarif_validator() -> jsonschema::Validator {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("read SARIF schema"))
            .expect("schema is JSON");
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("SARIF schema compiles")
}

/// Panics with every schema violation of `log`.
fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let problems: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        problems.is_empty(),
        "SARIF schema violations:\n{problems:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// SARIF

#[test]
fn sarif_is_valid_and_complete() {
    let pkg = Package::demo();
    let run = pkg.run(&["--format", "sarif", "src"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let log = run.json();
    assert_valid_sarif(&log);

    let sarif_run = &log["runs"][0];
    let rules = sarif_run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert_eq!(rules.len(), cancelsafe_engine::RULES.len());
    for (rule, engine_rule) in rules.iter().zip(cancelsafe_engine::RULES) {
        assert_eq!(rule["id"], engine_rule.code);
        assert_eq!(rule["helpUri"], engine_rule.url());
        assert_eq!(rule["help"]["markdown"], engine_rule.docs);
    }

    let results = sarif_run["results"].as_array().expect("results");
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    // The file that does not parse is a finding too (`unanalysed_file`), sorted first.
    assert_eq!(ids, ["CS200", "CS001", "CS002"]);
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["error", "error", "warning"]);
    let get = &results[1];
    let location = &get["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/lib.rs");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 12);
    assert_eq!(
        location["region"]["startColumn"], 20,
        "a character column after `é`"
    );
    let related = &get["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["region"]["startLine"], 13,
        "the read"
    );
    let flow = get["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .expect("flow");
    assert_eq!(flow.len(), 2, "the write, then the read");
    assert!(get["partialFingerprints"]["cancelsafe/v1"].is_string());

    let invocation = &sarif_run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["descriptor"]["id"], "syntax_error");
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );

    // The docs of each rule are checked above; the snapshot shows the rest.
    let mut shown = log.clone();
    for rule in shown["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        rule["help"]["text"] = Value::String("[rule docs]".into());
        rule["help"]["markdown"] = Value::String("[rule docs]".into());
        rule["fullDescription"]["text"] = Value::String("[What it does]".into());
    }
    snapshot("sarif", &serde_json::to_string_pretty(&shown).unwrap());
}

/// The validator really checks: a result without its required `message` is refused.
#[test]
fn sarif_schema_rejects_a_result_without_message() {
    let log = serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": "x" } }, "results": [{ "ruleId": "CS001" }] }],
    });
    assert!(!sarif_validator().is_valid(&log));
}

#[test]
fn sarif_without_findings_or_errors_is_valid() {
    let pkg = Package::new(&[("src/lib.rs", CLEAN)]);
    let run = pkg.run(&["--format", "sarif", "src"]);
    assert_eq!(run.code, Some(0));
    let log = run.json();
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

#[test]
fn sarif_fingerprints_survive_a_line_shift() {
    let pkg = Package::demo();
    let before = pkg.run(&["--format", "sarif", "src"]).json();
    std::fs::write(pkg.path().join("src/lib.rs"), format!("\n\n{LIB}")).unwrap();
    let after = pkg.run(&["--format", "sarif", "src"]).json();
    let lines_and_prints = |log: &Value| -> Vec<(Value, Value)> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
                    r["partialFingerprints"].clone(),
                )
            })
            .collect()
    };
    let (before, after) = (lines_and_prints(&before), lines_and_prints(&after));
    // The first is `src/broken.rs`'s `unanalysed_file`; that file did not move.
    let (before, after) = (&before[1..], &after[1..]);
    assert_eq!(before.len(), 2);
    for ((line_before, print_before), (line_after, print_after)) in before.iter().zip(after) {
        assert_eq!(line_after.as_u64(), line_before.as_u64().map(|l| l + 2));
        assert_eq!(print_before, print_after);
    }
}

#[test]
fn sarif_uris_of_odd_file_names_are_valid() {
    let pkg = Package::new(&[("src/odd name,100%:x.rs", LIB)]);
    let log = pkg.run(&["--format", "sarif", "src"]).json();
    assert_valid_sarif(&log);
    let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "src/odd%20name%2C100%25%3Ax.rs");
}

// ---------------------------------------------------------------------------------------
// GitHub workflow commands

#[test]
fn github_commands_for_findings_and_errors() {
    let pkg = Package::demo();
    let run = pkg.run(&["--format", "github", "src"]);
    assert_eq!(run.code, Some(1));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        4,
        "one line per finding and error:\n{}",
        run.stdout
    );
    assert!(lines[0].starts_with(
        "::error file=src/broken.rs,line=2,endLine=2,col=13,endColumn=14,title=cancelsafe%3A%3Aunanalysed_file (CS200)::"
    ));
    assert!(lines[1].starts_with(
        "::error file=src/lib.rs,line=12,endLine=12,col=20,endColumn=51,title=cancelsafe%3A%3Aunguarded_write_then_read (CS001)::"
    ));
    assert!(lines[2].starts_with("::warning file=src/lib.rs,line=24,"));
    assert!(lines[3].starts_with(
        "::error file=src/broken.rs,line=2,endLine=2,col=13,endColumn=14,title=cancelsafe%3A%3Asyntax_error::"
    ));
    assert!(
        lines[1].contains("%0Asrc/lib.rs:13:9: reply awaited here"),
        "the read is listed"
    );
    snapshot("github", &run.stdout);
}

#[test]
fn github_escapes_properties_and_data() {
    let pkg = Package::new(&[("src/a,b:100%.rs", LIB)]);
    let run = pkg.run(&["--format", "github", "src"]);
    let first = run.stdout.lines().next().expect("a line");
    assert!(
        first.starts_with("::error file=src/a%2Cb%3A100%25.rs,line=12,"),
        "{first}"
    );
    let (_, message) = first.split_once("::").unwrap().1.split_once("::").unwrap();
    assert!(!message.contains('\n') && message.contains("%0Ahelp: "));
    assert!(
        message.contains("`cancel: cancelsafe::CancelState`"),
        "`:` stays as is in the message: {message}"
    );
    assert!(message.contains("src/a,b:100%25.rs:13:9"), "{message}");
}

// ---------------------------------------------------------------------------------------
// rustc-json / --message-format=json

#[test]
fn rustc_json_lines_are_cargo_messages() {
    let pkg = Package::demo();
    let run = pkg.run(&["--message-format=json", "src"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stdout,
        pkg.run(&["--format", "rustc-json", "src"]).stdout
    );
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let reasons: Vec<&str> = lines
        .iter()
        .map(|l| l["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "compiler-message",
            "compiler-message",
            "compiler-message",
            "compiler-message",
            "build-finished"
        ]
    );
    assert_eq!(lines[4]["success"], false);
    for line in &lines[..4] {
        assert_eq!(
            line["package_id"].as_str().map(|id| id.contains("demo")),
            Some(true)
        );
        assert_eq!(line["manifest_path"], "[TMP]/Cargo.toml");
        assert_eq!(line["target"]["name"], "demo");
        assert_eq!(line["target"]["kind"][0], "lib");
        assert_eq!(line["message"]["$message_type"], "diagnostic");
    }
    let levels: Vec<&str> = lines[..4]
        .iter()
        .map(|l| l["message"]["level"].as_str().unwrap())
        .collect();
    // `src/broken.rs`'s `unanalysed_file` first, then `src/lib.rs`'s, then the error entry.
    assert_eq!(levels, ["error", "error", "warning", "error"]);

    let get = &lines[1]["message"];
    assert_eq!(get["code"]["code"], "cancelsafe::unguarded_write_then_read");
    assert_eq!(
        get["code"]["explanation"],
        cancelsafe_engine::rules::find("CS001").unwrap().docs
    );
    assert_eq!(get["children"][0]["level"], "help");
    assert!(get["rendered"]
        .as_str()
        .unwrap()
        .starts_with("error[cancelsafe::unguarded_write_then_read]: a request written to `self`"));
    // Byte offsets and character columns name the same text.
    let spans = get["spans"].as_array().unwrap();
    assert_eq!(spans.len(), 2, "the write (primary) and the read");
    for (span, expected) in spans.iter().zip([
        "self.send(key.as_bytes()).await",
        "self.stream.read_u8().await",
    ]) {
        let (start, end) = (
            span["byte_start"].as_u64().unwrap(),
            span["byte_end"].as_u64().unwrap(),
        );
        assert_eq!(&LIB[start as usize..end as usize], expected);
        let line = LIB
            .lines()
            .nth(span["line_start"].as_u64().unwrap() as usize - 1)
            .unwrap();
        let column = span["column_start"].as_u64().unwrap() as usize;
        let from_column: String = line
            .chars()
            .skip(column - 1)
            .take(expected.chars().count())
            .collect();
        assert_eq!(from_column, expected, "1-based character column");
        assert_eq!(span["file_name"], "src/lib.rs");
    }
    assert_eq!(spans[0]["is_primary"], true);
    assert_eq!(spans[1]["is_primary"], false);

    let broken = &lines[3]["message"];
    assert_eq!(broken["code"]["code"], "cancelsafe::syntax_error");
    assert_eq!(broken["spans"][0]["line_start"], 2);
    assert_eq!(broken["spans"][0]["file_name"], "src/broken.rs");

    let mut shown = String::new();
    for mut line in lines {
        if line["message"]["code"]["explanation"].is_string() {
            line["message"]["code"]["explanation"] = Value::String("[rule docs]".into());
        }
        shown.push_str(&serde_json::to_string_pretty(&line).unwrap());
        shown.push('\n');
    }
    snapshot("rustc_json", &shown);
}

/// What rust-analyzer does with each line: read it as a cargo message.
#[test]
fn rustc_json_lines_read_as_cargo_metadata_messages() {
    use cargo_metadata::diagnostic::DiagnosticLevel;
    use cargo_metadata::Message;

    let pkg = Package::demo();
    let run = pkg.run(&["--message-format=json", "src"]);
    let mut levels = Vec::new();
    let mut finished = None;
    for line in run.stdout.lines() {
        match serde_json::from_str::<Message>(line) {
            Ok(Message::CompilerMessage(m)) => {
                assert_eq!(m.target.name, "demo");
                assert!(m.message.spans.iter().any(|s| s.is_primary), "{line}");
                levels.push(m.message.level);
            }
            Ok(Message::BuildFinished(b)) => finished = Some(b.success),
            other => panic!("not a compiler message or build-finished: {other:?}\n{line}"),
        }
    }
    assert_eq!(
        levels,
        [
            DiagnosticLevel::Error,
            DiagnosticLevel::Error,
            DiagnosticLevel::Warning,
            DiagnosticLevel::Error
        ]
    );
    assert_eq!(finished, Some(false));
}

#[test]
fn rustc_json_succeeds_without_findings() {
    let pkg = Package::new(&[("src/lib.rs", CLEAN)]);
    let run = pkg.run(&["--message-format=json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "{\"reason\":\"build-finished\",\"success\":true}\n"
    );
}

#[test]
fn message_format_and_format_conflict() {
    let pkg = Package::demo();
    let run = pkg.run(&["--message-format=json", "--format", "sarif", "src"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------
// Human: colour only when asked for or on a terminal without NO_COLOR

const ESC: &str = "\u{1b}[";

/// `cmd` with the colour environment cleared, then `env` set.
fn with_colour_env(mut cmd: Command, env: &[(&str, &str)]) -> Command {
    cmd.env_remove("NO_COLOR").env_remove("CARGO_TERM_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// The binary with the colour environment cleared, then `env` set.
fn colour_command(env: &[(&str, &str)]) -> Command {
    with_colour_env(common::cancelsafe_command(), env)
}

#[test]
fn human_output_to_a_pipe_has_no_ansi_unless_forced() {
    let pkg = Package::demo();
    for env in [
        &[][..],
        &[("NO_COLOR", "1")],
        &[("CARGO_TERM_COLOR", "never")],
        &[("CARGO_TERM_COLOR", "auto")],
    ] {
        let mut cmd = colour_command(env);
        cmd.arg("src");
        let run = pkg.run_command(cmd);
        assert_eq!(run.code, Some(1));
        assert!(
            !run.stdout.contains(ESC),
            "ANSI with {env:?}:\n{}",
            run.stdout
        );
    }
    let mut forced = colour_command(&[("CARGO_TERM_COLOR", "always")]);
    forced.arg("src");
    assert!(
        pkg.run_command(forced).stdout.contains(ESC),
        "CARGO_TERM_COLOR=always colours"
    );
    let mut flag = colour_command(&[]);
    flag.args(["--color", "always", "src"]);
    assert!(
        pkg.run_command(flag).stdout.contains(ESC),
        "--color always colours"
    );
}

/// Runs the binary on a pseudo-terminal with `script` (util-linux), so `NO_COLOR` is the
/// only thing that can turn colour off.
#[test]
fn human_output_on_a_terminal_honours_no_color() {
    let pkg = Package::demo();
    let on_terminal = |no_color: bool| {
        let shell_line = format!("{} src", env!("CARGO_BIN_EXE_cargo-cancelsafe"));
        let env: &[(&str, &str)] = if no_color { &[("NO_COLOR", "1")] } else { &[] };
        let mut script = with_colour_env(Command::new("script"), env);
        script.args(["-qec", &shell_line, "/dev/null"]);
        let run = pkg.run_command(script);
        assert_eq!(
            run.code,
            Some(1),
            "`script` runs the binary: {}",
            run.stderr
        );
        run.stdout
    };
    assert!(on_terminal(false).contains(ESC), "a terminal gets colour");
    assert!(!on_terminal(true).contains(ESC), "NO_COLOR turns it off");
}

// ---------------------------------------------------------------------------------------
// CI integration files: parsed, and their command lines run against the demo package

fn repo_file(path: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

/// `PATH` with the built binary's folder first, so `cargo cancelsafe` and
/// `cargo-cancelsafe` run this build.
fn path_with_binary() -> std::ffi::OsString {
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_cargo-cancelsafe"))
        .parent()
        .expect("binary folder")
        .to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&rest)))
        .expect("join PATH")
}

#[test]
fn github_workflow_uploads_valid_sarif() {
    let workflow = repo_file("examples/ci/github-actions.yml");
    assert!(
        workflow["on"].get("pull_request").is_some(),
        "runs on pull requests"
    );
    assert_eq!(
        workflow["permissions"]["security-events"], "write",
        "upload-sarif needs security-events: write"
    );
    let steps = workflow["jobs"]["cancelsafe"]["steps"]
        .as_array()
        .expect("jobs.cancelsafe.steps");
    let install = steps
        .iter()
        .find_map(|s| s["run"].as_str().filter(|r| r.contains("cargo install")))
        .expect("a step installs the tool");
    assert!(install.contains("cargo-cancelsafe"), "{install}");
    let scan = steps
        .iter()
        .find_map(|s| s["run"].as_str().filter(|r| r.contains("--format sarif")))
        .expect("a step runs the scan");
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("a step uploads SARIF");
    let sarif_file = upload["with"]["sarif_file"]
        .as_str()
        .expect("with.sarif_file");
    assert!(
        scan.contains("--format sarif") && scan.contains(sarif_file),
        "{scan}"
    );

    // The step's script, as the runner would run it (bash -e), in the package root.
    let pkg = Package::demo();
    let mut bash = Command::new("bash");
    bash.args(["-e", "-c", scan])
        .env("PATH", path_with_binary());
    let run = pkg.run_command(bash);
    assert_eq!(
        run.code,
        Some(0),
        "findings do not fail the step:\n{}",
        run.stderr
    );
    let written = std::fs::read_to_string(pkg.path().join(sarif_file)).expect("SARIF written");
    let log: Value = serde_json::from_str(&written).expect("SARIF is JSON");
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        written,
        pkg.run(&["--format", "sarif"]).stdout,
        "the step ran this build"
    );

    // A run that cannot analyse anything (exit 2) must fail the step.
    let empty = Package::new(&[]);
    let mut bash = Command::new("bash");
    bash.args(["-e", "-c", scan])
        .env("PATH", path_with_binary());
    assert_ne!(
        empty.run_command(bash).code,
        Some(0),
        "exit 2 fails the step"
    );
}

#[test]
fn pre_commit_hook_runs_the_tool() {
    let hooks = repo_file(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().expect("a list of hooks");
    let hook = hooks
        .iter()
        .find(|h| h["id"] == "cancelsafe")
        .expect("hook `cancelsafe`");
    for key in ["name", "entry", "language"] {
        assert!(hook[key].is_string(), "hook has `{key}`");
    }
    assert_eq!(
        hook["pass_filenames"], false,
        "the analysis needs the whole workspace"
    );
    let mut words: Vec<String> = hook["entry"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect();
    if let Some(args) = hook["args"].as_array() {
        words.extend(
            args.iter()
                .map(|a| a.as_str().expect("string arg").to_string()),
        );
    }
    let hook_run = |pkg: &Package| {
        let mut cmd = Command::new(&words[0]);
        cmd.args(&words[1..]).env("PATH", path_with_binary());
        pkg.run_command(cmd)
    };
    let bad = hook_run(&Package::demo());
    assert_eq!(
        bad.code,
        Some(1),
        "findings fail the commit:\n{}",
        bad.stderr
    );
    assert!(bad.stdout.contains("cancelsafe::unguarded_write_then_read"));
    let good = hook_run(&Package::new(&[("src/lib.rs", CLEAN)]));
    assert_eq!(
        good.code,
        Some(0),
        "clean code passes:\n{}{}",
        good.stdout,
        good.stderr
    );
}
