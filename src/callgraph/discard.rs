//! Connections discarded when a `timeout` fires: its own `Err` arm replaces the connection
//! before any further use (`Err(_) => { self.conn = None; .. }`), or it returns its error
//! from a fn and every caller does so on that error (`Err(e) => { self.clean(); .. }` with
//! `fn clean(&mut self) { self.network = None; .. }`). Either way what the dropped future
//! left on the connection is never read.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::calls::{CallSites, Callee};
use super::effects::slot_bindings;
use super::{PlaceLog, Workspace};
use crate::source::Span;
use crate::summary::{GuardEvent, Node, OnElapsed, Place, RootRef, Target, Unit, UnitKind};

/// An await whose failure arm replaces places of its caller.
pub(super) struct ErrorArm {
    /// The awaited call, which binds the caller's places to the callee's slots.
    call: Target,
    /// The caller's places the `Err` arm replaces before it awaits anything.
    replaced: Vec<Place>,
}

/// Per (caller unit, await span): the awaits whose `Err` arm replaces something.
pub(super) type ErrorArms = HashMap<(usize, Span), ErrorArm>;

/// The races (unit, site) whose raced place is replaced when the timeout fires.
pub(super) type Discarded = HashSet<(usize, Span)>;

impl Workspace {
    /// Every await of a call whose `Err` arm replaces places, read before the last walk
    /// frees the bodies and resolutions.
    pub(super) fn error_arms(&self) -> ErrorArms {
        let mut out = ErrorArms::default();
        for i in self.solved_units..self.units.len() {
            if self.in_scope[i] {
                self.error_arms_in(i, &self.bodies[i], &mut out);
            }
        }
        out
    }

    fn error_arms_in(&self, unit: usize, nodes: &[Node], out: &mut ErrorArms) {
        for (at, n) in nodes.iter().enumerate() {
            match n {
                Node::Await(a) => {
                    let (Some(k), Some(Node::Branch(arms))) = (a.err_arm, nodes.get(at + 1)) else {
                        continue;
                    };
                    let replaced = arms
                        .get(usize::from(k))
                        .map(|arm| self.replaced_before_await(unit, arm))
                        .unwrap_or_default();
                    if !replaced.is_empty() {
                        let arm = ErrorArm {
                            call: a.target.clone(),
                            replaced,
                        };
                        out.insert((unit, a.span), arm);
                    }
                }
                Node::Branch(arms) => arms.iter().for_each(|b| self.error_arms_in(unit, b, out)),
                Node::Loop(b) => self.error_arms_in(unit, b, out),
                Node::Call(_) | Node::Guard(_) => {}
            }
        }
    }

    /// What `nodes` replace, in unit `unit`'s places, before their first await, branch or
    /// loop: by assignment, or by a sync method every candidate of which first of all
    /// replaces a field of its receiver or arguments (`self.clean()`).
    fn replaced_before_await(&self, unit: usize, nodes: &[Node]) -> Vec<Place> {
        let mut out = Vec::new();
        for n in nodes {
            match n {
                Node::Await(_) | Node::Branch(_) | Node::Loop(_) => break,
                Node::Guard(GuardEvent::Replaced(p)) => out.push(p.clone()),
                Node::Call(c) => out.extend(self.replaced_by_call(unit, &c.target)),
                Node::Guard(_) => {}
            }
        }
        out
    }

    fn replaced_by_call(&self, unit: usize, target: &Target) -> Vec<Place> {
        let candidates = self.candidates(unit, target);
        let mut common: Option<Vec<Place>> = None;
        for &c in candidates.iter() {
            let callee = &self.units[c].unit;
            if !matches!(callee.kind, UnitKind::Fn { is_async: false }) {
                return Vec::new();
            }
            let bound = slot_bindings(target, callee);
            // Only what it assigns first, before any call or branch that could return
            // early (`if self.keep { return; }`, `self.flush()?`).
            let mine: Vec<Place> = self.bodies[c]
                .iter()
                .map_while(|n| match n {
                    Node::Guard(g) => Some(g),
                    _ => None,
                })
                .filter_map(|g| {
                    let GuardEvent::Replaced(p) = g else {
                        return None;
                    };
                    let RootRef::Slot(s) = p.root else {
                        return None;
                    };
                    let mut at = (*bound.get(s as usize)?)?.clone();
                    at.fields.extend(p.fields.iter().cloned());
                    Some(at)
                })
                .collect();
            common = Some(match common {
                None => mine,
                Some(prev) => prev.into_iter().filter(|p| mine.contains(p)).collect(),
            });
        }
        common.unwrap_or_default()
    }

    /// The races whose raced place (or a field holding it) is replaced when the `timeout`
    /// fires: by the `Err` arm of the timeout's own result, or, when it returns its error
    /// from a private fn, by every caller, which awaits it and does so when it fails.
    pub(super) fn discarded_on_error(
        &self,
        logs: &[PlaceLog],
        sites: CallSites,
        arms: &ErrorArms,
    ) -> Discarded {
        let mut out = Discarded::default();
        let mut wanted: HashMap<usize, Vec<(usize, Span, Place)>> = HashMap::default();
        for log in logs {
            for r in log.races() {
                let Some(place) = r.stream else { continue };
                if arms
                    .get(&(r.unit, r.span))
                    .is_some_and(|arm| arm.replaces(place))
                {
                    out.insert((r.unit, r.span));
                    continue;
                }
                let f = self.owner_fn(r.unit);
                let unit = &self.units[f].unit;
                let private = !unit.is_pub && unit.trait_name.is_none();
                if r.on_elapsed == OnElapsed::Returns
                    && matches!(place.root, RootRef::Slot(_))
                    && matches!(unit.kind, UnitKind::Fn { .. })
                    && private
                {
                    wanted
                        .entry(f)
                        .or_default()
                        .push((r.unit, r.span, place.clone()));
                }
            }
        }
        if wanted.is_empty() {
            return out;
        }
        // Per wanted fn: whether every call site discards each place, and whether it has one.
        let mut called: HashSet<usize> = HashSet::default();
        let mut kept: HashSet<(usize, Span)> = HashSet::default();
        for s in sites.iter().flatten() {
            for f in s.callees(self).filter(|f| wanted.contains_key(f)) {
                called.insert(f);
                let arm = match s.callee {
                    Callee::Unit(_) => arms.get(&(s.caller(), s.span)),
                    // Any method of the name: how the call binds `f` is not known.
                    Callee::AnyNamed(_) => None,
                };
                let callee = &self.units[f].unit;
                for (unit, span, place) in &wanted[&f] {
                    let RootRef::Slot(j) = place.root else {
                        continue;
                    };
                    let outliving = s.bindings.iter().any(|b| b.slot as usize == j as usize);
                    let discarded = arm.is_some_and(|arm| arm.discards(j as usize, callee, place));
                    if (outliving || matches!(s.callee, Callee::AnyNamed(_))) && !discarded {
                        kept.insert((*unit, *span));
                    }
                }
            }
        }
        out.extend(
            wanted
                .into_iter()
                .filter(|(f, _)| called.contains(f))
                .flat_map(|(_, races)| races)
                .map(|(unit, span, _)| (unit, span))
                .filter(|race| !kept.contains(race)),
        );
        out
    }
}

impl ErrorArm {
    /// The arm replaces what the callee's slot `slot` is bound to, plus `place`'s fields,
    /// or a field holding it.
    fn discards(&self, slot: usize, callee: &Unit, place: &Place) -> bool {
        let Some(Some(at)) = slot_bindings(&self.call, callee).get(slot).copied() else {
            return false;
        };
        let mut whole = at.clone();
        whole.fields.extend(place.fields.iter().cloned());
        self.replaces(&whole)
    }

    /// The arm replaces `place` or a field holding it.
    fn replaces(&self, place: &Place) -> bool {
        self.replaced
            .iter()
            .any(|r| r.root == place.root && place.fields.starts_with(&r.fields))
    }
}
