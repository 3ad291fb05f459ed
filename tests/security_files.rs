//! A scanned tree is hostile: nothing outside it is read, and no cache it carries changes a
//! result (issue 15). Each test builds the attack in a temp dir and runs the binary.
//!
//! Every run gets its own user cache folder (`XDG_CACHE_HOME`, `HOME`), so the tests
//! neither read nor write the real one.

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Text that must never show up in any output: it lives outside the scanned tree.
const SECRET: &str = "SECRET-4b1d-outside-the-tree";

const FORMATS: &[&str] = &["human", "json", "sarif", "github", "rustc-json"];

/// A file with a finding whose snippet and function name carry [`SECRET`].
fn secret_source() -> String {
    common::ONE_FINDING
        .replace("b\"GET\"", &format!("b\"{SECRET}\""))
        .replace("fn get", "fn secret_4b1d")
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A temp dir with a user cache folder of its own for every run.
struct World {
    tmp: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World {
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    /// Runs in `cwd` (relative to the temp dir) with `home` as the user's home.
    fn run_as(&self, home: &str, cwd: &str, args: &[&str]) -> Run {
        let home = self.path(home);
        let out = common::cancelsafe_command()
            .args(args)
            .current_dir(self.path(cwd))
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env_remove("CANCELSAFE_CACHE_DIR")
            .output()
            .expect("run cargo-cancelsafe");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn run(&self, cwd: &str, args: &[&str]) -> Run {
        self.run_as("home", cwd, args)
    }

    /// Runs every format; asserts [`SECRET`] is in none of them and returns the JSON one.
    fn assert_secret_never_shown(&self, cwd: &str, args: &[&str]) -> Value {
        let mut json = Value::Null;
        for format in FORMATS {
            let run = self.run(cwd, &[&["--format", format], args].concat());
            assert!(run.code.is_some(), "{format}: killed by a signal");
            for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                assert!(
                    !text.contains(SECRET) && !text.contains("secret_4b1d"),
                    "{format} {stream} shows a file outside the tree:\n{text}"
                );
            }
            if *format == "json" {
                json = serde_json::from_str(&run.stdout).expect("JSON report");
            }
        }
        json
    }
}

/// `(kind, file, message)` of every error in a JSON report.
fn errors(report: &Value) -> Vec<(String, String, String)> {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (field("kind"), field("file"), field("message"))
        })
        .collect()
}

/// Files of the findings about the code (not those standing for files left unanalysed).
fn finding_files(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "unguarded_write_then_read")
        .map(|f| f["file"].as_str().expect("file").to_string())
        .collect()
}

#[test]
fn a_symlink_leaving_the_tree_is_reported_not_followed() {
    let w = World::new();
    w.write("outside/secret.rs", &secret_source());
    w.write("outside/deeper/more.rs", &secret_source());
    w.write("work/scan/good.rs", common::ONE_FINDING);
    symlink(w.path("outside/secret.rs"), w.path("work/scan/p.rs")).expect("symlink");
    symlink("../../outside/deeper", w.path("work/scan/dir")).expect("symlink");
    // A link that stays inside is followed.
    symlink("good.rs", w.path("work/scan/alias.rs")).expect("symlink");

    let report = w.assert_secret_never_shown("work", &["scan"]);
    let errors = errors(&report);
    let outside: Vec<(&str, &str)> = errors
        .iter()
        .map(|(kind, file, _)| (kind.as_str(), file.as_str()))
        .collect();
    assert_eq!(
        outside,
        vec![("outside_tree", "scan/dir"), ("outside_tree", "scan/p.rs")]
    );
    assert!(
        errors[1].2.contains("outside the scanned tree"),
        "{errors:?}"
    );
    assert_eq!(report["files_scanned"], 2, "good.rs and its in-tree alias");
    assert_eq!(
        finding_files(&report),
        vec!["scan/alias.rs", "scan/good.rs"]
    );
}

#[test]
fn path_attributes_and_includes_leaving_the_tree_are_reported() {
    let w = World::new();
    w.write("outside/secret.rs", &secret_source());
    let absolute = w.path("outside/secret.rs");
    w.write(
        "work/scan/Cargo.toml",
        "[package]\nname = \"scan\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    w.write(
        "work/scan/src/lib.rs",
        &format!(
            "#[path = \"{abs}\"]\nmod absolute;\n#[path = \"../../../outside/secret.rs\"]\nmod up;\n\
             include!(\"{abs}\");\nmod good;\n",
            abs = absolute.display()
        ),
    );
    w.write("work/scan/src/good.rs", common::ONE_FINDING);
    let report = w.assert_secret_never_shown("work", &["scan"]);
    let mut outside: Vec<(String, String)> = errors(&report)
        .into_iter()
        .map(|(kind, file, message)| {
            let named = if message.contains("`#[path]`") {
                "path"
            } else if message.contains("`include!`") {
                "include"
            } else {
                "other"
            };
            (format!("{kind} {named}"), file)
        })
        .collect();
    outside.sort();
    let lib = "scan/src/lib.rs".to_string();
    assert_eq!(
        outside,
        vec![
            ("outside_tree include".into(), lib.clone()),
            ("outside_tree path".into(), lib.clone()),
            ("outside_tree path".into(), lib),
        ]
    );
    assert_eq!(finding_files(&report), vec!["scan/src/good.rs"]);
}

#[test]
fn a_path_dependency_outside_the_tree_is_reported_not_read() {
    let w = World::new();
    w.write(
        "outside/Cargo.toml",
        "[package]\nname = \"outside\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    w.write(
        "outside/src/lib.rs",
        &format!("pub mod conn;\npub async fn ping() {{}}\n// {SECRET}\n"),
    );
    w.write("outside/src/conn.rs", &secret_source());
    w.write(
        "ws/Cargo.toml",
        "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\noutside = { path = \"../outside\" }\n",
    );
    w.write(
        "ws/src/lib.rs",
        &format!(
            "{}\npub async fn call() {{ outside::ping().await }}\n",
            common::ONE_FINDING
        ),
    );
    // Dependencies' own findings are shown with --include-deps: the outside crate's
    // would carry the secret.
    let report = w.assert_secret_never_shown("ws", &["--include-deps", "--no-cache"]);
    let errors = errors(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "outside_tree");
    assert!(
        errors[0].2.contains("path dependency `outside`"),
        "{errors:?}"
    );
    assert_eq!(finding_files(&report), vec!["src/lib.rs"]);
}

/// The lock file of the one-package workspace `ws`, so no run writes one.
const LOCK: &str = "version = 3\n\n[[package]]\nname = \"ws\"\nversion = \"0.1.0\"\n";

/// Every cache entry under `dir`, by file name.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for shard in std::fs::read_dir(dir).expect("cache dir").flatten() {
        if shard.path().is_dir() {
            out.extend(
                std::fs::read_dir(shard.path())
                    .expect("shard")
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "bin")),
            );
        }
    }
    out.sort();
    out
}

/// The attack of issue 15: the tree commits `target/cancelsafe-cache`, made by the
/// attacker's own runs of the same tool, in which every entry of a buggy run gets the
/// payload of a clean run's result entry behind its own 20-byte header (format and key).
/// A victim scanning the tree (the default cache, or that very folder chosen) must still
/// see the finding and exit 1, run after run.
#[test]
fn a_forged_cache_committed_in_the_tree_never_hides_a_finding() {
    let w = World::new();
    w.write(
        "ws/Cargo.toml",
        "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    w.write("ws/Cargo.lock", LOCK);
    w.write("ws/src/lib.rs", "mod bug;\npub fn ok() {}\n");
    w.write("ws/src/bug.rs", common::ONE_FINDING);
    let committed = w.path("ws/target/cancelsafe-cache");
    let attacker = |args: &[&str]| {
        let args = [&["--cache-dir", "target/cancelsafe-cache"], args].concat();
        w.run_as("attacker", "ws", &args)
    };
    assert_eq!(attacker(&[]).code, Some(1), "the attacker's buggy run");
    let buggy = entries(&committed);
    assert_eq!(attacker(&["--exclude-path", "bug.rs"]).code, Some(0));
    let clean: Vec<PathBuf> = entries(&committed)
        .into_iter()
        .filter(|e| !buggy.contains(e))
        .collect();
    assert_eq!(clean.len(), 1, "one new entry: the clean run's result");
    let clean = std::fs::read(&clean[0]).expect("clean entry");
    for entry in &buggy {
        let header = std::fs::read(entry).expect("entry")[..20].to_vec();
        std::fs::write(entry, [header.as_slice(), &clean[20..]].concat()).expect("forge");
    }

    for args in [&[][..], &["--cache-dir", "target/cancelsafe-cache"][..]] {
        for attempt in 1..=2 {
            let run = w.run("ws", &[&["--format", "json"], args].concat());
            let report: Value = serde_json::from_str(&run.stdout).expect("JSON report");
            assert_eq!(
                (run.code, finding_files(&report)),
                (Some(1), vec!["src/bug.rs".to_string()]),
                "run {attempt} with {args:?}: {}{}",
                run.stdout,
                run.stderr
            );
        }
    }
}

/// Without `--cache-dir`, a workspace scan caches in the user's cache folder, and the
/// tree's `[build] target-dir` does not move it.
#[test]
fn the_default_cache_is_the_users_not_the_trees() {
    let w = World::new();
    w.write(
        "ws/Cargo.toml",
        "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    w.write("ws/Cargo.lock", LOCK);
    w.write("ws/src/lib.rs", common::ONE_FINDING);
    w.write(
        "ws/.cargo/config.toml",
        &format!(
            "[build]\ntarget-dir = \"{}\"\n",
            w.path("elsewhere").display()
        ),
    );
    assert_eq!(w.run("ws", &[]).code, Some(1));
    let user_cache = w.path("home/.cache/cancelsafe");
    assert!(
        !entries(&user_cache).is_empty(),
        "entries in the user's cache"
    );
    let key = std::fs::metadata(user_cache.join("key")).expect("the secret");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
    for in_tree in ["ws/target", "elsewhere"] {
        assert!(
            !w.path(in_tree).join("cancelsafe-cache").exists(),
            "a cache in {in_tree}"
        );
    }
}

/// A settings file is looked up from the scanned folder; one that is a link out of its
/// folder is refused, so its target's lines are never shown in a parse error.
#[test]
fn a_settings_file_linking_out_is_refused() {
    let w = World::new();
    w.write("outside/secret.toml", &format!("{SECRET} = = not toml\n"));
    w.write("work/scan/good.rs", common::ONE_FINDING);
    symlink(
        w.path("outside/secret.toml"),
        w.path("work/scan/cancelsafe.toml"),
    )
    .expect("symlink");
    let run = w.run("work", &["scan"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("outside its folder") && !run.stderr.contains(SECRET),
        "{}",
        run.stderr
    );
}

/// A report shows the text of a file only if the analysis read it: a finding (or a cache
/// entry) naming `/etc/passwd` or a file beside the tree gets no snippet of it.
#[test]
fn a_report_reads_only_files_the_analysis_read() {
    let w = World::new();
    w.write("work/scan/read.rs", "fn read() {}\n");
    w.write("outside/secret.rs", SECRET);
    let analysis = cancelsafe_engine::Analysis {
        sources: vec![w.path("work/scan/read.rs")],
        ..Default::default()
    };
    let read = analysis.source_reader();
    assert_eq!(
        read(&w.path("work/scan/read.rs")).as_deref(),
        Some("fn read() {}\n")
    );
    assert_eq!(read(&w.path("outside/secret.rs")), None);
    assert_eq!(read(Path::new("/etc/passwd")), None);
}
