//! Issue 15, "no program runs from the tree, and no network is used unless asked": each
//! test scans a hostile tree the way a CI step would (the `cargo-cancelsafe` binary run in
//! the checkout, with no `$CARGO` or `$RUSTUP_TOOLCHAIN` from an outer cargo), and checks
//! that what the tree names never ran (the evil programs write a marker file) and that
//! nothing listening on 127.0.0.1 was contacted.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{git, ONE_FINDING};

/// A scan that takes longer has hung (a credential provider waiting, say).
const SCAN_TIMEOUT: Duration = Duration::from_secs(120);

/// A temp dir with a one-package cargo workspace in `tree/` whose only file has one
/// finding; everything else the test writes (markers, fake toolchains) goes beside it.
struct Attack {
    tmp: tempfile::TempDir,
}

impl Attack {
    fn new(dependencies: &str) -> Attack {
        let attack = Attack {
            tmp: tempfile::tempdir().expect("temp dir"),
        };
        attack.write(
            "tree/Cargo.toml",
            &format!(
                "[package]\nname = \"victim\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\n{dependencies}\n\n[workspace]\n"
            ),
        );
        attack.write("tree/src/lib.rs", ONE_FINDING);
        attack
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.tmp.path().join(relative)
    }

    fn tree(&self) -> PathBuf {
        self.path("tree")
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// An executable script at `relative` that leaves the marker and fails.
    fn evil_script(&self, relative: &str) {
        self.write(
            relative,
            &format!("#!/bin/sh\ntouch '{}'\nexit 1\n", self.marker().display()),
        );
        make_executable(&self.path(relative));
    }

    fn marker(&self) -> PathBuf {
        self.path("MARKER")
    }

    fn assert_nothing_ran(&self) {
        assert!(
            !self.marker().exists(),
            "a program named by the scanned tree ran"
        );
    }

    /// `cargo-cancelsafe ARGS` in the tree, as a CI step runs it.
    fn scan(&self, args: &[&str]) -> Output {
        let mut cmd = self.command(args);
        run_with_timeout(&mut cmd)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = common::cancelsafe_command();
        cmd.args(args)
            .current_dir(self.tree())
            .env_remove("CARGO")
            .env_remove("RUSTUP_TOOLCHAIN")
            // Whatever cargo would fetch or lock stays in the temp dir.
            .env("CARGO_HOME", self.path("cargo-home"))
            // A failed fetch is not retried (it would only make a failing run slower).
            .env("CARGO_NET_RETRY", "0");
        cmd
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[cfg(not(unix))]
fn make_executable(_: &Path) {}

/// Runs `cmd`, killing it and failing the test when it outlives [`SCAN_TIMEOUT`].
fn run_with_timeout(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cargo-cancelsafe");
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > SCAN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the scan hung for {SCAN_TIMEOUT:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    }
}

/// The scan went on and reported the tree's finding (exit 1).
fn assert_scanned(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A TCP listener on 127.0.0.1 that counts connections and answers each with
/// `401 Unauthorized` (which makes cargo ask a registry's credential provider).
struct Listener {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl Listener {
    fn start() -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        // Lives as long as the test process; a test only reads the count.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = stream.read(&mut [0; 4096]);
                let _ = stream.write_all(
                    b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Listener { url, connections }
    }

    fn assert_untouched(&self) {
        assert_eq!(
            self.connections.load(Ordering::SeqCst),
            0,
            "the scan reached the network ({})",
            self.url
        );
    }
}

// cargo: the tree's configuration

/// Scans a tree whose `.cargo/config.toml` names `./evil.sh` under `[build] <key>`.
fn build_program_from_the_trees_cargo_config_never_runs(key: &str) {
    let attack = Attack::new("");
    attack.evil_script("tree/evil.sh");
    attack.write(
        "tree/.cargo/config.toml",
        &format!("[build]\n{key} = \"./evil.sh\"\n"),
    );
    let out = attack.scan(&[]);
    attack.assert_nothing_ran();
    assert_scanned(&out);
}

#[test]
fn build_rustc_from_the_trees_cargo_config_never_runs() {
    build_program_from_the_trees_cargo_config_never_runs("rustc");
}

#[test]
fn a_rustc_wrapper_from_the_trees_cargo_config_never_runs() {
    build_program_from_the_trees_cargo_config_never_runs("rustc-wrapper");
}

#[test]
fn the_trees_target_dir_does_not_move_the_cache() {
    let attack = Attack::new("");
    let elsewhere = attack.path("elsewhere");
    attack.write(
        "tree/.cargo/config.toml",
        &format!("[build]\ntarget-dir = \"{}\"\n", elsewhere.display()),
    );
    let user_cache = attack.path("user-cache");
    let out = run_with_timeout(attack.command(&[]).env("XDG_CACHE_HOME", &user_cache));
    assert_scanned(&out);
    assert!(
        !elsewhere.exists(),
        "the scan wrote to the tree's target-dir"
    );
    assert!(
        !attack.tree().join("target").exists(),
        "the scan wrote into the tree's target folder"
    );
    assert!(
        user_cache.join("cancelsafe").is_dir(),
        "the cache is in the user's cache folder"
    );
}

#[test]
fn a_registrys_credential_provider_never_runs_and_nothing_is_contacted() {
    let registry = Listener::start();
    let attack = Attack::new("helper = { version = \"1\", registry = \"evil\" }");
    attack.evil_script("tree/evil.sh");
    attack.write(
        "tree/.cargo/config.toml",
        &format!(
            "[registries.evil]\nindex = \"sparse+{}/index/\"\ncredential-provider = [\"{}\"]\n",
            registry.url,
            attack.tree().join("evil.sh").display()
        ),
    );
    let out = attack.scan(&[]);
    attack.assert_nothing_ran();
    registry.assert_untouched();
    // Only the tree's config defines the registry, and it is not read: cargo cannot load
    // the manifest, and the run fails rather than scan a workspace it does not know.
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`evil`"), "{stderr}");
}

// cargo: the network

/// Scans a tree whose manifest has `dependencies` (naming `{url}`, a listener): nothing is
/// contacted, and the missing dependencies are reported with the command that fetches them.
fn assert_not_fetched_but_reported(dependencies: &str) {
    let server = Listener::start();
    let attack = Attack::new(&dependencies.replace("{url}", &server.url));
    let out = attack.scan(&[]);
    server.assert_untouched();
    assert_scanned(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let fetch = format!(
        "cargo fetch --manifest-path {}",
        attack.tree().join("Cargo.toml").display()
    );
    assert!(
        stderr.contains("dependency code not read") && stderr.contains(&fetch),
        "the missing dependencies are reported with the command that fetches them:\n{stderr}"
    );
}

#[test]
fn a_git_dependency_is_not_fetched_but_reported() {
    assert_not_fetched_but_reported("helper = { git = \"{url}/helper.git\" }");
}

#[test]
fn a_patch_url_is_not_fetched_but_reported() {
    assert_not_fetched_but_reported(
        "helper = \"1\"\n\n[patch.crates-io]\nhelper = { git = \"{url}/helper.git\" }",
    );
}

#[test]
fn fetch_lets_cargo_reach_the_sources() {
    let server = Listener::start();
    let attack = Attack::new(&format!(
        "helper = {{ git = \"{}/helper.git\" }}",
        server.url
    ));
    let out = attack.scan(&["--fetch"]);
    assert!(
        server.connections.load(Ordering::SeqCst) > 0,
        "with --fetch, cargo asks the git source for the dependency:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_scanned(&out);
}

// rustup: the tree's toolchain file

#[test]
fn a_toolchain_path_from_the_tree_never_runs() {
    let attack = Attack::new("");
    attack.evil_script("toolchain/bin/cargo");
    attack.evil_script("toolchain/bin/rustc");
    attack.write(
        "tree/rust-toolchain.toml",
        &format!(
            "[toolchain]\npath = \"{}\"\n",
            attack.path("toolchain").display()
        ),
    );
    let out = attack.scan(&[]);
    attack.assert_nothing_ran();
    assert_scanned(&out);
}

#[test]
fn a_toolchain_channel_from_the_tree_is_not_installed() {
    let dist_server = Listener::start();
    let attack = Attack::new("");
    attack.write(
        "tree/rust-toolchain.toml",
        "[toolchain]\nchannel = \"nightly-2019-01-01\"\n",
    );
    let mut cmd = attack.command(&[]);
    // As on a machine where rustup installs what a toolchain file asks for.
    cmd.env_remove("RUSTUP_AUTO_INSTALL")
        .env("RUSTUP_DIST_SERVER", &dist_server.url)
        .env("RUSTUP_UPDATE_ROOT", &dist_server.url);
    let out = run_with_timeout(&mut cmd);
    dist_server.assert_untouched();
    assert_scanned(&out);
}

#[test]
fn cargo_from_inside_the_tree_is_refused() {
    let attack = Attack::new("");
    attack.evil_script("tree/toolchain/cargo");
    let mut cmd = attack.command(&[]);
    cmd.env("CARGO", attack.tree().join("toolchain/cargo"));
    let out = run_with_timeout(&mut cmd);
    attack.assert_nothing_ran();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("inside the scanned tree"));
}

// git: --diff-base

#[test]
fn diff_base_in_a_nested_repository_runs_none_of_its_filters() {
    let attack = Attack::new("");
    let (tree, home) = (attack.tree(), attack.path("home"));
    std::fs::create_dir_all(&home).expect("home");
    attack.write("tree/nested/conn.rs", ONE_FINDING);
    attack.write("tree/nested/.gitattributes", "*.rs filter=x diff=x\n");
    git(&tree, &home, &["init", "-q"]);
    git(&tree, &home, &["add", "."]);
    git(&tree, &home, &["commit", "-q", "-m", "base"]);
    // The same folder is a repository of its own, whose config names programs.
    let nested = tree.join("nested");
    git(&nested, &home, &["init", "-q"]);
    git(&nested, &home, &["add", "."]);
    git(&nested, &home, &["commit", "-q", "-m", "nested"]);
    let program = format!("sh -c 'touch \"{}\"; cat'", attack.marker().display());
    for key in ["filter.x.clean", "filter.x.smudge", "diff.x.textconv"] {
        git(&nested, &home, &["config", key, &program]);
    }
    git(&nested, &home, &["config", "diff.external", &program]);
    edit_the_write_and_scan_since_head(
        &attack,
        "nested/conn.rs",
        "nested",
        "the finding on the changed line is kept",
    );
}

#[test]
fn diff_base_in_a_committed_bare_repository_runs_none_of_its_filters() {
    let attack = Attack::new("");
    let (tree, home) = (attack.tree(), attack.path("home"));
    std::fs::create_dir_all(&home).expect("home");
    attack.write("tree/nested/src/conn.rs", ONE_FINDING);
    // `nested/` is a bare repository's folder (HEAD, config, objects, refs) whose work tree
    // is itself: git finds it from `nested/src`, and its config names a clean filter.
    let nested_git = ["--git-dir", "nested", "--work-tree", "nested"];
    git(&tree, &home, &["init", "-q", "--bare", "nested"]);
    git(
        &tree,
        &home,
        &["--git-dir", "nested", "config", "core.bare", "false"],
    );
    git(
        &tree,
        &home,
        &["--git-dir", "nested", "config", "core.worktree", "."],
    );
    git(&tree, &home, &[&nested_git[..], &["add", "src"]].concat());
    git(
        &tree,
        &home,
        &[&nested_git[..], &["commit", "-q", "-m", "nested"]].concat(),
    );
    let program = format!("sh -c 'touch \"{}\"; cat'", attack.marker().display());
    git(
        &tree,
        &home,
        &["--git-dir", "nested", "config", "filter.x.clean", &program],
    );
    attack.write("tree/nested/src/.gitattributes", "*.rs filter=x\n");
    // The pull request commits all of it.
    git(&tree, &home, &["init", "-q"]);
    git(&tree, &home, &["add", "."]);
    git(&tree, &home, &["commit", "-q", "-m", "base"]);
    edit_the_write_and_scan_since_head(
        &attack,
        "nested/src/conn.rs",
        "nested/src",
        "the outer repository's base is used: the finding on the changed line is kept",
    );
}

/// Changes the write of `file`'s one finding (its read stays), scans `scanned` with
/// `--diff-base HEAD`, and checks that nothing ran and the finding is kept.
fn edit_the_write_and_scan_since_head(attack: &Attack, file: &str, scanned: &str, why: &str) {
    let edited = ONE_FINDING.replace("b\"GET\").await?;", "b\"PUT\").await?;");
    assert_ne!(edited, ONE_FINDING);
    attack.write(&format!("tree/{file}"), &edited);
    let out = attack.scan(&["--diff-base", "HEAD", "--format", "json", scanned]);
    attack.assert_nothing_ran();
    assert_scanned(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        report["findings"].as_array().map(Vec::len),
        Some(1),
        "{why}"
    );
}
