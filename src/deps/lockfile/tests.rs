//! The lock-file path against small workspaces and cargo homes built on the fly.

use std::path::{Path, PathBuf};

use super::lock::Lock;
use super::{from_lockfile_in, CRATES_IO};
use crate::deps::{Dependency, DependencyGraph};

/// A workspace (`ws/`) and a cargo home (`home/`) in a temporary folder.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> Self {
        World {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    fn write(&self, path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// A package folder: its manifest (`[package]` first, then `rest`) and `src/lib.rs`.
    fn package(&self, dir: &Path, name: &str, version: &str, rest: &str) {
        let manifest = format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\n{rest}");
        self.write(&dir.join("Cargo.toml"), &manifest);
        self.write(&dir.join("src/lib.rs"), "");
    }

    /// A crates.io package unpacked in the cargo home.
    fn registry(&self, name: &str, version: &str, rest: &str) -> PathBuf {
        let dir = self
            .home()
            .join("registry/src/index.crates.io-0123456789abcdef")
            .join(format!("{name}-{version}"));
        self.package(&dir, name, version, rest);
        self.write(&dir.join(".cargo-ok"), r#"{"v":1}"#);
        dir
    }

    /// The workspace: one member, `app 0.1.0`, with `rest` after its `[package]`.
    fn workspace(&self, rest: &str, lock: &str) {
        self.package(&self.root(), "app", "0.1.0", rest);
        self.write(&self.root().join("Cargo.lock"), lock);
    }

    fn graph(&self) -> Result<DependencyGraph, String> {
        let members = [self.root().join("Cargo.toml")];
        from_lockfile_in(&self.root(), &members, &self.home())
    }
}

/// A `[[package]]` of a lock; `source` "" for a path package.
fn locked(name: &str, version: &str, source: &str, deps: &[&str]) -> String {
    let source = match source {
        "" => String::new(),
        s => format!("source = \"{s}\"\n"),
    };
    let deps: Vec<String> = deps.iter().map(|d| format!("\"{d}\"")).collect();
    format!(
        "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\n{source}dependencies = [{}]\n",
        deps.join(", ")
    )
}

fn lock(packages: &[String]) -> String {
    format!("version = 4\n{}", packages.concat())
}

fn dependency<'g>(graph: &'g DependencyGraph, package: &str) -> &'g Dependency {
    graph
        .by_id
        .values()
        .find(|d| d.package == package)
        .unwrap_or_else(|| panic!("{package} not in the graph"))
}

/// `code name -> package` for each edge of `deps`.
fn named(graph: &DependencyGraph, deps: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = deps
        .iter()
        .map(|(name, id)| {
            let package = graph.by_id.get(id).map_or("-", |d| d.package.as_str());
            format!("{name} -> {package}")
        })
        .collect();
    out.sort();
    out
}

fn packages(graph: &DependencyGraph) -> Vec<&str> {
    let mut out: Vec<&str> = graph.by_id.values().map(|d| d.package.as_str()).collect();
    out.sort();
    out
}

#[test]
fn lock_dependencies_are_named_by_as_little_as_tells_them_apart() {
    let git = "git+https://example.com/serde#0123456789";
    for header in ["version = 3\n", "version = 4\n", ""] {
        let text = [
            header.to_string(),
            locked(
                "app",
                "0.1.0",
                "",
                &[
                    "log",
                    "rand 0.7.3",
                    "rand 0.8.5",
                    &format!("serde 1.0.0 ({git})"),
                ],
            ),
            locked("log", "0.4.0", CRATES_IO, &[]),
            locked("rand", "0.7.3", CRATES_IO, &[]),
            locked("rand", "0.8.5", CRATES_IO, &[]),
            locked("serde", "1.0.0", CRATES_IO, &[]),
            locked("serde", "1.0.0", git, &[]),
        ]
        .concat();
        let lock = Lock::parse(&text).expect("parses");
        let app = &lock.packages[0];
        let deps: Vec<String> = app
            .dependencies
            .iter()
            .map(|&d| lock.packages[d].id())
            .collect();
        assert_eq!(
            deps,
            [
                format!("log 0.4.0 ({CRATES_IO})"),
                format!("rand 0.7.3 ({CRATES_IO})"),
                format!("rand 0.8.5 ({CRATES_IO})"),
                format!("serde 1.0.0 ({git})"),
            ]
        );
    }
}

#[test]
fn two_versions_of_a_package_are_told_apart_by_the_requirement() {
    let world = World::new();
    world.registry("rand", "0.7.3", "");
    world.registry("rand", "0.8.5", "");
    world.workspace(
        "[dependencies]\nrand = \"0.8\"\nold_rand = { package = \"rand\", version = \"0.7\" }\n",
        &lock(&[
            locked("app", "0.1.0", "", &["rand 0.7.3", "rand 0.8.5"]),
            locked("rand", "0.7.3", CRATES_IO, &[]),
            locked("rand", "0.8.5", CRATES_IO, &[]),
        ]),
    );
    let graph = world.graph().expect("graph");
    let direct: Vec<String> = graph
        .direct
        .iter()
        .map(|(name, id)| format!("{name} -> {}", graph.by_id[id].version))
        .collect();
    assert_eq!(direct, ["old_rand -> 0.7.3", "rand -> 0.8.5"]);
}

#[test]
fn renamed_dependencies_are_named_by_their_key() {
    let world = World::new();
    world.registry("wire-proto", "2.0.0", "");
    world.registry(
        "redis-store",
        "1.0.0",
        // as cargo normalizes a registry manifest
        "\n[dependencies.wire]\nversion = \"2\"\npackage = \"wire-proto\"\n",
    );
    world.workspace(
        "[dependencies]\nstore = { package = \"redis-store\", version = \"1\" }\n",
        &lock(&[
            locked("app", "0.1.0", "", &["redis-store"]),
            locked("redis-store", "1.0.0", CRATES_IO, &["wire-proto"]),
            locked("wire-proto", "2.0.0", CRATES_IO, &[]),
        ]),
    );
    let graph = world.graph().expect("graph");
    assert_eq!(named(&graph, &graph.direct), ["store -> redis-store"]);
    let store = dependency(&graph, "redis-store");
    assert_eq!(named(&graph, &store.deps), ["wire -> wire-proto"]);
    assert_eq!(
        store.name, "redis_store",
        "a crate's own name is its package's"
    );
}

#[test]
fn a_workspace_dependency_keeps_its_rename() {
    let world = World::new();
    world.registry("redis-store", "1.0.0", "");
    world.workspace(
        "[dependencies]\nstore = { workspace = true }\n\
         [workspace.dependencies]\nstore = { package = \"redis-store\", version = \"1\" }\n",
        &lock(&[
            locked("app", "0.1.0", "", &["redis-store"]),
            locked("redis-store", "1.0.0", CRATES_IO, &[]),
        ]),
    );
    let graph = world.graph().expect("graph");
    assert_eq!(named(&graph, &graph.direct), ["store -> redis-store"]);
}

#[test]
fn the_lib_sections_name_and_path_are_read() {
    let world = World::new();
    let dir = world.registry(
        "odd-name",
        "1.0.0",
        "\n[lib]\nname = \"odd\"\npath = \"lib/odd.rs\"\n",
    );
    world.workspace(
        "[dependencies]\nodd-name = \"1\"\n",
        &lock(&[
            locked("app", "0.1.0", "", &["odd-name"]),
            locked("odd-name", "1.0.0", CRATES_IO, &[]),
        ]),
    );
    let graph = world.graph().expect("graph");
    assert_eq!(named(&graph, &graph.direct), ["odd -> odd-name"]);
    let odd = dependency(&graph, "odd-name");
    assert_eq!(odd.name, "odd_name");
    assert_eq!(odd.lib_root, dir.join("lib/odd.rs"));
    assert_eq!(odd.src_dir, dir.join("lib"));
    assert_eq!(odd.source.as_deref(), Some(CRATES_IO));
}

#[test]
fn proc_macro_and_binary_crates_are_left_out() {
    let world = World::new();
    world.registry("derive-x", "1.0.0", "\n[lib]\nproc-macro = true\n");
    world.registry("native", "1.0.0", "\n[lib]\ncrate-type = [\"cdylib\"]\n");
    let tool = world.registry("tool", "1.0.0", "");
    std::fs::remove_file(tool.join("src/lib.rs")).expect("rm");
    world.registry("tokio", "1.0.0", "");
    world.workspace(
        "[dependencies]\nderive-x = \"1\"\nnative = \"1\"\ntool = \"1\"\ntokio = \"1\"\n",
        &lock(&[
            locked("app", "0.1.0", "", &["derive-x", "native", "tokio", "tool"]),
            locked("derive-x", "1.0.0", CRATES_IO, &[]),
            locked("native", "1.0.0", CRATES_IO, &[]),
            locked("tokio", "1.0.0", CRATES_IO, &[]),
            locked("tool", "1.0.0", CRATES_IO, &[]),
        ]),
    );
    let graph = world.graph().expect("graph");
    assert!(packages(&graph).is_empty(), "{:?}", packages(&graph));
    // As in cargo metadata: an edge to every crate with a lib target.
    assert_eq!(
        named(&graph, &graph.direct),
        ["derive_x -> -", "native -> -", "tokio -> -"]
    );
}

#[test]
fn a_package_not_on_disk_is_left_out_and_named_and_the_rest_is_read() {
    let world = World::new();
    let half = world.registry("half", "1.0.0", "");
    std::fs::remove_file(half.join(".cargo-ok")).expect("rm");
    world.registry("log", "0.4.0", "");
    for name in ["ghost", "half"] {
        world.workspace(
            &format!("[dependencies]\n{name} = \"1\"\nlog = \"0.4\"\n"),
            &lock(&[
                locked("app", "0.1.0", "", &[name, "log"]),
                locked(name, "1.0.0", CRATES_IO, &[]),
                locked("log", "0.4.0", CRATES_IO, &[]),
            ]),
        );
        let graph = world.graph().expect("a graph without it");
        assert_eq!(graph.missing, [format!("{name} 1.0.0")]);
        assert_eq!(packages(&graph), ["log"]);
        assert_eq!(named(&graph, &graph.direct), ["log -> log"]);
    }
}

#[test]
fn a_lock_older_than_the_manifest_is_an_error() {
    let world = World::new();
    world.registry("log", "0.4.0", "");
    world.workspace(
        "[dependencies]\nlog = \"0.4\"\nnew-dep = \"1\"\n",
        &lock(&[
            locked("app", "0.1.0", "", &["log"]),
            locked("log", "0.4.0", CRATES_IO, &[]),
        ]),
    );
    let err = world.graph().expect_err("stale");
    assert!(err.contains("no single `new-dep`"), "{err}");
    world.workspace(
        "[dependencies]\nlog = \"0.5\"\n",
        &lock(&[
            locked("app", "0.1.0", "", &["log"]),
            locked("log", "0.4.0", CRATES_IO, &[]),
        ]),
    );
    assert!(world.graph().is_err(), "0.4.0 does not fit 0.5");
}

#[test]
fn optional_dependencies_follow_the_members_default_features() {
    let world = World::new();
    world.registry(
        "a",
        "1.0.0",
        "[features]\ndefault = [\"b\"]\nextra = [\"dep:c\"]\nweak = [\"d?/x\"]\n\
         [dependencies]\nb = { version = \"1\", optional = true }\n\
         c = { version = \"1\", optional = true }\nd = { version = \"1\", optional = true }\n",
    );
    world.registry("b", "1.0.0", "");
    // c and d are locked (the lock resolves every feature) but never unpacked.
    let lock_text = lock(&[
        locked("a", "1.0.0", CRATES_IO, &["b", "c", "d"]),
        locked("app", "0.1.0", "", &["a"]),
        locked("b", "1.0.0", CRATES_IO, &[]),
        locked("c", "1.0.0", CRATES_IO, &[]),
        locked("d", "1.0.0", CRATES_IO, &[]),
    ]);
    world.workspace("[dependencies]\na = \"1\"\n", &lock_text);
    let graph = world.graph().expect("graph");
    assert_eq!(packages(&graph), ["a", "b"]);
    assert_eq!(named(&graph, &dependency(&graph, "a").deps), ["b -> b"]);

    // A weak feature turns the dependency on in cargo's resolver (and metadata).
    world.registry("d", "1.0.0", "[features]\nx = []\n");
    world.workspace(
        "[dependencies]\na = { version = \"1\", default-features = false, features = [\"weak\"] }\n",
        &lock_text,
    );
    let graph = world.graph().expect("graph");
    assert_eq!(packages(&graph), ["a", "d"]);
}

#[test]
fn build_dependencies_are_no_edges_and_only_members_dev_dependencies_count() {
    let world = World::new();
    world.registry("cc", "1.0.0", "");
    world.registry(
        "helper",
        "1.0.0",
        "[dev-dependencies]\nnot-locked = \"1\"\n",
    );
    world.workspace(
        "[build-dependencies]\ncc = \"1\"\n[dev-dependencies]\nhelper = \"1\"\n",
        &lock(&[
            locked("app", "0.1.0", "", &["cc", "helper"]),
            locked("cc", "1.0.0", CRATES_IO, &[]),
            locked("helper", "1.0.0", CRATES_IO, &[]),
        ]),
    );
    let graph = world.graph().expect("graph");
    assert_eq!(named(&graph, &graph.direct), ["helper -> helper"]);
    assert_eq!(packages(&graph), ["cc", "helper"], "reached all the same");
}

#[test]
fn path_and_git_packages_are_found() {
    let world = World::new();
    let local = world.root().join("crates/local");
    world.package(&local, "local", "0.0.0", "");
    // `version.workspace = true`, from the root manifest
    world.write(
        &local.join("Cargo.toml"),
        "[package]\nname = \"local\"\nversion.workspace = true\n",
    );
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let checkout = world
        .home()
        .join("git/checkouts/repo-feedbeef12345678/0123456");
    world.write(&checkout.join(".cargo-ok"), "");
    world.write(
        &checkout.join("Cargo.toml"),
        "[workspace]\nmembers = [\"crates/*\"]\n",
    );
    world.package(&checkout.join("crates/other"), "other", "1.0.0", "");
    world.package(&checkout.join("crates/g"), "g", "1.0.0", "");
    let git = format!("git+https://github.com/org/Repo?branch=main#{commit}");
    world.workspace(
        "[dependencies]\nlocal = { path = \"crates/local\" }\n\
         g = { git = \"https://github.com/org/Repo\", branch = \"main\" }\n\
         [workspace.package]\nversion = \"0.2.0\"\n",
        &lock(&[
            locked("app", "0.1.0", "", &["g", "local"]),
            locked("g", "1.0.0", &git, &[]),
            locked("local", "0.2.0", "", &[]),
        ]),
    );
    let graph = world.graph().expect("graph");
    let g = dependency(&graph, "g");
    assert_eq!(g.source.as_deref(), Some(git.as_str()));
    assert_eq!(g.lib_root, checkout.join("crates/g/src/lib.rs"));
    let local_dep = dependency(&graph, "local");
    assert_eq!(local_dep.source, None);
    assert_eq!(local_dep.src_dir, local.join("src"));
}
