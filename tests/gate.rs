//! End-to-end tests of what decides which findings are reported and whether the run fails:
//! the config file (and its errors), levels and `-A/-W/-D`, suppressions, baselines and
//! `--diff-base`.
//!
//! Each test builds a project in a temp dir and runs the binary there with the relative
//! path `scan`, so paths in the output do not depend on where the temp dir lives.

mod common;

use std::path::Path;

use serde_json::Value;

/// What one run of the binary produced.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn transcript(&self) -> String {
        format!(
            "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// `(function, rule)` of every finding in `--format json` output, in report order.
    fn findings(&self) -> Vec<(String, String)> {
        let v: Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.transcript()));
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["function"].as_str().expect("function").to_string(),
                    f["rule"].as_str().expect("rule").to_string(),
                )
            })
            .collect()
    }
}

/// A temp dir holding the files of one test.
struct Project {
    tmp: tempfile::TempDir,
}

impl Project {
    fn new(files: &[(&str, &str)]) -> Project {
        let project = Project {
            tmp: tempfile::tempdir().expect("temp dir"),
        };
        for (path, text) in files {
            project.write(path, text);
        }
        project
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    fn write(&self, path: &str, text: &str) {
        let p = self.root().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root().join(path)).expect("read")
    }

    /// Runs the binary in the project root; the temp dir's path becomes `[TMP]`.
    fn run(&self, args: &[&str]) -> Run {
        let out = common::cancelsafe_command()
            .args(args)
            .current_dir(self.root())
            .output()
            .expect("run cargo-cancelsafe");
        let clean = |bytes: Vec<u8>| {
            let mut s = String::from_utf8(bytes).expect("UTF-8 output");
            let canonical = self.root().canonicalize().expect("canonical temp dir");
            for dir in [canonical.as_path(), self.root()] {
                s = s.replace(&*dir.to_string_lossy(), "[TMP]");
            }
            s
        };
        Run {
            code: out.status.code(),
            stdout: clean(out.stdout),
            stderr: clean(out.stderr),
        }
    }

    /// Runs git in the project root, which is also its home; panics if it fails.
    fn git(&self, args: &[&str]) {
        common::git(self.root(), self.root(), args);
    }
}

/// Snapshots into `tests/snapshots/gate__<name>.snap`.
fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_snapshot_path("snapshots");
    settings.bind(|| insta::assert_snapshot!(format!("gate__{name}"), text));
}

/// A `Conn` with one unguarded write-then-read method per name (`Conn::<name>`).
fn conn(methods: &[&str]) -> String {
    let mut text = String::from(
        "use tokio::io::{AsyncReadExt, AsyncWriteExt};\n\npub struct Conn {\n    stream: tokio::net::TcpStream,\n}\n\nimpl Conn {\n",
    );
    for name in methods {
        text.push_str(&exchange(name));
    }
    text.push_str("}\n");
    text
}

fn exchange(name: &str) -> String {
    format!(
        "    pub async fn {name}(&mut self) -> std::io::Result<u8> {{\n        self.stream.write_all(b\"{name}\").await?;\n        self.stream.read_u8().await\n    }}\n"
    )
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(f, r)| (f.to_string(), r.to_string()))
        .collect()
}

const CS001: &str = "unguarded_write_then_read";
const CS100: &str = "unused_suppression";
const CS101: &str = "suppression_without_reason";

// ---------------------------------------------------------------------------------------
// Config errors point into the TOML and exit 2

fn config_error(name: &str, file: &str, toml: &str) {
    let project = Project::new(&[("scan/conn.rs", &conn(&["get"])), (file, toml)]);
    let run = project.run(&["scan"]);
    assert_eq!(run.code, Some(2), "{}", run.transcript());
    assert!(run.stdout.is_empty(), "{}", run.transcript());
    snapshot(name, &run.transcript());
}

#[test]
fn unknown_key_in_cancelsafe_toml() {
    config_error(
        "config_unknown_key",
        "cancelsafe.toml",
        "exclude = [\"gen/\"]\n\n[vocabulary]\nwrite-method = [\"send_command\"]\n",
    );
}

#[test]
fn bad_level_value_in_cancelsafe_toml() {
    config_error(
        "config_bad_level",
        "cancelsafe.toml",
        "[rules.unguarded_write_then_read]\nlevel = \"loud\"\n",
    );
}

#[test]
fn unknown_rule_in_cancelsafe_toml() {
    config_error(
        "config_unknown_rule",
        "cancelsafe.toml",
        "[rules.unguarded_write_then_reads]\nlevel = \"warn\"\n",
    );
}

#[test]
fn unknown_key_in_workspace_metadata() {
    config_error(
        "config_cargo_workspace_metadata",
        "Cargo.toml",
        "[workspace]\nmembers = []\n\n[workspace.metadata.cancelsafe]\nwarnings = \"deny\"\nexcludes = [\"gen/\"]\n",
    );
}

#[test]
fn bad_value_in_package_metadata() {
    config_error(
        "config_cargo_package_metadata",
        "Cargo.toml",
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\n\n[package.metadata.cancelsafe.rules.CS001]\nlevel = 3\n",
    );
}

// ---------------------------------------------------------------------------------------
// Levels: config file, then the command line, later flags winning

#[test]
fn levels_from_config_and_command_line_decide_the_exit_code() {
    let project = Project::new(&[("scan/conn.rs", &conn(&["get"]))]);
    let code = |args: &[&str]| project.run(args).code;
    assert_eq!(code(&["scan"]), Some(1), "CS001 is an error by default");

    project.write(
        "cancelsafe.toml",
        "[rules.unguarded_write_then_read]\nlevel = \"warn\"\n",
    );
    let warned = project.run(&["--format", "json", "scan"]);
    assert_eq!(warned.code, Some(0), "{}", warned.transcript());
    assert!(warned.stdout.contains("\"severity\": \"warning\""));
    assert_eq!(code(&["-D", "warnings", "scan"]), Some(1));
    assert_eq!(code(&["--deny", "warnings", "scan"]), Some(1));
    assert_eq!(code(&["-D", "CS001", "scan"]), Some(1), "command line wins");
    assert_eq!(code(&["-A", "CS001", "-D", "CS001", "scan"]), Some(1));
    assert_eq!(code(&["-D", "CS001", "-A", "CS001", "scan"]), Some(0));
    assert_eq!(
        code(&["-A", "warnings", "-D", "warnings", "scan"]),
        Some(1),
        "the later group flag wins"
    );
    let allowed = project.run(&["-A", "unguarded_write_then_read", "scan"]);
    assert_eq!(allowed.stdout, "cancelsafe: 0 findings in 1 file scanned\n");

    project.write(
        "cancelsafe.toml",
        "warnings = \"deny\"\n[rules.CS001]\nlevel = \"warn\"\n",
    );
    assert_eq!(
        code(&["scan"]),
        Some(1),
        "`warnings = \"deny\"` in the file"
    );

    project.write("cancelsafe.toml", "[rules.CS001]\nlevel = \"allow\"\n");
    assert_eq!(project.run(&["--format", "json", "scan"]).findings(), []);

    let unknown = project.run(&["-W", "CS999", "scan"]);
    assert_eq!(unknown.code, Some(2));
    snapshot("unknown_rule_flag", &unknown.transcript());
}

#[test]
fn config_is_found_from_the_scanned_folder_upward_or_given() {
    let project = Project::new(&[
        ("ws/Cargo.toml", "[workspace]\nmembers = [\"scan\"]\n\n[workspace.metadata.cancelsafe.rules.CS001]\nlevel = \"allow\"\n"),
        ("ws/scan/Cargo.toml", "[package]\nname = \"scan\"\nversion = \"0.1.0\"\n"),
        ("ws/scan/src/lib.rs", &conn(&["get"])),
        ("other.toml", "[rules.CS001]\nlevel = \"warn\"\n"),
    ]);
    let found = project.run(&["--format", "json", "ws/scan/src"]);
    assert_eq!(found.findings(), [], "workspace metadata allows CS001");

    let given = project.run(&["--config", "other.toml", "--format", "json", "ws/scan/src"]);
    assert_eq!(given.code, Some(0));
    assert_eq!(given.findings(), pairs(&[("Conn::get", CS001)]));

    project.write(
        "ws/scan/Cargo.toml",
        "[package]\nname = \"scan\"\nversion = \"0.1.0\"\n\n[package.metadata.cancelsafe]\nexclude = [\"nothing\"]\n",
    );
    let nearer = project.run(&["--format", "json", "ws/scan/src"]);
    assert_eq!(
        nearer.findings(),
        pairs(&[("Conn::get", CS001)]),
        "the package's own settings are found first"
    );
}

// ---------------------------------------------------------------------------------------
// Vocabulary from config

/// `enqueue` and `dequeue` mean nothing to the engine until the config says so.
const CUSTOM_CLIENT: &str = r#"pub struct Client {
    link: custom::Link,
}

impl Client {
    pub async fn call(&mut self) -> u8 {
        self.link.enqueue(b"CALL").await;
        self.link.dequeue().await
    }

    #[tracked_exchange]
    pub async fn tracked(&mut self) -> u8 {
        self.link.enqueue(b"TRACKED").await;
        self.link.dequeue().await
    }

    pub async fn scoped(&mut self) -> u8 {
        let _mark = on_cancel(|| discard_connection());
        self.link.enqueue(b"SCOPED").await;
        self.link.dequeue().await
    }
}

/// Takes the handle by value: owned, unless the config says the type is a shared stream.
pub async fn by_handle(mut handle: SharedHandle) -> u8 {
    handle.enqueue(b"HANDLE").await;
    handle.dequeue().await
}
"#;

#[test]
fn extra_methods_and_guard_attributes_from_config() {
    let project = Project::new(&[("scan/client.rs", CUSTOM_CLIENT)]);
    let plain = project.run(&["--format", "json", "scan"]);
    assert_eq!(plain.findings(), [], "unknown methods are not I/O");

    project.write(
        "cancelsafe.toml",
        "[vocabulary]\nwrite-methods = [\"enqueue\"]\nread-methods = [\"dequeue\"]\n",
    );
    let extended = project.run(&["--format", "json", "scan"]);
    assert_eq!(extended.code, Some(1));
    assert_eq!(
        extended.findings(),
        pairs(&[
            ("Client::call", CS001),
            ("Client::tracked", CS001),
            ("Client::scoped", CS001),
        ])
    );

    project.write(
        "cancelsafe.toml",
        r#"[vocabulary]
write-methods = ["enqueue"]
read-methods = ["dequeue"]
guard-attributes = ["tracked_exchange"]
guard-functions = ["on_cancel"]
stream-types = ["SharedHandle"]
"#,
    );
    let guarded = project.run(&["--format", "json", "scan"]);
    assert_eq!(
        guarded.findings(),
        pairs(&[("Client::call", CS001), ("by_handle", CS001)])
    );
}

// ---------------------------------------------------------------------------------------
// Suppressions

/// Every form, once with a reason and once without.
const SUPPRESSED: &str = r#"use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Conn {
    stream: tokio::net::TcpStream,
}

impl Conn {
    pub async fn trailing(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"1").await?; // cancelsafe: allow(CS001) -- drained by the pool
        self.stream.read_u8().await
    }

    pub async fn trailing_no_reason(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"2").await?; // cancelsafe: allow(CS001)
        self.stream.read_u8().await
    }

    pub async fn line_above(&mut self) -> std::io::Result<u8> {
        // cancelsafe: allow(unguarded_write_then_read) -- drained by the pool
        self.stream.write_all(b"3").await?;
        self.stream.read_u8().await
    }

    pub async fn line_above_no_reason(&mut self) -> std::io::Result<u8> {
        // cancelsafe: allow(unguarded_write_then_read) --
        self.stream.write_all(b"4").await?;
        self.stream.read_u8().await
    }

    // cancelsafe: allow(cancelsafe::unguarded_write_then_read) -- only called from a spawned task
    /// Docs and attributes between the comment and the fn.
    #[inline]
    pub async fn above_fn(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"5").await?;
        self.stream.read_u8().await
    }

    // cancelsafe: allow(CS001)
    pub async fn above_fn_no_reason(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"6").await?;
        self.stream.read_u8().await
    }

    pub async fn on_fn_line(&mut self) -> std::io::Result<u8> { // cancelsafe: allow(CS001) -- one caller, no timeout
        self.stream.write_all(b"7").await?;
        self.stream.read_u8().await
    }

    pub async fn on_fn_line_no_reason(&mut self) -> std::io::Result<u8> { // cancelsafe: allow(CS001)
        self.stream.write_all(b"8").await?;
        self.stream.read_u8().await
    }

    #[cfg_attr(any(), cancelsafe::allow(CS001, reason = "the caller discards the connection"))]
    pub async fn attribute(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"9").await?;
        self.stream.read_u8().await
    }

    #[cfg_attr(any(), cancelsafe::allow(CS001))]
    pub async fn attribute_no_reason(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"10").await?;
        self.stream.read_u8().await
    }
}

pub struct Other {
    stream: tokio::net::TcpStream,
}

// cancelsafe: allow(CS001) -- `Other` is owned by one task that is never cancelled
impl Other {
    pub async fn a(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"a").await?;
        self.stream.read_u8().await
    }
}

pub struct Third {
    stream: tokio::net::TcpStream,
}

#[cfg_attr(any(), cancelsafe::allow(CS001, reason = "test double, never raced"))]
impl Third {
    pub async fn b(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"b").await?;
        self.stream.read_u8().await
    }
}

#[cfg_attr(any(), cancelsafe::allow(CS001, reason = "retired protocol, kept for reading old dumps"))]
pub mod legacy {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    pub struct Old {
        stream: tokio::net::TcpStream,
    }

    impl Old {
        pub async fn c(&mut self) -> std::io::Result<u8> {
            self.stream.write_all(b"c").await?;
            self.stream.read_u8().await
        }
    }
}

#[cfg_attr(any(), cancelsafe::allow(CS001))]
pub mod legacy_no_reason {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    pub struct Old {
        stream: tokio::net::TcpStream,
    }

    impl Old {
        pub async fn d(&mut self) -> std::io::Result<u8> {
            self.stream.write_all(b"d").await?;
            self.stream.read_u8().await
        }
    }
}
"#;

#[test]
fn each_suppression_form_needs_a_reason() {
    let project = Project::new(&[("scan/conn.rs", SUPPRESSED)]);
    let run = project.run(&["--format", "json", "scan"]);
    assert_eq!(run.code, Some(1), "{}", run.transcript());
    assert_eq!(
        run.findings(),
        pairs(&[
            ("Conn::trailing_no_reason", CS001),
            ("Conn::trailing_no_reason", CS101),
            ("Conn::line_above_no_reason", CS101),
            ("Conn::line_above_no_reason", CS001),
            ("Conn::above_fn_no_reason", CS101),
            ("Conn::above_fn_no_reason", CS001),
            ("Conn::on_fn_line_no_reason", CS101),
            ("Conn::on_fn_line_no_reason", CS001),
            ("Conn::attribute_no_reason", CS101),
            ("Conn::attribute_no_reason", CS001),
            ("mod legacy_no_reason", CS101),
            ("Old::d", CS001),
        ])
    );
}

/// Suppressions that suppress nothing, and look-alikes that are not suppressions.
const UNUSED: &str = r#"use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Conn {
    stream: tokio::net::TcpStream,
}

impl Conn {
    pub async fn read_only(&mut self) -> std::io::Result<u8> {
        // cancelsafe: allow(CS001) -- nothing here writes
        self.stream.read_u8().await
    }

    // cancelsafe: allow(CS001, cancel_unsafe_future_raced) -- drained by the pool
    pub async fn one_of_two(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"1").await?;
        self.stream.read_u8().await
    }

    pub async fn typo(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"2").await?; // cancelsafe: allow(CS01) -- drained by the pool
        self.stream.read_u8().await
    }

    pub async fn unreadable(&mut self) -> std::io::Result<u8> {
        // cancelsafe: allow CS001 -- drained by the pool
        self.stream.write_all(b"3").await?;
        self.stream.read_u8().await
    }

    #[cfg_attr(any(), cancelsafe::allow(CS002, reason = "wrong rule"))]
    pub async fn wrong_rule(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b"4").await?;
        self.stream.read_u8().await
    }

    /// cancelsafe: allow(CS001) -- a doc comment is not a directive
    pub fn quoted(&self) -> &'static str {
        "// cancelsafe: allow(CS001) -- nor is a string"
    }
}
"#;

#[test]
fn unused_suppressions_are_reported() {
    let project = Project::new(&[("scan/conn.rs", UNUSED)]);
    let json = project.run(&["--format", "json", "scan"]);
    assert_eq!(
        json.findings(),
        pairs(&[
            ("Conn::read_only", CS100),
            ("Conn::one_of_two", CS100),
            ("Conn::typo", CS001),
            ("Conn::typo", CS100),
            ("Conn::unreadable", CS100),
            ("Conn::unreadable", CS001),
            ("Conn::wrong_rule", CS100),
            ("Conn::wrong_rule", CS001),
        ])
    );
    let human = project.run(&["-A", "CS001", "scan"]);
    assert_eq!(human.code, Some(0), "unused suppressions are warnings");
    snapshot("unused_suppressions", &human.transcript());

    let denied = project.run(&["-A", "CS001", "-D", "unused_suppression", "scan"]);
    assert_eq!(denied.code, Some(1));
    let allowed = project.run(&["-A", "CS001", "-A", "CS100", "scan"]);
    assert_eq!(allowed.stdout, "cancelsafe: 0 findings in 1 file scanned\n");
}

// ---------------------------------------------------------------------------------------
// Baselines

#[test]
fn baseline_survives_line_shifts_and_reports_only_new_findings() {
    let project = Project::new(&[("scan/conn.rs", &conn(&["get", "set"]))]);
    let written = project.run(&["--write-baseline", "cancelsafe-baseline.json", "scan"]);
    assert_eq!(written.code, Some(0), "recording does not fail");
    assert_eq!(
        written.stderr,
        "cancelsafe: wrote 2 findings to baseline `cancelsafe-baseline.json`\n"
    );
    snapshot("baseline_file", &project.read("cancelsafe-baseline.json"));

    // Lines shift and another part of the file changes: still nothing new.
    let shifted = format!(
        "//! A client.\n\n{}\npub fn helper() -> u32 {{\n    41 + 1\n}}\n",
        conn(&["get", "set"]).replace("pub struct Conn", "/// The connection.\npub struct Conn")
    );
    project.write("scan/conn.rs", &shifted);
    let known = project.run(&["--baseline", "cancelsafe-baseline.json", "scan"]);
    assert_eq!(known.code, Some(0), "{}", known.transcript());
    assert_eq!(known.stdout, "cancelsafe: 0 findings in 1 file scanned\n");
    assert_eq!(
        known.stderr,
        "cancelsafe: baseline `cancelsafe-baseline.json` hides 2 known findings\n"
    );

    // A new finding fails the run and is the only one reported; the file is not touched.
    let before = project.read("cancelsafe-baseline.json");
    project.write(
        "scan/conn.rs",
        &shifted.replace(
            "impl Conn {\n",
            &format!("impl Conn {{\n{}", exchange("del")),
        ),
    );
    let new = project.run(&[
        "--baseline",
        "cancelsafe-baseline.json",
        "--format",
        "json",
        "scan",
    ]);
    assert_eq!(new.code, Some(1));
    assert_eq!(new.findings(), pairs(&[("Conn::del", CS001)]));
    assert_eq!(project.read("cancelsafe-baseline.json"), before);

    // The baseline path is resolved against its own folder, not the current one.
    let elsewhere = common::cancelsafe_command()
        .args(["--baseline", "../cancelsafe-baseline.json", "."])
        .current_dir(project.root().join("scan"))
        .output()
        .expect("run");
    assert_eq!(elsewhere.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&elsewhere.stdout).contains("1 finding in 1 file"));
}

#[test]
fn baseline_counts_duplicates_and_prunes_fixed_entries() {
    // Two identical methods in two modules: one fingerprint, counted twice.
    let twice = |n: usize| {
        (0..n)
            .map(|i| format!("pub mod m{i} {{\n{}}}\n", conn(&["get"])))
            .collect::<String>()
            + &conn(&["set"])
    };
    let project = Project::new(&[("scan/conn.rs", &twice(2))]);
    assert_eq!(
        project.run(&["--write-baseline", "base.json", "scan"]).code,
        Some(0)
    );

    project.write("scan/conn.rs", &twice(3));
    let third = project.run(&["--baseline", "base.json", "--format", "json", "scan"]);
    assert_eq!(third.code, Some(1), "a third copy is new");
    assert_eq!(third.findings(), pairs(&[("Conn::get", CS001)]));

    // Fixing findings never fails the run; pruning drops the fixed entries.
    project.write("scan/conn.rs", &twice(1));
    let fixed = project.run(&["--baseline", "base.json", "scan"]);
    assert_eq!(fixed.code, Some(0));
    assert_eq!(
        fixed.stderr,
        "cancelsafe: baseline `base.json` hides 2 known findings; 1 fixed, run with --prune-baseline to drop them\n"
    );
    let pruned = project.run(&["--baseline", "base.json", "--prune-baseline", "scan"]);
    assert_eq!(pruned.code, Some(0));
    assert_eq!(
        pruned.stderr,
        "cancelsafe: baseline `base.json` hides 2 known findings; pruned 1 fixed entry\n"
    );
    let entries: Value = serde_json::from_str(&project.read("base.json")).expect("JSON");
    assert_eq!(entries["findings"].as_array().map(Vec::len), Some(2));
    let again = project.run(&["--baseline", "base.json", "scan"]);
    assert_eq!(
        again.stderr,
        "cancelsafe: baseline `base.json` hides 2 known findings\n"
    );

    let missing = project.run(&["--baseline", "nope.json", "scan"]);
    assert_eq!(missing.code, Some(2));
    snapshot("baseline_missing", &missing.transcript());
}

// ---------------------------------------------------------------------------------------
// --diff-base

#[test]
fn diff_base_reports_only_findings_on_changed_lines() {
    let project = Project::new(&[("scan/conn.rs", &conn(&["untouched", "label_edited"]))]);
    project.git(&["init", "-q"]);
    project.git(&["add", "."]);
    project.git(&["commit", "-q", "-m", "base"]);

    // Edit only the read (a label) of one method, add a new method, add an untracked file.
    let edited = conn(&["untouched", "label_edited", "added"]).replacen(
        "        self.stream.read_u8().await\n    }\n    pub async fn added",
        "        self.stream.read_u8().await // edited\n    }\n    pub async fn added",
        1,
    );
    project.write("scan/conn.rs", &edited);
    project.write("scan/fresh.rs", &conn(&["fresh"]));

    let run = project.run(&["--diff-base", "HEAD", "--format", "json", "scan"]);
    assert_eq!(run.code, Some(1), "{}", run.transcript());
    assert_eq!(
        run.findings(),
        pairs(&[
            ("Conn::label_edited", CS001),
            ("Conn::added", CS001),
            ("Conn::fresh", CS001),
        ])
    );
    assert_eq!(
        run.stderr,
        "cancelsafe: --diff-base HEAD hides 1 finding outside changed lines\n"
    );

    project.git(&["add", "."]);
    project.git(&["commit", "-q", "-m", "all"]);
    let clean = project.run(&["--diff-base", "HEAD", "scan"]);
    assert_eq!(clean.code, Some(0));
    assert_eq!(clean.stdout, "cancelsafe: 0 findings in 2 files scanned\n");

    let bad_rev = project.run(&["--diff-base", "no-such-branch", "scan"]);
    assert_eq!(bad_rev.code, Some(2));
    snapshot("diff_base_bad_revision", &bad_rev.transcript());
}

#[test]
fn diff_base_keeps_a_changed_file_it_could_not_analyse() {
    let text = conn(&["get"]);
    let project = Project::new(&[("scan/conn.rs", &text), ("scan/other.rs", &text)]);
    project.git(&["init", "-q"]);
    project.git(&["add", "."]);
    project.git(&["commit", "-q", "-m", "base"]);

    // A byte that is not UTF-8 far below line 1: the failure has no position of its own,
    // so its finding points at line 1, which the change did not touch.
    let mut broken = text.into_bytes();
    broken.extend(b"\n// \xff\n");
    std::fs::write(project.root().join("scan/conn.rs"), broken).expect("write");

    let run = project.run(&["--diff-base", "HEAD", "--format", "json", "scan"]);
    assert_eq!(run.code, Some(1), "{}", run.transcript());
    assert_eq!(run.findings(), pairs(&[("", "unanalysed_file")]));
}

#[test]
fn diff_base_outside_a_git_repository_exits_2() {
    let project = Project::new(&[("scan/conn.rs", &conn(&["get"]))]);
    // A ceiling keeps git from finding a repository around the temp dir.
    let out = common::cancelsafe_command()
        .args(["--diff-base", "HEAD", "scan"])
        .current_dir(project.root())
        .env(
            "GIT_CEILING_DIRECTORIES",
            project.root().parent().expect("parent"),
        )
        .output()
        .expect("run");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(run.code, Some(2));
    snapshot("diff_base_not_a_repo", &run.transcript());
}
