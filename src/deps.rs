//! The dependencies worth summarising, from the dependency graph (`cargo metadata` output,
//! or the lock file and the sources on disk: `deps/lockfile.rs`). In the incident the
//! unsafe exchange was in the library and the cancellation in the application: to warn at
//! the application's `timeout`, the library's functions must be summarised too.
//!
//! Only what the code can call into is taken: the workspace's direct dependencies that its
//! source names (`redis::`, `use redis`), and, one level down, what those name in turn.
//! Crates the vocabulary already describes (tokio, futures) and proc-macro crates are left
//! out. Nothing is built or run: the sources are read as text.

use std::collections::BTreeSet;
use std::path::PathBuf;

use bincode::{Decode, Encode};

use crate::input::discover;
use crate::store::cache::Cache;
use crate::summary::FileSummary;
use crate::vocab::Vocabulary;

pub(crate) mod cfg;
pub(crate) mod elide;
mod graph;
mod load;
mod lockfile;
mod normalized;
mod select;

pub use cfg::{Build, HOST};
pub use elide::{prepare, Prepared};
pub use graph::{Dependency, DependencyGraph};
pub use normalized::{NormalizedDependency, NormalizedGraph};
pub use select::has_async_code;

pub(crate) use load::load_selected;
pub(crate) use select::select;
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
    vocab: &Vocabulary,
    cache: Option<&Cache>,
) -> Loaded {
    let t = crate::timings::phase("select dependencies");
    let (selected, _) = select(graph, named, cache);
    drop(t);
    load_selected(&selected, None, vocab, cache)
}

/// What a set of dependencies is: each registry crate by name, version, source and features;
/// a path or git dependency by its features and its files' paths and contents, which can
/// change.
pub(crate) fn set_identity(selected: &[Dependency]) -> Vec<u8> {
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
