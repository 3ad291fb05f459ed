//! Exposure: which (fn, slot) pairs some caller can bind to a stream that outlives the
//! call, so a section on them can really lose a reply.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::calls::{Bound, CallSite, CallSites, Callee};
use super::{Section, Workspace};
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
            let api = u.unit.is_pub && u.unit.trait_name.is_none();
            let pool_check = u
                .unit
                .trait_name
                .as_deref()
                .is_some_and(|t| self.vocab.is_pool_check(t, &u.unit.name));
            if !pool_check && (api || !called[i]) {
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
                    RootRef::Slot(j) => passes.entry((owner, j)).or_default().push((s, slot)),
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

    pub(super) fn is_reportable(&self, s: &Section, exposed: &HashSet<(usize, usize)>) -> bool {
        if self.is_spawned(s.unit) {
            return false;
        }
        let unit = &self.units[s.unit].unit;
        let owner = self.owner_fn(s.unit);
        let owner_unit = &self.units[owner].unit;
        if owner_unit.guard_attr || owner_unit.declared_safe {
            return false;
        }
        match s.stream.root {
            RootRef::Local(l) => matches!(
                unit.locals[l].kind,
                RootKind::Local(Origin::LockGuard | Origin::Pooled)
            ),
            RootRef::Slot(j) => {
                matches!(unit.slots[j].kind, RootKind::SelfRef | RootKind::ParamRef)
                    && exposed.contains(&(owner, j))
            }
        }
    }
}
