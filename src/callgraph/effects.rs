//! What awaiting a unit's future does to the streams it can reach ([`Effects`], exported
//! per unit), and how a callee's effects map onto the caller's places as [`Event`]s.

use std::collections::{BTreeMap, BTreeSet};

use super::resolve::path_word_io;
use super::walk::Walker;
use super::{calls::Callee, Workspace};
use crate::source::Span;
use crate::summary::{Place, RootRef, Target, Unit};
use crate::vocab::{Cost, Io, Verdict};

/// What awaiting a unit's future does to one of its roots, with where it happens.
#[derive(Debug, Clone, Default, PartialEq, bincode::Encode, bincode::Decode)]
pub struct RootFx {
    pub write: Option<Span>,
    pub read: Option<Span>,
    /// An unguarded write→read section on this root (the future loses a reply if dropped).
    pub section: Option<Span>,
    /// Methods called on this root while its type is a generic parameter.
    pub deferred: BTreeSet<String>,
    /// Dropping the future mid-way loses data or an item on this root.
    pub lossy: Option<Cost>,
}

/// A unit's exported summary.
#[derive(Debug, Clone, Default, PartialEq, bincode::Encode, bincode::Decode)]
pub struct Effects {
    pub roots: BTreeMap<RootRef, RootFx>,
    /// A section on a stream the unit reaches by itself (a pooled or locked connection).
    pub internal_section: bool,
}

impl Effects {
    /// True when awaiting this future and dropping it can leave a reply on a stream.
    pub fn loses_reply(&self) -> bool {
        self.internal_section || self.roots.values().any(|r| r.section.is_some())
    }
}

impl Workspace {
    /// A callee's effects as its callers see them. A dependency that loses an item it was
    /// sending loses its own internal message (a request queued to its driver task): the
    /// request is simply not made, which is what cancelling it means.
    pub(super) fn seen_from<'f>(&self, callee: usize, fx: &'f RootFx) -> Seen<'f> {
        let lossy = match fx.lossy {
            Some(Cost::LosesItem) if self.crate_of(callee).is_some() => None,
            lossy => lossy,
        };
        Seen { fx, lossy }
    }
}

pub(super) fn merge(into: &mut Effects, from: &Effects, map: impl Fn(RootRef) -> Option<RootRef>) {
    into.internal_section |= from.internal_section;
    for (&r, fx) in &from.roots {
        let Some(r) = map(r) else { continue };
        let e = into.roots.entry(r).or_default();
        e.write = e.write.or(fx.write);
        e.read = e.read.or(fx.read);
        e.section = e.section.or(fx.section);
        e.deferred.extend(fx.deferred.iter().cloned());
        e.lossy = worst(e.lossy, fx.lossy);
    }
}

/// Data loss is worse than losing one item, which is worse than a queue place.
pub(super) fn worst(a: Option<Cost>, b: Option<Cost>) -> Option<Cost> {
    a.max(b)
}

/// One I/O fact of an await on a stream of the current unit.
#[derive(Debug, Clone)]
pub(super) enum Event {
    Io(Io, Place, Option<usize>),
    Section(Place, Option<usize>, bool),
    Deferred(RootRef, String),
    Internal,
    Lossy(Place, Cost, Option<usize>, Option<String>),
}

/// A callee's effects on one root as a caller sees them (see [`Workspace::seen_from`]).
#[derive(Clone, Copy)]
pub(super) struct Seen<'f> {
    pub(super) fx: &'f RootFx,
    pub(super) lossy: Option<Cost>,
}

impl<'f> From<&'f RootFx> for Seen<'f> {
    fn from(fx: &'f RootFx) -> Self {
        Seen {
            fx,
            lossy: fx.lossy,
        }
    }
}

pub(super) fn push_fx(
    ev: &mut Vec<Event>,
    seen: Seen,
    place: Place,
    callee: Option<usize>,
    deferred: bool,
) {
    let f = seen.fx;
    if f.section.is_some() {
        ev.push(Event::Section(place.clone(), callee, deferred));
    }
    if let Some(cost) = seen.lossy {
        ev.push(Event::Lossy(place.clone(), cost, callee, None));
    }
    if f.read.is_some() {
        ev.push(Event::Io(Io::Read, place.clone(), callee));
    }
    if f.write.is_some() {
        ev.push(Event::Io(Io::Write, place, callee));
    }
}

/// The places call `target` binds to the slots of `callee`, in slot order: `x.f(a)` binds
/// `x` to `self`; on a callee without `self` (`Type::f(x, a)` written as a method call) the
/// receiver is not a slot; `f(x, a)` binds its arguments.
pub(super) fn slot_bindings<'t>(target: &'t Target, callee: &Unit) -> Vec<Option<&'t Place>> {
    match target {
        Target::Method { recv, args, .. } => std::iter::once(recv)
            .skip(usize::from(!callee.has_self))
            .chain(args)
            .map(Option::as_ref)
            .collect(),
        Target::Path { args, .. } => args.iter().map(Option::as_ref).collect(),
        Target::Block(_) | Target::Opaque => Vec::new(),
    }
}

impl Walker<'_> {
    /// What awaiting `target` does, in terms of this unit's places.
    pub(super) fn events(&mut self, target: &Target, guarded: bool) -> Vec<Event> {
        match target {
            Target::Method {
                recv,
                name,
                args,
                recv_generic,
                ..
            } => {
                let ws = self.ws;
                let open_self = recv.as_ref().is_some_and(|p| self.is_open_self(p))
                    && ws
                        .methods_of(self.unit.self_ty.as_deref().unwrap_or(""), name)
                        .is_empty();
                let candidates = if (*recv_generic || open_self) && ws.vocab.io_of(name).is_none() {
                    // A method on a generic parameter: which impl runs is the caller's choice.
                    let mut ev = Vec::new();
                    if let Some(p) = recv {
                        ev.push(Event::Deferred(p.root, name.clone()));
                    }
                    let mut b = vec![recv.clone()];
                    b.extend(args.iter().cloned());
                    if ws.index.by_method.contains_key(name) {
                        self.record_call(Callee::AnyNamed(name.as_str().into()), &b, guarded);
                    }
                    return ev;
                } else {
                    ws.candidates(self.unit_index, target)
                };
                if candidates.is_empty() {
                    return self.external(name, recv.as_ref(), args.len());
                }
                self.calls(&candidates, target, guarded)
            }
            Target::Path { segments, args } => {
                let candidates = self.ws.candidates(self.unit_index, target);
                if candidates.is_empty() {
                    return self.by_words(target, segments, args);
                }
                let mut ev = self.calls(&candidates, target, guarded);
                if ev.is_empty() && candidates.iter().all(|&c| self.ws.is_handwritten_future(c)) {
                    ev = self.by_words(target, segments, args);
                }
                ev
            }
            Target::Block(b) => {
                self.record_site(*b, &[], guarded);
                let mut ev = Vec::new();
                self.read(*b);
                let fx = &self.effects[*b];
                let captured = self.ws.units[*b].unit.captured_locals;
                if fx.internal_section {
                    ev.push(Event::Internal);
                }
                for (&r, f) in &fx.roots {
                    // The block's own locals mean nothing here; captured ones are ours.
                    if matches!(r, RootRef::Local(l) if l as usize >= captured) {
                        continue;
                    }
                    let place = Place {
                        root: r,
                        fields: vec![],
                    };
                    push_fx(&mut ev, f.into(), place, None, false);
                }
                ev
            }
            Target::Opaque => Vec::new(),
        }
    }

    /// An external method: the vocabulary decides.
    pub(super) fn external(&self, name: &str, recv: Option<&Place>, nargs: usize) -> Vec<Event> {
        let Some(place) = recv else { return Vec::new() };
        // `lock.write()` / `lock.read()` take no argument; `stream.write(buf)` does.
        let is_lock = self.ws.vocab.is_lock(name) && nargs == 0 && matches!(name, "read" | "write");
        let owner = self.ws.type_of(self.unit_index, place);
        // A channel's `send`/`next` moves a whole message or none: not a connection's I/O.
        let is_channel = owner
            .as_deref()
            .is_some_and(|t| self.ws.vocab.is_channel(t));
        let mut ev = match self.ws.vocab.io_of(name) {
            Some(io) if !is_lock && !is_channel => vec![Event::Io(io, place.clone(), None)],
            _ => Vec::new(),
        };
        if let Some(fact) = self.ws.vocab.cancel_fact(name, owner.as_deref(), nargs) {
            if let Verdict::Loses(cost) = fact.verdict {
                ev.push(Event::Lossy(
                    place.clone(),
                    cost,
                    None,
                    Some(fact.source.clone()),
                ));
            }
        }
        ev
    }

    pub(super) fn by_words(
        &self,
        target: &Target,
        segments: &[String],
        args: &[Option<Place>],
    ) -> Vec<Event> {
        let io = match self.ws.resolution(self.unit_index, target) {
            Some(r) => r.path_io,
            None => path_word_io(segments),
        };
        let Some(io) = io else {
            return Vec::new();
        };
        args.iter()
            .flatten()
            .take(1)
            .map(|p| Event::Io(io, p.clone(), None))
            .collect()
    }

    /// Maps candidate callees' effects onto this unit's places.
    pub(super) fn calls(
        &mut self,
        candidates: &[usize],
        target: &Target,
        guarded: bool,
    ) -> Vec<Event> {
        let mut ev = Vec::new();
        for &c in candidates {
            let callee = &self.ws.units[c].unit;
            let b: Vec<Option<Place>> = slot_bindings(target, callee)
                .into_iter()
                .map(Option::<&Place>::cloned)
                .collect();
            self.record_site(c, &b, guarded);
            self.read(c);
            let fx = &self.effects[c];
            if fx.internal_section {
                ev.push(Event::Internal);
            }
            let mut any = false;
            for (r, f) in &fx.roots {
                let RootRef::Slot(s) = *r else { continue };
                let Some(Some(place)) = b.get(s as usize) else {
                    continue;
                };
                any |= f.write.is_some() || f.read.is_some() || f.section.is_some();
                push_fx(
                    &mut ev,
                    self.ws.seen_from(c, f),
                    place.clone(),
                    Some(c),
                    false,
                );
                for m in &f.deferred {
                    any = true;
                    ev.extend(self.resolve_deferred(place, m, c));
                }
            }
            if !any {
                // What the fn's name says it does to its first argument (`send_request`: writes).
                if let (Some(io), Some(Some(p))) = (self.ws.handwritten_io[c], b.first()) {
                    ev.push(Event::Io(io, p.clone(), Some(c)));
                }
            }
        }
        one_io_per_place(ev)
    }

    /// A generic callee calls `m` on what we bound to `place`: resolve it here, where the
    /// type may be known, or defer again.
    pub(super) fn resolve_deferred(&mut self, place: &Place, m: &str, via: usize) -> Vec<Event> {
        let ws = self.ws;
        let root = self.unit.root(place.root);
        if place.fields.is_empty() && (root.generic || self.is_open_self(place)) {
            return vec![Event::Deferred(place.root, m.to_string())];
        }
        let Some(ty) = ws.type_of(self.unit_index, place) else {
            return Vec::new();
        };
        let mut ev = Vec::new();
        for &c in ws
            .methods_of_value(self.unit_index, Some(place), &ty, m)
            .iter()
        {
            self.read(c);
            let fx = &self.effects[c];
            if let Some(f) = fx.roots.get(&RootRef::Slot(0)) {
                if f.section.is_some() {
                    ev.push(Event::Section(place.clone(), Some(c), true));
                } else {
                    push_fx(&mut ev, ws.seen_from(c, f), place.clone(), Some(via), false);
                }
            }
            if fx.internal_section {
                ev.push(Event::Internal);
            }
        }
        one_io_per_place(ev)
    }
}

/// The events of an await that may run any one of several callees (methods of two types
/// that share a name, a trait's impls): each callee's read of a place is the same single
/// read, so it is kept once. Counted once per callee, one await would read the place twice,
/// which is what a frame read in pieces looks like.
fn one_io_per_place(mut ev: Vec<Event>) -> Vec<Event> {
    let mut seen: Vec<(Io, Place)> = Vec::new();
    ev.retain(|e| match e {
        Event::Io(io, place, _) if seen.iter().any(|(i, p)| i == io && p == place) => false,
        Event::Io(io, place, _) => {
            seen.push((*io, place.clone()));
            true
        }
        _ => true,
    });
    ev
}
