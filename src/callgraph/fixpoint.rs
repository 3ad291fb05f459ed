//! Every unit's effects, to a fixpoint: a worklist of units to walk again when an effect
//! they read changed, worked a chunk at a time in parallel.

use rayon::prelude::*;

use super::effects::merge;
use super::{Effects, Workspace};
use crate::summary::{RootRef, UnitKind};

/// Updates of one unit's effects after which new effects are joined with the old ones.
const SETTLE_AFTER: u8 = 8;

/// Units the fixpoint walks in parallel before applying what they found.
const FIXPOINT_CHUNK: usize = 1024;

impl Workspace {
    /// Every unit's effects, to a fixpoint. A worklist: a unit is analysed again only when
    /// the effects of a unit it read changed. Effects only grow and are bounded by roots x
    /// flags, so this terminates; the budget guards against a bug turning into a hang.
    /// The list is worked a chunk at a time, the chunk's walks in parallel against the
    /// effects as they stand; the updates are applied in unit order, so the result does not
    /// depend on the threads.
    pub(super) fn fixpoint(&self) -> Vec<Effects> {
        let n = self.units.len();
        let mut effects = self.solved_effects.clone();
        effects.resize(n, Effects::default());
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        // Which units each unit is already a dependent of: a popular callee has thousands of
        // dependents, so membership is checked on the caller's short list instead.
        let mut registered: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut queued: Vec<bool> = (0..n)
            .map(|i| self.in_scope[i] && !self.is_solved(i))
            .collect();
        let mut round: Vec<usize> = (0..n).filter(|&i| queued[i]).collect();
        let mut budget = n.saturating_mul(64);
        let mut updates = vec![0u8; n];
        while !round.is_empty() && budget > 0 {
            round.truncate(budget);
            budget -= round.len();
            let mut next = Vec::new();
            for chunk in round.chunks(FIXPOINT_CHUNK) {
                let walked: Vec<(Effects, Vec<usize>)> = chunk
                    .par_iter()
                    .map(|&i| self.fixpoint_walk(i, &effects))
                    .collect();
                // Reads first: a unit of this chunk that read one updated below is walked
                // again.
                for (&i, (_, reads)) in chunk.iter().zip(&walked) {
                    queued[i] = false;
                    for &r in reads {
                        if let Err(at) = registered[i].binary_search(&r) {
                            registered[i].insert(at, r);
                            dependents[r].push(i);
                        }
                    }
                }
                for (&i, (mut fx, _)) in chunk.iter().zip(walked) {
                    if fx != effects[i] && updates[i] >= SETTLE_AFTER {
                        // Name clashes (two versions of one crate in a scan) can make a
                        // unit's effects alternate; past a few updates they only grow, so
                        // the pass ends.
                        merge(&mut fx, &effects[i], Some);
                    }
                    if fx != effects[i] {
                        updates[i] = updates[i].saturating_add(1);
                        effects[i] = fx;
                        for &d in &dependents[i] {
                            if !queued[d] {
                                queued[d] = true;
                                next.push(d);
                            }
                        }
                    }
                }
            }
            round = next;
        }
        effects
    }

    /// One walk of the fixpoint: unit `i`'s effects against `effects`, and whose it read.
    pub(super) fn fixpoint_walk(&self, i: usize, effects: &[Effects]) -> (Effects, Vec<usize>) {
        let (mut fx, mut reads) = self.analyse_tracked(i, effects);
        if let UnitKind::Fn { is_async: false } = self.units[i].unit.kind {
            // A sync fn's future is the `async` blocks it builds and does not spawn.
            for &c in self.index.children.get(&i).into_iter().flatten() {
                if let UnitKind::AsyncBlock { spawned: false, .. } = self.units[c].unit.kind {
                    merge(&mut fx, &effects[c], |r| {
                        matches!(r, RootRef::Slot(_)).then_some(r)
                    });
                    reads.push(c);
                }
            }
        }
        (fx, reads)
    }

    /// Analyses one unit; also says which units' effects it read.
    pub(super) fn analyse_tracked(&self, i: usize, effects: &[Effects]) -> (Effects, Vec<usize>) {
        let mut reads = Vec::new();
        let body = &self.bodies[i];
        let fx = self
            .analyse_body(i, body, effects, None, Some(&mut reads))
            .0;
        (fx, reads)
    }
}
