//! The cargo workspace the binary scans with no PATH (or with `--manifest-path`): its root,
//! target folder and dependency graph, from `cargo metadata` or the lock file.
//!
//! The scanned tree may be hostile, so cargo runs where nothing in the tree can choose what
//! it runs: from the root of the file system with an absolute `--manifest-path`, because
//! cargo reads `.cargo/config*` and the rustup proxy reads `rust-toolchain*` from the
//! current folder up, never from the manifest's; offline unless `--fetch`, so no registry,
//! git source or credential provider is ever contacted; with `RUSTUP_AUTO_INSTALL=0`, so a
//! toolchain the user does not have is not installed; and without rustc wrappers, which
//! metadata does not need. See docs/security.md.

use std::path::{Path, PathBuf};
use std::process::Command;

use cancelsafe_engine::deps::{self, DependencyGraph};
use cancelsafe_engine::sanitize;
use cancelsafe_engine::store::cache::Cache;
use cancelsafe_engine::timings;
use cancelsafe_engine::Vocabulary;
use cargo_metadata::{Metadata, MetadataCommand};

/// Variables naming programs cargo would run around rustc; `cargo metadata` builds
/// nothing, so it needs none of them.
const WRAPPER_VARIABLES: [&str; 4] = [
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
];

/// How cargo is run: which program, and whether it may reach the network.
pub struct Cargo {
    program: PathBuf,
    /// `--fetch`: let cargo download what is not on disk.
    fetch: bool,
}

/// `cargo metadata --no-deps` of the workspace: its members only.
pub struct Members {
    /// The absolute manifest cargo was given.
    pub manifest: PathBuf,
    pub metadata: Metadata,
    /// The same output as JSON, for the reporters that print parts of it as they are.
    pub json: serde_json::Value,
}

pub struct Workspace {
    /// Relative to the current folder when inside it.
    pub root: PathBuf,
}

impl Cargo {
    /// `$CARGO` (cargo sets it to itself when it runs `cargo cancelsafe`) or `cargo` from
    /// the `PATH`; `fetch` lets it download missing dependencies.
    pub fn new(fetch: bool) -> Cargo {
        let program = std::env::var_os("CARGO").map_or_else(|| "cargo".into(), PathBuf::from);
        // cargo runs in another folder: a relative path must not change meaning.
        let program = match std::env::current_dir() {
            Ok(cwd) if program.components().count() > 1 => cwd.join(program),
            _ => program,
        };
        Cargo { program, fetch }
    }

    /// `cargo metadata --no-deps` for the workspace of `manifest`, or of the nearest
    /// `Cargo.toml` from the current folder up, as cargo itself would pick.
    pub fn members(&self, manifest: Option<&Path>) -> miette::Result<Members> {
        let cwd = std::env::current_dir()
            .map_err(|e| miette::miette!("cannot read the current folder: {e}"))?;
        let manifest = match manifest {
            Some(m) => cwd.join(m),
            None => nearest_manifest(&cwd)?,
        };
        let (metadata, json) = self.metadata(&manifest, None).map_err(|why| {
            miette::miette!(
                help = "pass the folder to scan, or run inside a cargo workspace. cargo reads \
                        no `.cargo/config.toml` of the scanned tree: registries and sources \
                        it needs go in `$CARGO_HOME/config.toml` (docs/security.md)",
                "{why}"
            )
        })?;
        Ok(Members {
            manifest,
            metadata,
            json,
        })
    }

    /// Runs `cargo metadata` on the absolute `manifest`, with the dependency graph resolved
    /// with these feature flags when asked (cargo reads manifests, and downloads only with
    /// `--fetch`; it builds and runs nothing).
    fn metadata(
        &self,
        manifest: &Path,
        deps_with_features: Option<&[String]>,
    ) -> Result<(Metadata, serde_json::Value), String> {
        let out = self
            .command(manifest, deps_with_features)?
            .output()
            .map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
        if !out.status.success() {
            // cargo quotes the tree (paths, manifest text): printed only made safe.
            return Err(format!(
                "`cargo metadata` failed: {}",
                sanitize::text(String::from_utf8_lossy(&out.stderr).trim())
            ));
        }
        let bad = |e: serde_json::Error| format!("bad `cargo metadata` output: {e}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(bad)?;
        let metadata = serde::Deserialize::deserialize(&json).map_err(bad)?;
        Ok((metadata, json))
    }

    fn command(
        &self,
        manifest: &Path,
        deps_with_features: Option<&[String]>,
    ) -> Result<Command, String> {
        self.refuse_program_inside(manifest)?;
        let mut options = Vec::new();
        if let Some(features) = deps_with_features {
            // Only the dependencies that build here, as the lock-file path picks them.
            options.extend(["--filter-platform".to_string(), deps::HOST.to_string()]);
            options.extend(features.iter().cloned());
        }
        if !self.fetch {
            options.push("--offline".to_string());
        }
        let mut metadata = MetadataCommand::new();
        metadata
            .cargo_path(&self.program)
            .manifest_path(manifest)
            .current_dir(file_system_root(manifest))
            .other_options(options)
            .env("RUSTUP_AUTO_INSTALL", "0");
        if deps_with_features.is_none() {
            metadata.no_deps();
        }
        let mut cmd = metadata.cargo_command();
        for variable in WRAPPER_VARIABLES {
            cmd.env_remove(variable);
        }
        Ok(cmd)
    }

    /// `$CARGO` inside the scanned folder can only have come from the tree (a toolchain
    /// `path` in its `rust-toolchain.toml`, chosen when `cargo cancelsafe` was started in
    /// it): refuse to run it again.
    fn refuse_program_inside(&self, manifest: &Path) -> Result<(), String> {
        let Some(folder) = manifest.parent() else {
            return Ok(());
        };
        if self.program.is_absolute() && self.program.starts_with(folder) {
            return Err(format!(
                "refusing to run `{}` (from $CARGO): it is inside the scanned tree; run the \
                 `cargo-cancelsafe` binary itself, or `cargo cancelsafe --manifest-path` from \
                 outside the tree",
                self.program.display()
            ));
        }
        Ok(())
    }

    /// The command that fetches the dependencies of `manifest`, for the note when they are
    /// not on disk.
    fn fetch_command(manifest: &Path) -> String {
        format!("cargo fetch --manifest-path {}", manifest.display())
    }
}

/// The nearest folder from `dir` up with a `Cargo.toml`: the package cargo would start
/// from in that folder.
fn nearest_manifest(dir: &Path) -> miette::Result<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|m| m.is_file())
        .ok_or_else(|| {
            miette::miette!(
                help = "pass the folder to scan, or run inside a cargo workspace",
                "`cargo metadata` failed: could not find `Cargo.toml` in `{}` or any parent folder",
                dir.display()
            )
        })
}

/// The root of the file system `path` is on: a folder no scanned tree is in, and whose
/// `.cargo/` and `rust-toolchain*` only an administrator can write.
fn file_system_root(path: &Path) -> &Path {
    path.ancestors().last().unwrap_or(path)
}

impl Members {
    /// The workspace root (relative to the current folder when inside it).
    pub fn workspace(&self) -> Workspace {
        let root = self.metadata.workspace_root.as_std_path();
        let cwd = std::env::current_dir().unwrap_or_default();
        let root = match root.strip_prefix(&cwd) {
            Ok(p) if p.as_os_str().is_empty() => PathBuf::from("."),
            Ok(p) => p.to_path_buf(),
            Err(_) => root.to_path_buf(),
        };
        Workspace { root }
    }

    /// The workspace members' manifests (`--no-deps` lists only members).
    fn manifests(&self) -> Vec<PathBuf> {
        self.metadata
            .packages
            .iter()
            .map(|p| p.manifest_path.clone().into_std_path_buf())
            .collect()
    }

    /// What the dependency graph depends on: the lock file and every workspace manifest.
    fn lock_and_manifests(&self) -> Vec<u8> {
        let root = self.metadata.workspace_root.as_std_path();
        let mut bytes = std::fs::read(root.join("Cargo.lock")).unwrap_or_default();
        // A virtual root is no member, but its `[workspace.dependencies]` count.
        bytes.extend(std::fs::read(root.join("Cargo.toml")).unwrap_or_default());
        for path in self.manifests() {
            bytes.extend(path.as_os_str().as_encoded_bytes());
            bytes.extend(std::fs::read(&path).unwrap_or_default());
        }
        bytes
    }
}

/// The dependency graph, cached by the workspace's lock file and manifests (and the
/// feature flags), so a warm run needs only the cheap `--no-deps` call. Read from
/// `Cargo.lock` and the sources on disk when they are all there and the members' default
/// features are asked for (`features` empty), else from `cargo metadata` with `features`
/// (offline unless `--fetch`). Without a graph the scan goes on over the workspace alone,
/// and says so on stderr.
pub fn dependency_graph(
    cargo: &Cargo,
    members: &Members,
    cache_dir: Option<&Path>,
    features: &[String],
) -> Option<DependencyGraph> {
    let cache = cache_dir.map(|d| Cache::new(d, &Vocabulary::default()));
    let key = cache.as_ref().map(|c| {
        let mut identity = members.lock_and_manifests();
        identity.extend(features.join("\0").as_bytes());
        c.key("metadata", &identity)
    });
    if let Some(graph) = cache.as_ref().zip(key).and_then(|(c, k)| c.get(k)) {
        return Some(graph);
    }
    let from_lock = if features.is_empty() {
        graph_from_lock_file(members)
    } else {
        // The lock-file path replays the members' default features only.
        Err("feature flags given: cargo resolves them".to_string())
    };
    let graph = match from_lock {
        // With `--fetch`, cargo downloads what the lock names and the disk lacks.
        Ok(partial) if !partial.missing.is_empty() && cargo.fetch => {
            graph_from_metadata(cargo, &members.manifest, features).unwrap_or(partial)
        }
        Ok(graph) => graph,
        Err(lock_problem) => match graph_from_metadata(cargo, &members.manifest, features) {
            Ok(graph) => graph,
            Err(cargo_problem) => {
                report_unread_dependencies(cargo, members, &lock_problem, &cargo_problem);
                return None;
            }
        },
    };
    if !graph.missing.is_empty() {
        report_missing_dependencies(cargo, members, &graph.missing);
        // Not cached: the next run reads them once they are fetched.
        return Some(graph);
    }
    if let (Some(c), Some(k)) = (&cache, key) {
        // A cache that cannot be written only costs time on the next run.
        let _ = c.put(k, &graph);
    }
    Some(graph)
}

/// How to fetch what is not on disk, unless `--fetch` was given (then cargo tried).
fn fetch_help(cargo: &Cargo, members: &Members) -> String {
    if cargo.fetch {
        return String::new();
    }
    format!(
        "  help: nothing is downloaded unless asked: `{}` fetches them, or pass --fetch\n",
        Cargo::fetch_command(&members.manifest)
    )
}

/// Says on stderr which locked dependencies were left out, not being on disk, and how to
/// fetch them.
fn report_missing_dependencies(cargo: &Cargo, members: &Members, missing: &[String]) {
    let note = format!(
        "warning: dependency code not read for {} locked crate(s) not on disk, nor for what \
         only they depend on, so findings that need their effects are missed: {}\n",
        missing.len(),
        sanitize::text(&missing.join(", "))
    );
    eprint!("{note}{}", fetch_help(cargo, members));
}

/// The graph from `Cargo.lock` and the sources already on disk, without running cargo;
/// an error says what is missing (no lock yet, a crate not on disk, a stale lock).
fn graph_from_lock_file(members: &Members) -> Result<DependencyGraph, String> {
    let root = members.metadata.workspace_root.as_std_path();
    if !root.join("Cargo.lock").is_file() {
        return Err("there is none yet".to_string()); // cargo metadata writes one
    }
    let home = cargo_home().ok_or("no cargo home: neither CARGO_HOME nor HOME")?;
    let _t = timings::phase("dependency graph from Cargo.lock");
    DependencyGraph::from_lockfile(root, &members.manifests(), &home).map_err(|why| {
        timings::note(&format!("Cargo.lock not used: {why}"));
        why
    })
}

/// Where cargo keeps its registry and git sources: `$CARGO_HOME`, else `~/.cargo`.
fn cargo_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        return Some(PathBuf::from(home));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo"))
}

/// The graph `cargo metadata` resolves with the feature flags `features` (fetching what is
/// missing only with `--fetch`).
fn graph_from_metadata(
    cargo: &Cargo,
    manifest: &Path,
    features: &[String],
) -> Result<DependencyGraph, String> {
    let _t = timings::phase("cargo metadata");
    let (metadata, _) = cargo.metadata(manifest, Some(features))?;
    DependencyGraph::from_metadata(&metadata)
}

/// Says on stderr that no dependency code was read, why, and how to fetch it.
fn report_unread_dependencies(cargo: &Cargo, members: &Members, lock: &str, metadata: &str) {
    let indent = |text: &str| sanitize::text(text.trim()).replace('\n', "\n    ");
    let note = format!(
        "warning: dependency code not read: no dependency was summarised, so findings that \
         need their effects are missed\n  Cargo.lock: {}\n  {}\n",
        indent(lock),
        indent(metadata)
    );
    eprint!("{note}{}", fetch_help(cargo, members));
}
