//! The dependencies worth summarising, from the dependency graph (`cargo metadata` output,
//! or the lock file and the sources on disk: `deps/lockfile.rs`). In the incident the
//! unsafe exchange was in the library and the cancellation in the application: to warn at
//! the application's `timeout`, the library's functions must be summarised too.
//!
//! Only what the code can call into is taken: the workspace's direct dependencies that its
//! source names (`redis::`, `use redis`), and, one level down, what those name in turn.
//! Crates the vocabulary already describes (tokio, futures) and proc-macro crates are left
//! out. Nothing is built or run: the sources are read as text.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use bincode::{Decode, Encode};
use cargo_metadata::{DependencyKind, Metadata, Node, TargetKind};
use rayon::prelude::*;

use crate::input::discover;
use crate::store::cache::Cache;
use crate::summary::FileSummary;
use crate::Config;

mod cfg;
mod elide;
mod interface;
mod lockfile;
mod prefetch;

pub use cfg::{Build, HOST};
pub use elide::{prepare, Prepared};
pub use interface::{Interface, SolvedDependencies};
pub use prefetch::{Prefetch, Prefetched};

/// What was summarised besides the scanned code.
#[derive(Debug, Default, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DependencyStats {
    /// Dependency crates summarised.
    pub crates: usize,
    /// Of those, how many came whole from the cache.
    pub cached: usize,
    pub files: usize,
    /// Dependency files that could not be analysed (not reported: not the user's code).
    pub failed_files: usize,
}

/// Dependency files and their summaries, with each file's module path (`redis::aio`).
#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<PathBuf>,
    pub summaries: Vec<FileSummary>,
    pub modules: Vec<String>,
    pub stats: DependencyStats,
}

/// Summarises the dependencies the scanned code `named` (see [`DependencyGraph::select`]).
/// A registry crate's summaries are cached whole by name, version and source; others per
/// file by content.
pub fn load(
    graph: &DependencyGraph,
    named: &BTreeSet<String>,
    config: &Config,
    cache: Option<&Cache>,
) -> Loaded {
    let t = crate::timings::phase("select dependencies");
    let (selected, _) = select(graph, named, cache);
    drop(t);
    load_selected(&selected, None, config, cache)
}

/// The dependencies the scanned code `named`, solved on their own (see [`Interface`]):
/// decoded ahead, or from the cache, when this set was solved before.
pub fn solved(
    graph: &DependencyGraph,
    named: &BTreeSet<String>,
    config: &Config,
    cache: Option<&Cache>,
) -> (SolvedDependencies, DependencyStats) {
    let t = crate::timings::phase("select dependencies");
    let (selected, read_ahead) = select(graph, named, cache);
    drop(t);
    let key = cache.map(|c| c.key("dep-interface", &set_identity(&selected)));
    let t = crate::timings::phase("decode solved dependencies");
    let found = key.and_then(|k| config.prefetched.take(k)).or_else(|| {
        let (c, k) = cache.zip(key)?;
        let found = c.get::<Interface>(k)?;
        let _ = c.remember(prefetch::LAST_SET, k);
        Some(found.index())
    });
    drop(t);
    if let Some(found) = found {
        let stats = found.stats(found.crates());
        return (found, stats);
    }
    let loaded = load_selected(&selected, Some(read_ahead), config, cache);
    let cached = loaded.stats.cached;
    let t = crate::timings::phase("solve dependencies");
    let solved = Interface::solve(loaded, &config.vocab);
    drop(t);
    if let (Some(c), Some(k)) = (cache, key) {
        // A cache that cannot be written only costs time on the next run.
        let _ = c.put(k, &solved);
        let _ = c.remember(prefetch::LAST_SET, k);
    }
    let solved = solved.index();
    let stats = solved.stats(cached);
    (solved, stats)
}

/// What a set of dependencies is: each registry crate by name, version, source and features;
/// a path or git dependency by its features and its files' paths and contents, which can
/// change.
fn set_identity(selected: &[Dependency]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for dep in selected {
        bytes.extend(dep.name.as_bytes());
        bytes.push(0);
        match dep.immutable_key() {
            Some(key) => bytes.extend(key.as_bytes()),
            None => {
                // What is compiled of it depends on its features too.
                bytes.extend(dep.features.join(",").as_bytes());
                for file in discover::rust_files(std::slice::from_ref(&dep.src_dir), &[]).0 {
                    bytes.extend(file.to_string_lossy().as_bytes());
                    bytes.push(0);
                    bytes.extend(std::fs::read(&file).unwrap_or_default());
                }
            }
        }
        bytes.push(0);
    }
    bytes
}

/// Summarises `selected` (a registry crate's summaries cached whole). The files of every
/// crate not in the cache are parsed in one parallel pass, so small crates keep both
/// threads busy. With `read_ahead` (what selection read), only what an [`Interface`] needs
/// is read ([`prepared_sources`]); without, every body, for `--include-deps`.
fn load_selected(
    selected: &[Dependency],
    read_ahead: Option<ReadAhead>,
    config: &Config,
    cache: Option<&Cache>,
) -> Loaded {
    let _t = crate::timings::phase("load dependencies");
    let namespace = if read_ahead.is_some() {
        "dep-prepared"
    } else {
        "dep"
    };
    let mut read_ahead = read_ahead;
    let mut loaded = Loaded::default();
    // Per crate: its files, and its summaries when the cache has them.
    let mut crates = Vec::with_capacity(selected.len());
    let mut texts: Vec<(PathBuf, String)> = Vec::new();
    let mut paths: Vec<PathBuf> = Vec::new();
    for dep in selected {
        let key = cache
            .zip(dep.immutable_key())
            .map(|(c, k)| c.key(namespace, k.as_bytes()));
        let cached: Option<(Vec<String>, Vec<FileSummary>)> =
            cache.zip(key).and_then(|(c, k)| c.get(k));
        if let Some((names, summaries)) = cached.filter(|(n, s)| n.len() == s.len()) {
            loaded.stats.cached += 1;
            let files = names.iter().map(|n| dep.src_dir.join(n)).collect();
            crates.push((dep, key, files, Some(summaries)));
            continue;
        }
        let files = match read_ahead.as_mut() {
            Some(ahead) => {
                let read = ahead
                    .remove(&dep.id)
                    .unwrap_or_else(|| prepared_sources(dep, read_sources(dep)));
                let files = read.iter().map(|(f, _)| f.clone()).collect();
                texts.extend(read);
                files
            }
            None => {
                let (files, _) = discover::rust_files(std::slice::from_ref(&dep.src_dir), &[]);
                paths.extend(files.iter().cloned());
                files
            }
        };
        crates.push((dep, key, files, None));
    }
    let t = crate::timings::phase("  parse dependency files");
    let mut by_file: HashMap<PathBuf, FileSummary> = HashMap::new();
    let from_texts: Vec<_> = texts
        .par_iter()
        .map(|(path, text)| crate::summarize_text(path, text, &config.vocab))
        .collect();
    // Path and git crates are cached per file by content; registry ones whole, below.
    let from_paths = crate::summarize_files(&paths, &config.vocab, cache);
    let files = texts.into_iter().map(|(p, _)| p).chain(paths);
    for (path, result) in files.zip(from_texts.into_iter().chain(from_paths)) {
        loaded.stats.failed_files += usize::from(result.is_err());
        by_file.insert(path, result.unwrap_or_default());
    }
    drop(t);
    let _t = crate::timings::phase("  store dependency summaries");
    for (dep, key, files, done) in crates {
        let summaries = done.unwrap_or_else(|| {
            let summaries: Vec<FileSummary> = files
                .iter()
                .map(|f| by_file.remove(f).unwrap_or_default())
                .collect();
            if let (Some(c), Some(k)) = (cache, key) {
                let names: Vec<String> = files
                    .iter()
                    .map(|f| {
                        f.strip_prefix(&dep.src_dir)
                            .unwrap_or(f)
                            .to_string_lossy()
                            .into_owned()
                    })
                    .collect();
                // A cache that cannot be written only costs time on the next run.
                let _ = c.put(k, &(names, summaries.clone()));
            }
            summaries
        });
        loaded.stats.crates += 1;
        loaded.stats.files += files.len();
        loaded
            .modules
            .extend(files.iter().map(|f| module_path(dep, f)));
        loaded.files.extend(files);
        loaded.summaries.extend(summaries);
    }
    loaded
}

/// Every `.rs` file of a dependency, read (an unreadable one is empty).
fn read_sources(dep: &Dependency) -> Vec<(PathBuf, String)> {
    let files = discover::rust_files(std::slice::from_ref(&dep.src_dir), &[]).0;
    files
        .into_par_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            (f, text)
        })
        .collect()
}

/// A dependency's sources as its build compiles them and its [`Interface`] needs them
/// ([`elide::prepare`]): files of modules the build leaves out are dropped.
fn prepared_sources(dep: &Dependency, read: Vec<(PathBuf, String)>) -> Vec<(PathBuf, String)> {
    let build = cfg::Build {
        features: &dep.features,
    };
    let prepared: Vec<(PathBuf, String, elide::Prepared)> = read
        .into_par_iter()
        .map(|(path, text)| {
            // Preparing only saves time: a file it cannot handle is parsed whole.
            let prepared =
                std::panic::catch_unwind(|| elide::prepare(&text, &build)).unwrap_or_default();
            (path, text, prepared)
        })
        .collect();
    let mut left_out: Vec<PathBuf> = Vec::new();
    for (path, _, p) in &prepared {
        let dir = module_dir(path);
        if p.compiled_out {
            left_out.push(path.clone());
            if !matches!(stem(path), "lib" | "main") {
                left_out.push(dir.clone());
            }
        }
        for module in &p.dropped_modules {
            let module = module.iter().fold(dir.clone(), |d, m| d.join(m));
            left_out.push(module.with_extension("rs"));
            left_out.push(module);
        }
    }
    prepared
        .into_iter()
        .filter(|(path, _, _)| !left_out.iter().any(|l| path.starts_with(l)))
        .map(|(path, text, p)| (path, p.text.unwrap_or(text)))
        .collect()
}

fn stem(path: &Path) -> &str {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("")
}

/// Where the files of a module's `mod x;` children live: beside `lib.rs`/`mod.rs`, else in
/// the folder named after the file.
fn module_dir(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new(""));
    match stem(file) {
        "lib" | "main" | "mod" => parent.to_path_buf(),
        other => parent.join(other),
    }
}

/// `redis::aio` for `.../redis-0.22.3/src/aio.rs` (or `src/aio/mod.rs`).
fn module_path(dep: &Dependency, file: &Path) -> String {
    let mut path = dep.name.clone();
    let Ok(rel) = file.strip_prefix(&dep.src_dir) else {
        return path;
    };
    let rel = rel.with_extension("");
    for part in rel.iter().filter_map(|c| c.to_str()) {
        if !matches!(part, "lib" | "mod" | "main") {
            path.push_str("::");
            path.push_str(part);
        }
    }
    path
}

/// Dependency sources selection has read, prepared for parsing, by package id.
type ReadAhead = HashMap<String, Vec<(PathBuf, String)>>;

/// The dependencies the scanned code (and, one level down, those dependencies) names, that
/// have async code; with the sources of the chosen ones read for selection, kept for
/// parsing. Each level's crates are read in one parallel pass.
fn select(
    graph: &DependencyGraph,
    named: &BTreeSet<String>,
    cache: Option<&Cache>,
) -> (Vec<Dependency>, ReadAhead) {
    let mut known: HashMap<String, Facts> = HashMap::new();
    let mut read_ahead = ReadAhead::new();
    let mut learn = |deps: Vec<&Dependency>, known: &mut HashMap<String, Facts>| {
        let fresh: Vec<&Dependency> = deps
            .into_iter()
            .filter(|d| !known.contains_key(&d.id))
            .map(|d| (&d.id, d))
            .collect::<BTreeMap<_, _>>()
            .into_values()
            .collect();
        let learnt: Vec<_> = fresh.par_iter().map(|d| Facts::of(d, cache)).collect();
        for (dep, (facts, texts)) in fresh.into_iter().zip(learnt) {
            if let (true, Some(texts)) = (facts.has_async, texts) {
                read_ahead.insert(dep.id.clone(), texts);
            }
            known.insert(dep.id.clone(), facts);
        }
    };
    // The two levels' candidates, learnt ahead in parallel; `graph.select` decides.
    let first: Vec<&Dependency> = graph
        .direct_dependencies()
        .filter(|d| named.contains(&d.name))
        .collect();
    learn(first.clone(), &mut known);
    let second: Vec<&Dependency> = first
        .iter()
        .filter(|d| known[&d.id].has_async)
        .flat_map(|parent| {
            let names = &known[&parent.id].names;
            graph
                .dependencies_of(parent)
                .filter(move |d| names.contains(&d.name))
        })
        .collect();
    learn(second, &mut known);
    let selected = graph.select(|parent, dep| {
        let named = match parent {
            None => named.contains(&dep.name),
            Some(p) => known[&p.id].names.contains(&dep.name),
        };
        // A crate without async code has no exchange to lose (its sync calls are seen
        // through the vocabulary of what they return, not their bodies).
        named && known[&dep.id].has_async
    });
    read_ahead.retain(|id, _| selected.iter().any(|d| &d.id == id));
    (selected, read_ahead)
}

/// What selection needs of a dependency's sources; cached with its summaries' key, so a
/// second run reads no dependency source at all.
#[derive(Debug, Clone, Encode, Decode)]
struct Facts {
    has_async: bool,
    /// Its own dependencies its code names.
    names: Vec<String>,
}

impl Facts {
    /// Read from the sources as [`blank_unneeded_bodies`] leaves them: code that cannot
    /// matter to a caller (tests, sync bodies) neither makes a crate async nor names
    /// crates. The prepared texts come back when the sources were read.
    #[allow(clippy::type_complexity)]
    fn of(dep: &Dependency, cache: Option<&Cache>) -> (Facts, Option<Vec<(PathBuf, String)>>) {
        let key = cache
            .zip(dep.immutable_key())
            .map(|(c, k)| c.key("dep-facts", k.as_bytes()));
        if let Some(facts) = cache.zip(key).and_then(|(c, k)| c.get(k)) {
            return (facts, None);
        }
        let read = read_sources(dep);
        // Most candidates have no async code at all: no need to prepare them.
        let texts = if read.iter().any(|(_, text)| has_async_code(text)) {
            prepared_sources(dep, read)
        } else {
            Vec::new()
        };
        let named: BTreeSet<String> = texts.par_iter().map(|(_, text)| crate_names(text)).reduce(
            BTreeSet::new,
            |mut a, b| {
                a.extend(b);
                a
            },
        );
        let facts = Facts {
            has_async: texts.iter().any(|(_, text)| has_async_code(text)),
            names: dep
                .deps
                .iter()
                .map(|(name, _)| name.clone())
                .filter(|name| named.contains(name))
                .collect(),
        };
        if let (Some(c), Some(k)) = (cache, key) {
            let _ = c.put(k, &facts);
        }
        (facts, Some(texts))
    }
}

/// A dependency crate to summarise.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Dependency {
    /// The name code uses for it (`redis`, `tokio_util`).
    pub name: String,
    pub package: String,
    pub version: String,
    /// `registry+https://..`, `git+..`; `None` for a path dependency.
    pub source: Option<String>,
    /// The lib target's root file (`.../redis-0.22.3/src/lib.rs`).
    pub lib_root: PathBuf,
    /// The folder holding its sources (the lib root's folder).
    pub src_dir: PathBuf,
    /// Crates this one depends on, by the names its code uses, with their package ids.
    deps: Vec<(String, String)>,
    /// Its features the build turns on (`#[cfg(feature = "..")]` code outside them is not
    /// compiled), sorted.
    pub features: Vec<String>,
    id: String,
}

impl Dependency {
    /// A registry crate's sources never change for a given version: cache what is made of
    /// them (for its features) by this key.
    /// Path and git dependencies are cached per file by content instead.
    pub fn immutable_key(&self) -> Option<String> {
        let source = self.source.as_deref()?;
        // What is compiled, and so summarised, depends on the features too.
        source.starts_with("registry+").then(|| {
            format!(
                "{}-{}-{}-{}",
                self.package,
                self.version,
                source,
                self.features.join(",")
            )
        })
    }

    /// `redis 0.22.3`.
    pub fn label(&self) -> String {
        format!("{} {}", self.package, self.version)
    }

    /// `redis 0.22.3 (registry+https://..)`, `(path)` for a path dependency: what tells
    /// packages apart whoever resolved the graph.
    pub fn identity(&self) -> String {
        let source = self.source.as_deref().unwrap_or("path");
        format!("{} {} ({source})", self.package, self.version)
    }
}

/// A [`DependencyGraph`] keyed by [`Dependency::identity`] (see
/// [`DependencyGraph::normalized`]).
#[derive(Debug, PartialEq, Eq)]
pub struct NormalizedGraph {
    pub crates: BTreeMap<String, NormalizedDependency>,
    /// The members' direct dependencies: (name in code, identity).
    pub direct: BTreeSet<(String, String)>,
}

/// A [`Dependency`] with its edges as (name in code, identity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedDependency {
    pub name: String,
    pub lib_root: PathBuf,
    pub src_dir: PathBuf,
    pub features: Vec<String>,
    pub deps: BTreeSet<(String, String)>,
}

impl NormalizedGraph {
    /// Where `other` differs from this graph, one line each (empty when they agree).
    /// Features are the exception: `other`'s may be fewer. `cargo metadata` unifies
    /// features across platforms even with `--filter-platform`, where the build (and
    /// `cargo tree --target`, and the lock-file path) turns on only the host's.
    pub fn differences(&self, other: &NormalizedGraph) -> Vec<String> {
        let mut out = Vec::new();
        for (id, mine) in &self.crates {
            match other.crates.get(id) {
                None => out.push(format!("only in the first: {id}")),
                Some(theirs)
                    if NormalizedDependency {
                        features: mine.features.clone(),
                        ..theirs.clone()
                    } != *mine
                        || theirs.features.iter().any(|f| !mine.features.contains(f)) =>
                {
                    out.push(format!("{id} differs:\n  {mine:?}\n  {theirs:?}"))
                }
                Some(_) => {}
            }
        }
        for id in other
            .crates
            .keys()
            .filter(|id| !self.crates.contains_key(*id))
        {
            out.push(format!("only in the second: {id}"));
        }
        for edge in self.direct.symmetric_difference(&other.direct) {
            let side = if self.direct.contains(edge) {
                "first"
            } else {
                "second"
            };
            out.push(format!("direct dependency only in the {side}: {edge:?}"));
        }
        out
    }
}

/// Every dependency of the workspace that could be summarised, and the direct ones.
#[derive(Debug, Default, Clone, Encode, Decode)]
pub struct DependencyGraph {
    by_id: HashMap<String, Dependency>,
    /// Direct dependencies of workspace members: (name used in code, package id).
    direct: Vec<(String, String)>,
}

/// Crates whose behaviour the vocabulary already knows by method name.
const DESCRIBED_BY_VOCABULARY: &[&str] = &[
    "tokio",
    "tokio-util",
    "tokio-stream",
    "futures",
    "futures-util",
    "futures-core",
    "futures-io",
    "futures-sink",
    "futures-channel",
    "futures-lite",
    "async-std",
    "async-io",
    "smol",
];

impl DependencyGraph {
    /// Reads `cargo metadata --format-version 1` output (with dependencies).
    pub fn from_metadata(meta: &Metadata) -> Result<Self, String> {
        let members: BTreeSet<&str> = meta
            .workspace_members
            .iter()
            .map(|m| m.repr.as_str())
            .collect();
        let resolve = meta
            .resolve
            .as_ref()
            .ok_or("`cargo metadata` gave no dependency graph (was --no-deps passed?)")?;
        // Build scripts' dependencies are not the crate's code.
        let code_deps = |n: &Node| -> Vec<(String, String)> {
            n.deps
                .iter()
                .filter(|d| {
                    d.dep_kinds.is_empty()
                        || d.dep_kinds.iter().any(|k| k.kind != DependencyKind::Build)
                })
                .map(|d| (d.name.clone(), d.pkg.repr.clone()))
                .collect()
        };
        let node_deps: HashMap<&str, Vec<(String, String)>> = resolve
            .nodes
            .iter()
            .map(|n| (n.id.repr.as_str(), code_deps(n)))
            .collect();
        let node_features: HashMap<&str, &Vec<String>> = resolve
            .nodes
            .iter()
            .map(|n| (n.id.repr.as_str(), &n.features))
            .collect();
        let mut direct = BTreeMap::new();
        for m in &members {
            for (name, pkg) in node_deps.get(m).into_iter().flatten() {
                if !members.contains(pkg.as_str()) {
                    direct.insert(name.clone(), pkg.clone());
                }
            }
        }
        let mut by_id = HashMap::new();
        for p in &meta.packages {
            let id = p.id.repr.as_str();
            if members.contains(id) || DESCRIBED_BY_VOCABULARY.contains(&p.name.as_str()) {
                continue;
            }
            let Some(lib) = p.targets.iter().find(|t| {
                t.kind
                    .iter()
                    .any(|k| matches!(k, TargetKind::Lib | TargetKind::RLib))
            }) else {
                continue; // proc-macro crates and binaries: nothing to call at run time
            };
            let lib_root = lib.src_path.clone().into_std_path_buf();
            let dep = Dependency {
                name: p.name.replace('-', "_"),
                package: p.name.clone(),
                version: p.version.to_string(),
                source: p.source.as_ref().map(|s| s.repr.clone()),
                src_dir: lib_root.parent().map(PathBuf::from).unwrap_or_default(),
                lib_root,
                deps: node_deps.get(id).cloned().unwrap_or_default(),
                features: {
                    let mut f = node_features
                        .get(id)
                        .map_or_else(Vec::new, |f| (*f).clone());
                    f.sort();
                    f
                },
                id: id.to_string(),
            };
            by_id.insert(id.to_string(), dep);
        }
        Ok(DependencyGraph {
            by_id,
            direct: direct.into_iter().collect(),
        })
    }

    /// What the graph is, for keys of results that depend on it: the graph itself, and the
    /// files of path and git dependencies, which can change under the same graph.
    pub fn identity(&self) -> Vec<u8> {
        let mut ids: Vec<&String> = self.by_id.keys().collect();
        ids.sort();
        let mut bytes = Vec::new();
        for id in ids {
            let dep = &self.by_id[id];
            bytes.extend(id.as_bytes());
            bytes.push(0);
            bytes.extend(dep.src_dir.as_os_str().as_encoded_bytes());
            bytes.push(0);
            for (name, pkg) in &dep.deps {
                bytes.extend(name.as_bytes());
                bytes.extend(pkg.as_bytes());
            }
            bytes.extend(dep.features.join(",").as_bytes());
            bytes.push(0);
            if dep.immutable_key().is_none() {
                bytes.extend(set_identity(std::slice::from_ref(dep)));
            }
        }
        for (name, id) in &self.direct {
            bytes.extend(name.as_bytes());
            bytes.extend(id.as_bytes());
        }
        bytes
    }

    /// The graph without the path dependencies outside the scanned `trees` (a manifest's
    /// `path = "/etc"` or `"../../elsewhere"`), which are not read, with those left out;
    /// `None` when every one is inside. Registry and git dependencies are cargo's copies
    /// under `$CARGO_HOME`, the user's own cache, and stay.
    pub fn without_paths_outside(
        &self,
        trees: &[discover::Tree],
    ) -> Option<(DependencyGraph, Vec<&Dependency>)> {
        let mut outside: Vec<&Dependency> = self
            .by_id
            .values()
            .filter(|d| d.source.is_none() && !trees.iter().any(|t| t.holds(&d.src_dir)))
            .collect();
        if outside.is_empty() {
            return None;
        }
        outside.sort_by(|a, b| a.id.cmp(&b.id));
        let mut inside = self.clone();
        for dep in &outside {
            inside.by_id.remove(&dep.id);
        }
        inside
            .direct
            .retain(|(_, id)| inside.by_id.contains_key(id));
        Some((inside, outside))
    }

    /// The graph with package ids, which differ between cargo metadata and the lock file,
    /// replaced by [`Dependency::identity`]; an edge to a crate left out of the graph (a
    /// member, a proc-macro, one the vocabulary describes) goes to `-`. Two sources of the
    /// same graph agree on this.
    pub fn normalized(&self) -> NormalizedGraph {
        let target = |id: &String| {
            self.by_id
                .get(id)
                .map_or("-".to_string(), Dependency::identity)
        };
        let edges = |deps: &[(String, String)]| -> BTreeSet<(String, String)> {
            deps.iter()
                .map(|(name, id)| (name.clone(), target(id)))
                .collect()
        };
        let crates = self
            .by_id
            .values()
            .map(|d| {
                let shape = NormalizedDependency {
                    name: d.name.clone(),
                    lib_root: d.lib_root.clone(),
                    src_dir: d.src_dir.clone(),
                    features: d.features.clone(),
                    deps: edges(&d.deps),
                };
                (d.identity(), shape)
            })
            .collect();
        NormalizedGraph {
            crates,
            direct: edges(&self.direct),
        }
    }

    /// The members' direct dependencies.
    pub fn direct_dependencies(&self) -> impl Iterator<Item = &Dependency> {
        self.direct.iter().filter_map(|(_, id)| self.by_id.get(id))
    }

    /// What `dep` depends on.
    pub fn dependencies_of<'a>(
        &'a self,
        dep: &'a Dependency,
    ) -> impl Iterator<Item = &'a Dependency> {
        dep.deps.iter().filter_map(|(_, id)| self.by_id.get(id))
    }

    /// The dependencies `wanted` accepts: direct ones, then the ones those depend on.
    /// `wanted(parent, candidate)` answers whether `candidate` is worth summarising for code
    /// in `parent` (`None`: the workspace), e.g. because that code names it.
    pub fn select(
        &self,
        mut wanted: impl FnMut(Option<&Dependency>, &Dependency) -> bool,
    ) -> Vec<Dependency> {
        let mut chosen: BTreeMap<String, Dependency> = BTreeMap::new();
        let mut frontier = Vec::new();
        for (_, id) in &self.direct {
            if let Some(dep) = self.by_id.get(id) {
                if !chosen.contains_key(id) && wanted(None, dep) {
                    chosen.insert(id.clone(), dep.clone());
                    frontier.push(dep.clone());
                }
            }
        }
        for parent in frontier {
            for (_, id) in &parent.deps {
                if chosen.contains_key(id) {
                    continue;
                }
                if let Some(dep) = self.by_id.get(id) {
                    if wanted(Some(&parent), dep) {
                        chosen.insert(id.clone(), dep.clone());
                    }
                }
            }
        }
        let mut out: Vec<Dependency> = chosen.into_values().collect();
        out.sort_by(|a, b| (&a.package, &a.version, &a.id).cmp(&(&b.package, &b.version, &b.id)));
        out
    }
}

/// The crates source text names as a path root: `name::` (not after `::`), `use name;`,
/// `extern crate name;`. Only lowercase-first names: `Self::` and `Vec::` are types.
pub fn crate_names(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_alphabetic() || b == b'_') {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        let after_path = start > 0 && matches!(bytes[start - 1], b':' | b'$');
        if after_path || !(b.is_ascii_lowercase() || b == b'_') {
            continue;
        }
        let rest = &text[i..];
        let before = text[..start].trim_end();
        if rest.starts_with("::")
            || (rest.starts_with([';', ' ', '\n', ',', '}'])
                && (before.ends_with("use") || before.ends_with("crate")))
        {
            out.insert(text[start..i].to_string());
        }
    }
    out
}

/// Whether source text has async code (`async fn`, an `async` block, an `.await`).
pub fn has_async_code(text: &str) -> bool {
    text.contains(".await") || text.contains("async fn") || text.contains("async move")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_and_files_the_build_leaves_out_are_not_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let src = dir.path().join("src");
        let write = |rel: &str, text: &str| {
            let path = src.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "lib.rs",
            "#[cfg(feature = \"server\")]\nmod server;\nmod client;\nmod wasm;\n",
        );
        write("server.rs", "mod conn;\nasync fn serve() { x().await }");
        write("server/conn.rs", "async fn read() { y().await }");
        write(
            "client.rs",
            "#[cfg(feature = \"client\")]\nmod pool;\nmod http;",
        );
        write("client/pool.rs", "async fn get() { z().await }");
        write("client/http.rs", "pub fn plain() -> u8 { 1 }");
        write(
            "wasm.rs",
            "#![cfg(target_arch = \"wasm32\")]\nasync fn w() {}",
        );
        let dep = Dependency {
            name: "x".into(),
            package: "x".into(),
            version: "1.0.0".into(),
            source: None,
            lib_root: src.join("lib.rs"),
            src_dir: src.clone(),
            deps: Vec::new(),
            features: vec!["client".into()],
            id: "x".into(),
        };
        let kept: BTreeSet<String> = prepared_sources(&dep, read_sources(&dep))
            .into_iter()
            .map(|(path, _)| path.strip_prefix(&src).unwrap().display().to_string())
            .collect();
        let mut expected = vec!["lib.rs", "client.rs", "client/pool.rs", "client/http.rs"];
        if cfg!(target_arch = "wasm32") {
            expected.push("wasm.rs");
        }
        assert_eq!(kept, expected.into_iter().map(String::from).collect());
    }

    #[test]
    fn a_crate_is_named_by_a_path_or_a_use() {
        assert!(crate_names("let c = redis::Client::open(u)?;").contains("redis"));
        assert!(crate_names("use redis;\n").contains("redis"));
        assert!(crate_names("extern crate redis;").contains("redis"));
        assert!(!crate_names("let redis_url = 1; fn myredis() {}").contains("redis"));
        assert!(!crate_names("crate::redis::x").contains("redis"));
    }

    /// A package as `cargo metadata` lists it, with one target.
    fn package(id: &str, name: &str, version: &str, kind: &str, src: &str) -> serde_json::Value {
        let source = id.split_once('(').map(|(_, s)| s.trim_end_matches(')'));
        let source = source.filter(|s| !s.starts_with("path+"));
        serde_json::json!({
            "id": id, "name": name, "version": version, "source": source,
            "dependencies": [], "features": {}, "manifest_path": "/m/Cargo.toml",
            "targets": [{"name": name, "kind": [kind], "src_path": src}]
        })
    }

    fn metadata() -> Metadata {
        let redis = "redis 0.22.3 (registry+https://github.com/rust-lang/crates.io-index)";
        let json = serde_json::json!({
            "packages": [
                package("app 0.1.0 (path+file:///app)", "app", "0.1.0", "bin", "/app/src/main.rs"),
                package(redis, "redis", "0.22.3", "lib", "/reg/redis-0.22.3/src/lib.rs"),
                package("combine 4.6.6 (registry+x)", "combine", "4.6.6", "lib", "/reg/combine/src/lib.rs"),
                package("tokio 1.0.0 (registry+x)", "tokio", "1.0.0", "lib", "/reg/tokio/src/lib.rs"),
                package("serde_derive 1.0.0 (registry+x)", "serde_derive", "1.0.0", "proc-macro", "/reg/sd/src/lib.rs"),
            ],
            "workspace_members": ["app 0.1.0 (path+file:///app)"],
            "workspace_root": "/app", "target_directory": "/app/target", "version": 1,
            "resolve": {"root": null, "nodes": [
                {"id": "app 0.1.0 (path+file:///app)", "dependencies": [], "deps": [
                    {"name": "redis", "pkg": redis, "dep_kinds": [{"kind": null}]},
                    {"name": "tokio", "pkg": "tokio 1.0.0 (registry+x)", "dep_kinds": [{"kind": null}]},
                    {"name": "serde_derive", "pkg": "serde_derive 1.0.0 (registry+x)", "dep_kinds": [{"kind": null}]}
                ]},
                {"id": redis, "dependencies": [], "deps": [
                    {"name": "combine", "pkg": "combine 4.6.6 (registry+x)", "dep_kinds": [{"kind": null}]}
                ]}
            ]}
        });
        serde_json::from_value(json).expect("cargo metadata JSON")
    }

    #[test]
    fn direct_named_dependencies_and_what_they_name_are_selected() {
        let graph = DependencyGraph::from_metadata(&metadata()).unwrap();
        let picked = graph.select(|parent, dep| match parent {
            None => dep.name == "redis" || dep.name == "tokio",
            Some(p) => p.name == "redis" && dep.name == "combine",
        });
        let names: Vec<&str> = picked.iter().map(|d| d.package.as_str()).collect();
        assert_eq!(names, ["combine", "redis"]);
        let redis = picked.iter().find(|d| d.package == "redis").unwrap();
        assert_eq!(redis.src_dir, PathBuf::from("/reg/redis-0.22.3/src"));
        assert!(redis
            .immutable_key()
            .unwrap()
            .starts_with("redis-0.22.3-registry+"));
    }

    #[test]
    fn unnamed_dependencies_are_skipped() {
        let graph = DependencyGraph::from_metadata(&metadata()).unwrap();
        assert!(graph.select(|_, _| false).is_empty());
    }

    #[test]
    fn metadata_without_a_graph_is_an_error() {
        let mut empty = metadata();
        empty.resolve = None;
        let err = DependencyGraph::from_metadata(&empty).unwrap_err();
        assert!(err.contains("--no-deps"), "{err}");
    }
}
