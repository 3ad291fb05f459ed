//! A dependency set solved once, on its own. The scanned code needs of its dependencies
//! only what awaiting their functions does (their effects), their signatures (to resolve
//! and type calls), and their types and trait impls. Dependencies never call into the
//! scanned code, so their effects do not depend on it: they are solved without it, and the
//! result is cached by the set's identity, so a warm run neither decodes their bodies nor
//! walks them again.

use std::collections::BTreeSet;
use std::path::PathBuf;

use bincode::{Decode, Encode};

use super::prefetch::{self, Prefetched};
use super::{Effects, Index, Solved, Workspace};
use crate::deps::{load_selected, select, set_identity, DependencyGraph, DependencyStats, Loaded};
use crate::store::cache::Cache;
use crate::summary::{FileSummary, UnitKind};
use crate::vocab::Vocabulary;

/// The dependencies the scanned code `named`, solved on their own (see [`Interface`]):
/// decoded ahead, or from the cache, when this set was solved before.
pub fn solved(
    graph: &DependencyGraph,
    named: &BTreeSet<String>,
    vocab: &Vocabulary,
    prefetched: &Prefetched,
    cache: Option<&Cache>,
) -> (SolvedDependencies, DependencyStats) {
    let t = crate::timings::phase("select dependencies");
    let (selected, read_ahead) = select(graph, named, cache);
    drop(t);
    let key = cache.map(|c| c.key("dep-interface", &set_identity(&selected)));
    let t = crate::timings::phase("decode solved dependencies");
    let found = key.and_then(|k| prefetched.take(k)).or_else(|| {
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
    let loaded = load_selected(&selected, Some(read_ahead), vocab, cache);
    let cached = loaded.stats.cached;
    let t = crate::timings::phase("solve dependencies");
    let solved = Interface::solve(loaded, vocab);
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

/// What the scanned code sees of its dependencies: per file its types and trait impls, and
/// the fns other crates can call (`pub` ones and trait methods; not `async` blocks, whose
/// effects their fns carry) without bodies, with their solved effects.
#[derive(Debug, Default, Encode, Decode)]
pub struct Interface {
    files: Vec<String>,
    /// Per file, its module path (`redis::aio`).
    modules: Vec<String>,
    summaries: Vec<FileSummary>,
    /// Per kept fn, in order.
    effects: Vec<Effects>,
    counting_helpers: Vec<bool>,
    crates: usize,
    failed_files: usize,
}

/// A dependency set ready for the workspace pass: its files, their module paths, and its
/// units indexed and solved.
#[derive(Debug, Default)]
pub struct SolvedDependencies {
    pub files: Vec<PathBuf>,
    pub modules: Vec<String>,
    pub solved: Solved,
    crates: usize,
    failed_files: usize,
}

impl SolvedDependencies {
    /// What was summarised, `cached` crates of it from the cache.
    pub fn stats(&self, cached: usize) -> DependencyStats {
        DependencyStats {
            crates: self.crates,
            cached,
            files: self.files.len(),
            failed_files: self.failed_files,
        }
    }

    /// How many crates it covers.
    pub fn crates(&self) -> usize {
        self.crates
    }
}

impl Interface {
    /// Solves the loaded dependency files on their own and keeps what callers need.
    pub fn solve(loaded: Loaded, vocab: &Vocabulary) -> Interface {
        let Loaded {
            files,
            summaries,
            modules,
            stats,
        } = loaded;
        // The workspace takes the summaries; keep the per-file parts besides units.
        let mut kept: Vec<FileSummary> = summaries
            .iter()
            .map(|s| FileSummary {
                structs: s.structs.clone(),
                drop_types: s.drop_types.clone(),
                impls: s.impls.clone(),
                type_aliases: s.type_aliases.clone(),
                alias_args: s.alias_args.clone(),
                type_renames: s.type_renames.clone(),
                ..FileSummary::default()
            })
            .collect();
        let crates = modules.iter().cloned().map(Some).collect();
        let workspace = Workspace::with_crates(summaries, crates, Default::default(), vocab)
            .analyse_all_dependencies();
        let (all_effects, all_counting) = workspace.solve_effects();
        let mut effects = Vec::new();
        let mut counting_helpers = Vec::new();
        for (i, unit_ref) in workspace.units.into_iter().enumerate() {
            // Code outside a crate calls only its `pub` fns and trait methods.
            let callable = unit_ref.unit.is_pub || unit_ref.unit.trait_name.is_some();
            if !callable || !matches!(unit_ref.unit.kind, UnitKind::Fn { .. }) {
                continue;
            }
            let mut unit = unit_ref.unit;
            unit.body = Vec::new();
            unit.locals = Vec::new();
            unit.site_roots = Vec::new();
            unit.captured_locals = 0;
            kept[unit_ref.file].units.push(unit);
            effects.push(all_effects[i].clone());
            counting_helpers.push(all_counting[i]);
        }
        Interface {
            files: files
                .iter()
                .map(|f| f.to_string_lossy().into_owned())
                .collect(),
            modules,
            summaries: kept,
            effects,
            counting_helpers,
            crates: stats.crates,
            failed_files: stats.failed_files,
        }
    }

    /// Indexes it for the workspace pass.
    pub fn index(self) -> SolvedDependencies {
        SolvedDependencies {
            files: self.files.into_iter().map(PathBuf::from).collect(),
            modules: self.modules,
            solved: Solved {
                index: Index::new(self.summaries),
                effects: self.effects,
                counting_helpers: self.counting_helpers,
                // The graph's, set by the run.
                crate_dependencies: Default::default(),
            },
            crates: self.crates,
            failed_files: self.failed_files,
        }
    }
}
