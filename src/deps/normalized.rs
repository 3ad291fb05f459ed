//! The dependency graph in a form two sources of it (cargo metadata, the lock file) agree
//! on, and where they differ.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::{Dependency, DependencyGraph};

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

impl DependencyGraph {
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
}
