//! A dependency set solved once, on its own. The scanned code needs of its dependencies
//! only what awaiting their functions does (their effects), their signatures (to resolve
//! and type calls), and their types and trait impls. Dependencies never call into the
//! scanned code, so their effects do not depend on it: they are solved without it, and the
//! result is cached by the set's identity, so a warm run neither decodes their bodies nor
//! walks them again.

use std::collections::HashSet;
use std::path::PathBuf;

use bincode::{Decode, Encode};

use super::{DependencyStats, Loaded};
use crate::callgraph::{Effects, Solved, Workspace};
use crate::summary::{FileSummary, UnitKind};
use crate::vocab::Vocabulary;

/// What the scanned code sees of its dependencies: their files' fns, bodies dropped, with
/// their solved effects.
#[derive(Debug, Default, Encode, Decode)]
pub struct Interface {
    files: Vec<String>,
    /// Per file, its module path (`redis::aio`).
    pub modules: Vec<String>,
    /// Per file: the fns other crates can call (`pub` ones and trait methods; not `async`
    /// blocks, whose effects their fns carry) without bodies, its structs, drop types and
    /// trait impls.
    pub summaries: Vec<FileSummary>,
    /// Per kept fn, in order.
    effects: Vec<Effects>,
    counting_helpers: Vec<bool>,
    crates: usize,
    failed_files: usize,
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
                ..FileSummary::default()
            })
            .collect();
        let crates = modules.iter().cloned().map(Some).collect();
        let workspace =
            Workspace::with_crates(summaries, crates, Vec::new(), vocab).analyse_all_dependencies();
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

    /// How many crates it covers.
    pub fn crates(&self) -> usize {
        self.crates
    }

    /// What was summarised, `cached` crates of it from the cache.
    pub fn stats(&self, cached: usize) -> DependencyStats {
        DependencyStats {
            crates: self.crates,
            cached,
            files: self.files.len(),
            failed_files: self.failed_files,
        }
    }

    /// Drops the fns no call in `scanned` can resolve to: none of its calls, nor the
    /// methods kept fns leave to their callers' types, has their name. Resolution is by
    /// name first, so what is left resolves exactly as the whole set would.
    pub fn keep_called(&mut self, scanned: &[FileSummary]) {
        let mut names: HashSet<&str> = HashSet::new();
        for unit in scanned.iter().flat_map(|s| &s.units) {
            unit.called_names(&mut names);
        }
        // A kept generic fn defers methods to its caller's type: those may run too.
        let keep = loop {
            let keep = self.kept_by(&names);
            let before = names.len();
            for (i, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
                for fx in self.effects[i].roots.values() {
                    names.extend(fx.deferred.iter().map(String::as_str));
                }
            }
            if names.len() == before {
                break keep;
            }
        };
        let mut at = 0;
        for summary in &mut self.summaries {
            summary.units.retain(|_| {
                at += 1;
                keep[at - 1]
            });
        }
        let mut flags = keep.iter();
        self.effects.retain(|_| *flags.next().unwrap_or(&false));
        let mut flags = keep.iter();
        self.counting_helpers
            .retain(|_| *flags.next().unwrap_or(&false));
    }

    /// Per fn: its name is in `names`, or it is a macro-written method answering any name.
    fn kept_by(&self, names: &HashSet<&str>) -> Vec<bool> {
        self.summaries
            .iter()
            .flat_map(|s| &s.units)
            .map(|u| u.is_wildcard() || names.contains(u.name.as_str()))
            .collect()
    }

    /// Its files, their module paths and summaries, and the solved units, for a workspace
    /// whose files from `first_file` on are these.
    pub fn into_parts(
        self,
        first_file: usize,
    ) -> (Vec<PathBuf>, Vec<String>, Vec<FileSummary>, Solved) {
        let solved = Solved {
            first_file,
            effects: self.effects,
            counting_helpers: self.counting_helpers,
        };
        let files = self.files.into_iter().map(PathBuf::from).collect();
        (files, self.modules, self.summaries, solved)
    }
}
