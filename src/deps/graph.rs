//! The dependency graph: every crate the workspace could call into, and the direct ones,
//! read from `cargo metadata` output here (or from the lock file: `lockfile.rs`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use bincode::{Decode, Encode};
use cargo_metadata::{DependencyKind, Metadata, Node, TargetKind};

use super::{discover, set_identity};

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
    pub(super) deps: Vec<(String, String)>,
    /// Its features the build turns on (`#[cfg(feature = "..")]` code outside them is not
    /// compiled), sorted.
    pub features: Vec<String>,
    pub(super) id: String,
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

/// Every dependency of the workspace that could be summarised, and the direct ones.
#[derive(Debug, Default, Clone, Encode, Decode)]
pub struct DependencyGraph {
    pub(super) by_id: HashMap<String, Dependency>,
    /// Direct dependencies of workspace members: (name used in code, package id).
    pub(super) direct: Vec<(String, String)>,
    /// Locked packages the code reaches whose sources are not on disk (`name version`):
    /// left out, with what only they depend on. Such a graph is never cached.
    pub missing: Vec<String>,
}

/// Crates whose behaviour the vocabulary already knows by method name.
pub(super) const DESCRIBED_BY_VOCABULARY: &[&str] = &[
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
            missing: Vec::new(),
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

    /// Every dependency in the graph, in no particular order.
    pub fn crates(&self) -> impl Iterator<Item = &Dependency> {
        self.by_id.values()
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

    /// Per crate (by the name code uses for it), the crates it depends on: a type named
    /// through a crate is that crate's or one of these (re-exported, aliased).
    pub fn crate_dependencies(&self) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for dep in self.crates() {
            let names = out.entry(dep.name.clone()).or_default();
            names.extend(self.dependencies_of(dep).map(|d| d.name.clone()));
            names.sort_unstable();
            names.dedup();
        }
        out
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

#[cfg(test)]
mod tests {
    use super::*;

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
