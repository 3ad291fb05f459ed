//! Which dependencies are worth summarising: those the scanned code names, and one level
//! down what those name, when they have async code.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use bincode::{Decode, Encode};
use rayon::prelude::*;

use super::load::{prepared_sources, read_sources};
use super::{Cache, Dependency, DependencyGraph};
use crate::lex::crate_names;

/// Dependency sources selection has read, prepared for parsing, by package id.
pub(crate) type ReadAhead = HashMap<String, Vec<(PathBuf, String)>>;

/// The dependencies the scanned code (and, one level down, those dependencies) names, that
/// have async code; with the sources of the chosen ones read for selection, kept for
/// parsing. Each level's crates are read in one parallel pass.
pub(crate) fn select(
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
    /// Read from the sources as [`prepared_sources`] leaves them: code that cannot
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

/// Whether source text has async code (`async fn`, an `async` block, an `.await`).
pub fn has_async_code(text: &str) -> bool {
    text.contains(".await") || text.contains("async fn") || text.contains("async move")
}
