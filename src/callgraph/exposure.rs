//! Exposure: which (fn, slot) pairs some caller can bind to a stream that outlives the
//! call, so a section on them can really lose a reply.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::calls::{Bound, CallSite, CallSites, Callee};
use super::{Outcome, Section, Workspace};
use crate::source::Span;
use crate::summary::{Origin, RootKind, RootRef, UnitKind};

impl Workspace {
    /// Which (fn, slot) pairs can be bound, by some caller, to a stream that outlives the
    /// call: public API, uncalled fns, or a caller passing an outliving place unguarded.
    pub(super) fn exposure(&self, sites: CallSites) -> HashSet<(usize, usize)> {
        let mut called = vec![false; self.units.len()];
        let mut names_called: HashSet<&str> = HashSet::default();
        for s in sites.iter().flatten() {
            if let Callee::AnyNamed(name) = &s.callee {
                // Every method of the name: marked once, however many calls name it.
                if !names_called.insert(name) {
                    continue;
                }
            }
            for c in s.callees(self) {
                called[c] = true;
            }
        }
        let mut exposed = HashSet::default();
        // Solved units' sections are never reported, and they record no calls.
        for (i, u) in self.units.iter().enumerate().skip(self.solved_units) {
            if !matches!(u.unit.kind, UnitKind::Fn { .. }) {
                continue;
            }
            let api = u.unit.is_pub;
            if !self.is_pool_check(i) && (api || !called[i]) {
                for s in 0..u.unit.slots.len() {
                    exposed.insert((i, s));
                }
            }
        }
        // A worklist: a site passes exposure on when its caller's slot becomes exposed.
        let mut queue: Vec<(usize, usize)> = exposed.iter().copied().collect();
        // (owner fn, its slot) -> (site, argument position) the slot is passed at, by
        // reference: what exposing that slot exposes.
        let mut passes: HashMap<(usize, usize), Vec<(&CallSite, usize)>> = HashMap::default();
        for s in sites.iter().flatten() {
            if s.guarded || self.is_spawned(s.caller()) {
                continue;
            }
            let owner = self.owner_fn(s.caller());
            for &Bound { slot, root } in s.bindings.iter() {
                let slot = slot as usize;
                match root {
                    RootRef::Slot(j) => passes
                        .entry((owner, j as usize))
                        .or_default()
                        .push((s, slot)),
                    // Lock guards and pooled connections outlive the call whoever the
                    // caller is.
                    RootRef::Local(_) => {
                        for c in s.callees(self) {
                            if exposed.insert((c, slot)) {
                                queue.push((c, slot));
                            }
                        }
                    }
                }
            }
        }
        while let Some(exposed_slot) = queue.pop() {
            for &(s, slot) in passes.get(&exposed_slot).into_iter().flatten() {
                for c in s.callees(self) {
                    if exposed.insert((c, slot)) {
                        queue.push((c, slot));
                    }
                }
            }
        }
        exposed
    }

    /// Section `s`'s stream outlives the future, so a reply left on it is read by the next
    /// call: a lock guard or pooled connection of the unit's own, or a reference that some
    /// caller of its fn can bind to such a stream.
    pub(super) fn stream_outlives(&self, s: &Section, exposed: &HashSet<(usize, usize)>) -> bool {
        let unit = &self.units[s.unit].unit;
        match s.stream.root {
            RootRef::Local(l) => matches!(
                unit.locals[l as usize].kind,
                RootKind::Local(Origin::LockGuard | Origin::Pooled)
            ),
            RootRef::Slot(j) => {
                matches!(
                    unit.slots[j as usize].kind,
                    RootKind::SelfRef | RootKind::ParamRef
                ) && exposed.contains(&(self.owner_fn(s.unit), j as usize))
            }
        }
    }
}

impl Outcome {
    /// Section `s`'s stream outlives the future: a lock guard or pooled connection, or a
    /// reference that a caller can bind to such a stream (see the module docs).
    pub fn stream_outlives(&self, ws: &Workspace, s: &Section) -> bool {
        ws.stream_outlives(s, &self.exposed)
    }

    /// Some caller can bind slot `slot` of the fn unit `unit` belongs to, to a stream that
    /// outlives the call.
    pub fn slot_exposed(&self, ws: &Workspace, unit: usize, slot: usize) -> bool {
        self.exposed.contains(&(ws.owner_fn(unit), slot))
    }

    /// The place raced in unit `unit` by the `timeout` at `site` is replaced when it fires
    /// (`self.conn = None`), by the timeout's own `Err` arm or by every caller of the fn it
    /// returns its error from: nothing uses what the dropped future left in it.
    pub fn discarded_on_error(&self, unit: usize, site: Span) -> bool {
        self.discarded.contains(&(unit, site))
    }
}
