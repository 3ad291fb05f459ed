//! The dependency graph from `Cargo.lock` and the sources already on disk, without running
//! cargo: resolving the graph with `cargo metadata` costs about a third of a second on a
//! large workspace, most of a cold run.
//!
//! The lock holds the graph resolved with every feature of every member; cargo metadata's
//! is the one with the members' default features. So features are resolved again here as
//! cargo's resolver does, from each package's manifest, starting at the members. Whatever
//! cannot be found or matched (a package not unpacked, a lock older than a manifest, a
//! source replaced in cargo's config) is an error: the caller then runs cargo metadata,
//! which downloads and re-locks.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::Deserialize;

use super::{Dependency, DependencyGraph, DESCRIBED_BY_VOCABULARY};

mod locate;
mod manifest;

use locate::Store;
use manifest::{Declaration, Kind, LibTarget, Manifest, Manifests, Origin};

/// How the lock and cargo metadata name crates.io.
const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

impl DependencyGraph {
    /// The graph [`DependencyGraph::from_metadata`] reads, from the lock file of the
    /// workspace at `workspace_root` and the sources under `cargo_home` (the caller's
    /// `$CARGO_HOME`: the engine reads no environment); `members` are the member manifests
    /// (`cargo metadata --no-deps` lists them). An error says what could not be found
    /// locally: run cargo metadata then.
    pub fn from_lockfile(
        workspace_root: &Path,
        members: &[PathBuf],
        cargo_home: &Path,
    ) -> Result<Self, String> {
        from_lockfile_in(workspace_root, members, cargo_home)
    }
}

fn from_lockfile_in(
    workspace_root: &Path,
    members: &[PathBuf],
    cargo_home: &Path,
) -> Result<DependencyGraph, String> {
    refuse_redirected_sources(workspace_root, cargo_home)?;
    let path = workspace_root.join("Cargo.lock");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let lock = Lock::parse(&text)?;
    let mut resolution = Resolution::new(&lock, Store::new(cargo_home), workspace_root);
    resolution.note_patches(workspace_root)?;
    resolution.activate_members(members)?;
    resolution.run()?;
    Ok(resolution.into_graph())
}

/// Source replacement (vendoring, mirrors) and `paths` overrides move packages away from
/// where the lock says they come from: leave those workspaces to cargo.
fn refuse_redirected_sources(workspace_root: &Path, cargo_home: &Path) -> Result<(), String> {
    let in_folders = workspace_root.ancestors().map(|d| d.join(".cargo"));
    for folder in in_folders.chain([cargo_home.to_path_buf()]) {
        for file in ["config.toml", "config"] {
            let Ok(text) = std::fs::read_to_string(folder.join(file)) else {
                continue;
            };
            let redirects = text.lines().map(str::trim).any(|line| {
                line.starts_with("replace-with")
                    || line.starts_with("paths")
                    || line.starts_with("[patch")
            });
            if redirects {
                return Err(format!(
                    "{} redirects package sources",
                    folder.join(file).display()
                ));
            }
        }
    }
    Ok(())
}

/// `Cargo.lock`: every package, each dependency resolved to its index.
struct Lock {
    packages: Vec<Locked>,
}

struct Locked {
    name: String,
    version: String,
    /// `None` for a path package (workspace members included).
    source: Option<String>,
    dependencies: Vec<usize>,
}

impl Locked {
    /// Unique in a lock file, consistent within the graph (cargo metadata's ids differ).
    fn id(&self) -> String {
        format!(
            "{} {} ({})",
            self.name,
            self.version,
            self.source.as_deref().unwrap_or("path")
        )
    }
}

#[derive(Deserialize)]
struct RawLock {
    #[serde(default)]
    package: Vec<RawLocked>,
}

#[derive(Deserialize)]
struct RawLocked {
    name: String,
    version: String,
    source: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    /// `[replace]`, long deprecated: not followed here.
    replace: Option<String>,
}

impl Lock {
    /// Any version of the format: v1 names every dependency `name version (source)`; v2 on
    /// name one by as little as tells it apart.
    fn parse(text: &str) -> Result<Lock, String> {
        let raw: RawLock =
            toml::from_str(text).map_err(|e| format!("cannot parse Cargo.lock: {e}"))?;
        if let Some(p) = raw.package.iter().find(|p| p.replace.is_some()) {
            return Err(format!("Cargo.lock replaces {} ([replace])", p.name));
        }
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in raw.package.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_default().push(i);
        }
        let packages = raw
            .package
            .iter()
            .map(|p| {
                let dependencies = p
                    .dependencies
                    .iter()
                    .map(|spec| find_locked(spec, &raw.package, &by_name))
                    .collect::<Result<_, _>>()?;
                Ok(Locked {
                    name: p.name.clone(),
                    version: p.version.clone(),
                    source: p.source.clone(),
                    dependencies,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Lock { packages })
    }
}

/// The package a lock dependency names: `name`, `name version` or `name version (source)`.
fn find_locked(
    spec: &str,
    packages: &[RawLocked],
    by_name: &HashMap<&str, Vec<usize>>,
) -> Result<usize, String> {
    let (head, source) = match spec.split_once(" (") {
        Some((head, source)) => (head, Some(source.trim_end_matches(')'))),
        None => (spec, None),
    };
    let mut words = head.split_whitespace();
    let name = words.next().unwrap_or_default();
    let version = words.next();
    let matching: Vec<usize> = by_name
        .get(name)
        .into_iter()
        .flatten()
        .copied()
        .filter(|&i| version.is_none_or(|v| packages[i].version == v))
        .filter(|&i| source.is_none_or(|s| packages[i].source.as_deref() == Some(s)))
        .collect();
    match matching[..] {
        [one] => Ok(one),
        [] => Err(format!("Cargo.lock names `{spec}`, which it does not hold")),
        _ => Err(format!("Cargo.lock names `{spec}`, which is ambiguous")),
    }
}

/// One lock package the resolution reached.
#[derive(Default)]
struct Activation {
    /// Features asked of it by the packages depending on it (`default` included).
    requested: BTreeSet<String>,
    manifest: Option<Rc<Manifest>>,
    /// Its dependencies as resolved, by lock index.
    edges: BTreeMap<usize, Edge>,
}

/// A resolved dependency: how the first declaration of it names it, and whether any
/// declaration of it is not a build dependency (only those are code's).
struct Edge {
    declaration: Declaration,
    for_code: bool,
}

/// Cargo's dependency resolution replayed over the lock: which packages, and which of
/// their dependencies, the members' default features reach.
struct Resolution<'a> {
    lock: &'a Lock,
    store: Store,
    manifests: Manifests,
    reached: Vec<Option<Activation>>,
    members: BTreeMap<usize, PathBuf>,
    /// Folders path packages may be in, by package name: from path declarations and
    /// `[patch]` tables.
    path_hints: HashMap<String, Vec<PathBuf>>,
    /// The scanned workspace: a path package outside it is not read (cargo metadata, run
    /// instead, resolves it, and the engine reports it).
    workspace: crate::input::discover::Tree,
    queue: Vec<usize>,
    queued: Vec<bool>,
}

impl<'a> Resolution<'a> {
    fn new(lock: &'a Lock, store: Store, workspace_root: &Path) -> Self {
        let n = lock.packages.len();
        Resolution {
            lock,
            store,
            manifests: Manifests::default(),
            reached: (0..n).map(|_| None).collect(),
            members: BTreeMap::new(),
            path_hints: HashMap::new(),
            workspace: crate::input::discover::Tree::new(workspace_root),
            queue: Vec::new(),
            queued: vec![false; n],
        }
    }

    fn note_patches(&mut self, workspace_root: &Path) -> Result<(), String> {
        for (package, dir) in Manifests::patched_paths(workspace_root)? {
            self.path_hints.entry(package).or_default().push(dir);
        }
        Ok(())
    }

    /// Each member, with its default features (what cargo metadata resolves for).
    fn activate_members(&mut self, members: &[PathBuf]) -> Result<(), String> {
        for manifest_path in members {
            let dir = manifest_path.parent().unwrap_or(Path::new("."));
            let manifest = self.manifests.package(dir)?;
            let version = manifest.version.as_deref().unwrap_or("0.0.0");
            let index = self
                .lock
                .packages
                .iter()
                .position(|p| p.source.is_none() && p.name == manifest.name && p.version == version)
                .ok_or_else(|| {
                    format!("member {} {version} is not in Cargo.lock", manifest.name)
                })?;
            self.members.insert(index, dir.to_path_buf());
            self.request(index, ["default".to_string()].into());
        }
        Ok(())
    }

    /// Asks features of a package; it is (re)visited if that reaches it or adds any.
    fn request(&mut self, index: usize, features: BTreeSet<String>) {
        let first = self.reached[index].is_none();
        let activation = self.activation(index);
        let before = activation.requested.len();
        activation.requested.extend(features);
        let grew = activation.requested.len() > before;
        if (first || grew) && !self.queued[index] {
            self.queued[index] = true;
            self.queue.push(index);
        }
    }

    fn run(&mut self) -> Result<(), String> {
        while let Some(index) = self.queue.pop() {
            self.queued[index] = false;
            self.visit(index)?;
        }
        Ok(())
    }

    /// Follows the dependencies a package's requested features enable, as cargo's
    /// resolver does: non-optional ones, optional ones a feature enables, dev-dependencies
    /// of members only; every platform's.
    fn visit(&mut self, index: usize) -> Result<(), String> {
        let manifest = self.manifest(index)?;
        let is_member = self.members.contains_key(&index);
        let requested = self.activation(index).requested.clone();
        let enabled = Enabled::by(&manifest, &requested);
        for declaration in &manifest.declarations {
            if declaration.kind == Kind::Dev && !is_member {
                continue;
            }
            if declaration.optional && !enabled.dependencies.contains_key(&declaration.key) {
                continue;
            }
            if let Origin::Path(dir) = &declaration.origin {
                let hints = self
                    .path_hints
                    .entry(declaration.package.clone())
                    .or_default();
                if !hints.contains(dir) {
                    hints.push(dir.clone());
                }
            }
            let target = self.resolve(index, declaration)?;
            let mut wanted: BTreeSet<String> = declaration.features.iter().cloned().collect();
            wanted.extend(enabled.features_of(&declaration.key));
            if declaration.default_features {
                wanted.insert("default".to_string());
            }
            self.link(index, target, declaration);
            self.request(target, wanted);
        }
        Ok(())
    }

    fn activation(&mut self, index: usize) -> &mut Activation {
        self.reached[index].get_or_insert_with(Activation::default)
    }

    fn link(&mut self, from: usize, to: usize, declaration: &Declaration) {
        let edge = self
            .activation(from)
            .edges
            .entry(to)
            .or_insert_with(|| Edge {
                declaration: declaration.clone(),
                for_code: false,
            });
        edge.for_code |= declaration.kind != Kind::Build;
    }

    /// Which of the package's locked dependencies a declaration resolved to: the only one
    /// of that package, else the one its version requirement, then its source kind, picks.
    fn resolve(&self, from: usize, declaration: &Declaration) -> Result<usize, String> {
        let locked = &self.lock.packages;
        let candidates: Vec<usize> = locked[from]
            .dependencies
            .iter()
            .copied()
            .filter(|&d| locked[d].name == declaration.package)
            .collect();
        let version_fits =
            |d: &usize| fits(declaration.version_req.as_deref(), &locked[*d].version);
        let origin_fits =
            |d: &usize| same_origin(&declaration.origin, locked[*d].source.as_deref());
        let chosen = match candidates[..] {
            [one] => Some(one),
            [] => None,
            _ => only(candidates.iter().copied().filter(version_fits)).or_else(|| {
                only(
                    candidates
                        .iter()
                        .copied()
                        .filter(|d| version_fits(d) && origin_fits(d)),
                )
            }),
        };
        let stale = || {
            format!(
                "Cargo.lock has no single `{}` fitting {}'s declaration (older than its manifest?)",
                declaration.package, locked[from].name
            )
        };
        let chosen = chosen.ok_or_else(stale)?;
        if !version_fits(&chosen) {
            return Err(stale());
        }
        Ok(chosen)
    }

    /// The package's manifest, read from where its sources are on the first visit.
    fn manifest(&mut self, index: usize) -> Result<Rc<Manifest>, String> {
        if let Some(found) = self.activation(index).manifest.clone() {
            return Ok(found);
        }
        let locked = &self.lock.packages[index];
        let dir = self
            .sources(index)
            .ok_or_else(|| format!("{} {} is not on disk", locked.name, locked.version))?;
        let manifest = self.manifests.package(&dir)?;
        if manifest.name != locked.name {
            return Err(format!(
                "{} holds {}, not {}",
                dir.display(),
                manifest.name,
                locked.name
            ));
        }
        self.activation(index).manifest = Some(manifest.clone());
        Ok(manifest)
    }

    /// The folder holding a locked package's manifest.
    fn sources(&mut self, index: usize) -> Option<PathBuf> {
        let locked = &self.lock.packages[index];
        match locked.source.as_deref() {
            None => self
                .members
                .get(&index)
                .cloned()
                .or_else(|| self.path_package(index)),
            Some(git) if git.starts_with("git+") => self.store.git_package(git, &locked.name),
            Some(registry)
                if registry.starts_with("registry+") || registry.starts_with("sparse+") =>
            {
                self.store
                    .registry_package(registry, &locked.name, &locked.version)
            }
            Some(_) => None,
        }
    }

    /// A path package's folder: among those declarations pointed at, the one holding it.
    fn path_package(&mut self, index: usize) -> Option<PathBuf> {
        let locked = &self.lock.packages[index];
        let hints = self.path_hints.get(&locked.name)?.clone();
        hints.into_iter().find(|dir| {
            self.workspace.holds(dir)
                && self.manifests.package(dir).is_ok_and(|m| {
                    m.name == locked.name
                        && m.version.as_deref().unwrap_or("0.0.0") == locked.version
                })
        })
    }

    fn lib(&self, index: usize) -> Option<&LibTarget> {
        self.reached[index]
            .as_ref()?
            .manifest
            .as_ref()?
            .lib
            .as_ref()
    }

    /// The graph as [`DependencyGraph::from_metadata`] builds it: every reached package
    /// with a linkable lib but the members and what the vocabulary describes; edges to
    /// packages with a lib, named as code names them.
    fn into_graph(self) -> DependencyGraph {
        let ids: Vec<String> = self.lock.packages.iter().map(Locked::id).collect();
        let mut by_id = HashMap::new();
        let mut direct = BTreeMap::new();
        for (index, activation) in self.reached.iter().enumerate() {
            let Some(activation) = activation else {
                continue;
            };
            let deps: Vec<(String, String)> = activation
                .edges
                .iter()
                .filter(|(_, edge)| edge.for_code)
                .filter_map(|(&to, edge)| {
                    let name = edge.declaration.code_name(self.lib(to)?);
                    Some((name, ids[to].clone()))
                })
                .collect();
            if self.members.contains_key(&index) {
                let outside =
                    |(_, id): &(String, String)| !self.members.keys().any(|&m| &ids[m] == id);
                direct.extend(deps.into_iter().filter(outside));
                continue;
            }
            let locked = &self.lock.packages[index];
            if DESCRIBED_BY_VOCABULARY.contains(&locked.name.as_str()) {
                continue;
            }
            let Some(lib) = self.lib(index).filter(|lib| lib.linkable) else {
                continue; // proc-macro crates and binaries: nothing to call at run time
            };
            let features = activation.manifest.as_ref().map_or_else(Vec::new, |m| {
                Enabled::by(m, &activation.requested)
                    .features
                    .into_iter()
                    .collect()
            });
            let dependency = Dependency {
                name: locked.name.replace('-', "_"),
                package: locked.name.clone(),
                version: locked.version.clone(),
                source: locked.source.clone(),
                lib_root: lib.root.clone(),
                src_dir: lib.root.parent().map(PathBuf::from).unwrap_or_default(),
                deps,
                features,
                id: ids[index].clone(),
            };
            by_id.insert(ids[index].clone(), dependency);
        }
        DependencyGraph {
            by_id,
            direct: direct.into_iter().collect(),
        }
    }
}

fn only(mut candidates: impl Iterator<Item = usize>) -> Option<usize> {
    let first = candidates.next()?;
    candidates.next().is_none().then_some(first)
}

/// Whether a locked version meets a declaration's requirement. Pre-releases and
/// requirements the semver crate does not read are given the benefit of the doubt: cargo's
/// matching of those has its own rules.
fn fits(requirement: Option<&str>, version: &str) -> bool {
    let Some(requirement) = requirement else {
        return true;
    };
    match (
        semver::VersionReq::parse(requirement),
        semver::Version::parse(version),
    ) {
        (Ok(req), Ok(version)) => !version.pre.is_empty() || req.matches(&version),
        _ => true,
    }
}

fn same_origin(origin: &Origin, source: Option<&str>) -> bool {
    match (origin, source) {
        (Origin::Path(_), None) => true,
        (Origin::Git, Some(s)) => s.starts_with("git+"),
        (Origin::Registry, Some(s)) => !s.starts_with("git+"),
        _ => false,
    }
}

/// What a package's requested features turn on: features, and dependencies by key with
/// the features asked of each (cargo's `Requirements`).
struct Enabled<'m> {
    manifest: &'m Manifest,
    features: BTreeSet<String>,
    dependencies: BTreeMap<String, BTreeSet<String>>,
}

impl<'m> Enabled<'m> {
    fn by(manifest: &'m Manifest, requested: &BTreeSet<String>) -> Self {
        let mut enabled = Enabled {
            manifest,
            features: BTreeSet::new(),
            dependencies: BTreeMap::new(),
        };
        for feature in requested {
            enabled.feature(feature);
        }
        enabled
    }

    fn features_of(&self, key: &str) -> impl Iterator<Item = String> + '_ {
        self.dependencies.get(key).into_iter().flatten().cloned()
    }

    /// A feature the package does not have is ignored (cargo would have refused the lock).
    fn feature(&mut self, name: &str) {
        let Some(values) = self.manifest.features.get(name) else {
            return;
        };
        if !self.features.insert(name.to_string()) {
            return;
        }
        for value in values {
            self.value(value);
        }
    }

    /// `dep:x` turns dependency x on; `x/f` turns x on with f, and x's own feature if it is
    /// optional; `x?/f` asks f of x — and the resolver (unlike the build) turns x on too.
    fn value(&mut self, value: &str) {
        if let Some(dependency) = value.strip_prefix("dep:") {
            self.dependencies.entry(dependency.to_string()).or_default();
        } else if let Some((dependency, feature)) = value.split_once('/') {
            let (dependency, weak) = match dependency.strip_suffix('?') {
                Some(d) => (d, true),
                None => (dependency, false),
            };
            let optional = self
                .manifest
                .declarations
                .iter()
                .any(|d| d.optional && d.key == dependency);
            if !weak && optional {
                self.feature(dependency);
            }
            self.dependencies
                .entry(dependency.to_string())
                .or_default()
                .insert(feature.to_string());
        } else {
            self.feature(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn an_ambiguous_lock_dependency_is_an_error() {
        let text = lock(&[
            locked("app", "0.1.0", "", &["serde 1.0.0"]),
            locked("serde", "1.0.0", CRATES_IO, &[]),
            locked(
                "serde",
                "1.0.0",
                "git+https://example.com/serde#0123456789",
                &[],
            ),
        ]);
        let Err(err) = Lock::parse(&text) else {
            panic!("an ambiguous dependency parsed")
        };
        assert!(err.contains("`serde 1.0.0`, which is ambiguous"), "{err}");
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
    fn a_package_not_on_disk_is_an_error() {
        let world = World::new();
        let half = world.registry("half", "1.0.0", "");
        std::fs::remove_file(half.join(".cargo-ok")).expect("rm");
        for name in ["ghost", "half"] {
            world.workspace(
                &format!("[dependencies]\n{name} = \"1\"\n"),
                &lock(&[
                    locked("app", "0.1.0", "", &[name]),
                    locked(name, "1.0.0", CRATES_IO, &[]),
                ]),
            );
            let err = world.graph().expect_err("not found");
            assert!(
                err.contains(&format!("{name} 1.0.0 is not on disk")),
                "{err}"
            );
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
}
