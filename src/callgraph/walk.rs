//! One walk of a unit's body in source order, with a small flow state (which streams have
//! an unanswered write, whether a guard is active): branches are joined, loops run zero or
//! one time. It exports the unit's effects; its last walk also records, per place, what
//! happened to it ([`PlaceLog`]: writes that leave a request owed, the reads that answer
//! them, cancellation sites racing a lossy future, the guard becoming active or not, the
//! owed-reply mark). Whether a fact is reported, guarded or not, is the rules' call.
//!
//! The flow state itself stays here: the exported effects are computed from it for every
//! round of the fixpoint (an unguarded section, a lossy future, a write left unanswered),
//! and its joins of branches are what a log in walk order cannot replay. So the walk
//! decides which write a read answers and whether a guard is active at each step (both
//! recorded as facts), and whether an assignment is the owed-reply mark (it changes the
//! exported effects).

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashSet as HashSet;

use super::calls::{Bound, CallSite, Callee, Recorded};
use super::effects::{worst, Event};
use super::facts::{Cancellation, Fact, FactKind, Logs, PlaceLog, Step};
use super::{reach, Effects, RootFx, Workspace};
use crate::source::Span;
use crate::summary::{
    Await, CancelSite, GuardEvent, Node, Origin, Place, RootKind, RootRef, Target, Unit, UnitKind,
};
use crate::vocab::{Cost, Io};

impl Workspace {
    /// Analyses unit `i` whose body is `body` (taken out of the unit for its last walk)
    /// against the current effects of everything else. With `rec` (the last walk), also
    /// records the calls and the places' logs.
    pub(super) fn analyse_body(
        &self,
        i: usize,
        body: &[Node],
        effects: &[Effects],
        mut rec: Option<&mut Recorded>,
        reads: Option<&mut Vec<usize>>,
    ) -> (Effects, Vec<PlaceLog>) {
        let unit = &self.units[i].unit;
        if let Some(rec) = rec.as_deref_mut() {
            rec.starts.extend(self.declared_starts(i));
        }
        let mut walker = Walker {
            ws: self,
            unit_index: i,
            unit,
            effects,
            out: Effects::default(),
            logs: Logs::default(),
            recording: rec.is_some(),
            guarded_fn: self.is_guarded(i),
            rec,
            flags_cleared: &self.cleared_flags[i],
            at: unit.span,
            reads,
            loop_depth: 0,
        };
        let mut state = State::default();
        walker.nodes(body, &mut state);
        walker.finish(&state);
        let mut out = walker.out;
        if let UnitKind::Fn { is_async: true } = unit.kind {
            for (i, slot) in unit.slots.iter().enumerate() {
                let Some(io) = slot.bound_io else { continue };
                let fx = out.roots.entry(RootRef::slot(i)).or_default();
                if fx.read.is_none() && fx.write.is_none() && fx.section.is_none() {
                    match io {
                        Io::Read => fx.read = Some(unit.span),
                        Io::Write => fx.write = Some(unit.span),
                    }
                }
            }
        }
        if walker.guarded_fn {
            // A guarded exchange recovers on the next call: callers see a complete one, and
            // a drop half-way loses nothing the next guarded call does not repair.
            for fx in out.roots.values_mut() {
                fx.section = None;
                fx.write = None;
                fx.read = None;
                fx.lossy = None;
            }
            out.internal_section = false;
        }
        (out, walker.logs.logs)
    }
}

/// Flow state while walking a body in source order.
#[derive(Clone, Default)]
pub(super) struct State {
    /// Streams written by this unit: the write that started the exchange.
    pub(super) pending: BTreeMap<RootRef, Pending>,
    pub(super) guarded: bool,
    /// Busy marks set (`self.busy = true`, reset later in the unit): a reset of one of
    /// these ends its mark; it marks no owed reply.
    pub(super) busy: BTreeSet<(Place, String)>,
    /// Streams this future has read from into its own memory.
    pub(super) consumed: BTreeSet<RootRef>,
}

#[derive(Clone)]
pub(super) struct Pending {
    /// The await that wrote.
    pub(super) write: Span,
    /// In the last walk: its [`FactKind::Write`], as (log, fact) indices into the walk's logs.
    pub(super) fact: Option<(u32, u32)>,
    /// A read followed the write on every path so far.
    pub(super) answered: bool,
}

impl State {
    /// The reply owed on `root` is recorded where the next call drains it: what follows is
    /// guarded, and callers do not see the write as unanswered.
    fn record_owed(&mut self, root: RootRef) {
        self.guarded = true;
        if let Some(p) = self.pending.get_mut(&root) {
            p.answered = true;
        }
    }

    /// Merges two paths: anything pending on either is pending; guarded only if both are.
    pub(super) fn join(a: State, b: State) -> State {
        let mut pending = a.pending;
        for (k, v) in b.pending {
            match pending.get_mut(&k) {
                Some(p) => p.answered &= v.answered,
                None => {
                    pending.insert(k, v);
                }
            }
        }
        let mut consumed = a.consumed;
        consumed.extend(b.consumed);
        let busy = a.busy.intersection(&b.busy).cloned().collect();
        State {
            pending,
            guarded: a.guarded && b.guarded,
            busy,
            consumed,
        }
    }
}

pub(super) struct Walker<'w> {
    pub(super) ws: &'w Workspace,
    pub(super) unit_index: usize,
    pub(super) unit: &'w Unit,
    pub(super) effects: &'w [Effects],
    pub(super) out: Effects,
    /// What happened to each place, kept by the last walk only (`recording`).
    pub(super) logs: Logs,
    pub(super) recording: bool,
    /// The unit carries a guard attribute: its logs show a guard active over the whole body
    /// (its flow state does not, so that its effects still say what dropping it loses).
    pub(super) guarded_fn: bool,
    pub(super) rec: Option<&'w mut Recorded>,
    pub(super) flags_cleared: &'w HashSet<(Place, String)>,
    /// The await or call being walked (where the calls it makes happen).
    pub(super) at: Span,
    /// Units whose effects this walk read, when the fixpoint wants to know.
    pub(super) reads: Option<&'w mut Vec<usize>>,
    /// How many loops enclose the node being walked.
    pub(super) loop_depth: u32,
}

impl Walker<'_> {
    pub(super) fn nodes(&mut self, nodes: &[Node], state: &mut State) {
        for n in nodes {
            match n {
                Node::Await(a) => {
                    self.at = a.span;
                    let first_call = self.rec.as_ref().map_or(0, |r| r.calls.len());
                    let events = self.events(&a.target, state.guarded);
                    if let Some(site) = a.site {
                        self.record_start(site, a.span, first_call);
                        if site.races() {
                            self.record_race(site, a, &events, state.guarded);
                        }
                    }
                    let buffered = reads_into_outliving_buffer(self.unit, &a.target);
                    self.apply(events, a, state, buffered);
                }
                Node::Call(c) => {
                    self.at = c.span;
                    // Not awaited here: a call site, and maybe a sync helper that counts
                    // owed replies (`fn write_sync(&mut self) { ..; self.pending += 1 }`).
                    self.events(&c.target, state.guarded);
                    if self.is_counting_helper(&c.target) {
                        state.guarded = true;
                    }
                }
                Node::Branch(arms) => {
                    let mut joined: Option<State> = None;
                    for arm in arms {
                        let mut s = state.clone();
                        self.nodes(arm, &mut s);
                        joined = Some(match joined {
                            None => s,
                            Some(j) => State::join(j, s),
                        });
                    }
                    if let Some(j) = joined {
                        *state = j;
                    }
                }
                Node::Loop(body) => {
                    let mut s = state.clone();
                    self.loop_depth += 1;
                    self.nodes(body, &mut s);
                    self.loop_depth -= 1;
                    *state = State::join(state.clone(), s);
                }
                Node::Guard(GuardEvent::FlagClear(p, f)) if self.marks_owed(state, p, f, false) => {
                    self.log_mark(state, p, f, false);
                    state.record_owed(p.root);
                }
                Node::Guard(GuardEvent::FlagSet(p, f)) if self.marks_owed(state, p, f, true) => {
                    self.log_mark(state, p, f, true);
                    state.record_owed(p.root);
                }
                Node::Guard(GuardEvent::FlagClear(p, f)) => {
                    // The busy mark is lifted: what follows is unguarded again.
                    if self.flags_cleared.contains(&(p.clone(), f.clone())) {
                        state.guarded = false;
                        state.busy.remove(&(p.clone(), f.clone()));
                    }
                }
                Node::Guard(GuardEvent::Released(t)) => {
                    if self.is_guard(&GuardEvent::DropGuard(t.clone())) {
                        state.guarded = false;
                    }
                }
                Node::Guard(g) => {
                    if self.is_guard(g) {
                        state.guarded = true;
                        if let GuardEvent::FlagSet(p, f) = g {
                            state.busy.insert((p.clone(), f.clone()));
                        }
                    }
                }
            }
        }
    }

    /// `self.<flag> = value` right after a request is written on `self`, when another method
    /// of the type sets the flag back inside a loop, the drain waiting for the owed reply
    /// (sqlx's `self.is_ready = false` after the flush, set `true` again by
    /// `wait_until_ready` when it reads `ReadyForQuery`): the owed reply is recorded, and the
    /// next call drains it. Under a busy mark of that flag the assignment is the mark's own
    /// reset (`self.busy = false`), which ends it (another guard, an id counter bumped
    /// before, does not make it one); a flag set back only outside a loop is a mode
    /// (`self.pubsub = false`), not a mark.
    fn marks_owed(&self, state: &State, place: &Place, flag: &str, value: bool) -> bool {
        let owed = state.pending.get(&place.root).is_some_and(|p| !p.answered);
        let busy = state.busy.contains(&(place.clone(), flag.to_string()));
        if !owed || busy {
            return false;
        }
        self.owner_type(place)
            .and_then(|ty| self.ws.drain_flags.get(&ty))
            .is_some_and(|set| {
                set.iter()
                    .any(|(f, v, u)| f == flag && *v != value && *u != self.unit_index)
            })
    }

    /// The type a field `place` belongs to: `self`'s, or that of the field holding it
    /// (`self.stream.is_ready` is the stream's flag).
    fn owner_type(&self, place: &Place) -> Option<String> {
        let owner = Place {
            root: place.root,
            fields: place.fields[..place.fields.len().saturating_sub(1)].to_vec(),
        };
        if owner.fields.is_empty() && owner.root == RootRef::Slot(0) && self.unit.has_self {
            self.unit.self_ty.clone()
        } else {
            self.ws.type_of(self.unit_index, &owner)
        }
    }

    /// In the last walk, records the owed-reply mark `place = value` in the log of the write
    /// whose reply it marks owed ([`FactKind::StateChange`]).
    fn log_mark(&mut self, state: &State, place: &Place, field: &str, value: bool) {
        let Some((log, owed)) = state.pending.get(&place.root).and_then(|p| p.fact) else {
            return;
        };
        let step = Step {
            span: self.at,
            text: format!("{} = {value}", self.unit.render_place(place)),
            callee: None,
        };
        let kind = FactKind::StateChange {
            field: field.to_string(),
            value,
            owed,
        };
        let guarded = self.guard_active(state.guarded);
        self.logs.push(log as usize, guarded, Fact { step, kind });
    }

    /// Whether a guard is active at the step being walked, as the logs record it, when the
    /// flow state's guard is `guarded`.
    fn guard_active(&self, guarded: bool) -> bool {
        guarded || self.guarded_fn
    }

    pub(super) fn is_guard(&self, g: &GuardEvent) -> bool {
        match g {
            GuardEvent::FlagSet(p, f) => self.flags_cleared.contains(&(p.clone(), f.clone())),
            GuardEvent::FlagClear(..) | GuardEvent::Released(_) | GuardEvent::Replaced(_) => false,
            GuardEvent::Counter(_) | GuardEvent::ScopeGuard => true,
            // An owed reply queued where a drain loop of the owner's type takes it off.
            GuardEvent::Queued(p) => {
                let field = p.fields.last();
                self.owner_type(p).is_some_and(|ty| {
                    let drained = self.ws.drained_queues.get(&ty);
                    drained.is_some_and(|fields| fields.iter().any(|f| Some(f) == field))
                })
            }
            GuardEvent::DropGuard(t) => {
                self.ws.index.drop_types.contains(t) || t == "ScopeGuard" || t == "DropGuard"
            }
        }
    }

    pub(super) fn fx(&mut self, r: RootRef) -> &mut RootFx {
        self.out.roots.entry(r).or_default()
    }

    /// A site at `span` drops the futures of the calls recorded since `first_call`.
    pub(super) fn record_start(&mut self, site: CancelSite, span: Span, first_call: usize) {
        let unit = self.unit_index;
        let ws = self.ws;
        if let Some(rec) = self.rec.as_deref_mut() {
            let targets = rec.calls[first_call..]
                .iter()
                .flat_map(|c| c.callees(ws))
                .collect();
            rec.starts.push(reach::Start {
                site,
                unit,
                span,
                targets,
            });
        }
    }

    /// Applies one await's events to the flow state. `buffered`: its reads land in a buffer
    /// that outlives the future (`read_buf(&mut self.buf)`).
    pub(super) fn apply(
        &mut self,
        events: Vec<Event>,
        a: &Await,
        state: &mut State,
        buffered: bool,
    ) {
        if self.recording {
            for e in &events {
                if let Event::Io(_, place, _) | Event::Section(place, ..) = e {
                    self.note_use(place, a, state);
                }
            }
        }
        for e in &events {
            match e {
                Event::Section(place, callee, deferred) => {
                    if !state.guarded {
                        self.fx(place.root).section.get_or_insert(a.span);
                    }
                    if *deferred {
                        self.log(Some(place), a, *callee, FactKind::Exchange, state.guarded);
                    }
                }
                Event::Deferred(r, m) => {
                    self.fx(*r).deferred.insert(m.clone());
                }
                Event::Internal => self.out.internal_section |= !state.guarded,
                Event::Lossy(place, cost, ..) => {
                    if !state.guarded {
                        let fx = self.fx(place.root);
                        fx.lossy = worst(fx.lossy, Some(*cost));
                    }
                }
                Event::Io(..) => {}
            }
        }
        for e in &events {
            let Event::Io(Io::Read, place, callee) = e else {
                continue;
            };
            if !buffered && !state.guarded && !state.consumed.insert(place.root) {
                // An earlier read of this future already took bytes off the stream; dropped
                // here, the future loses them (a frame read in pieces).
                let fx = self.fx(place.root);
                fx.lossy = worst(fx.lossy, Some(Cost::LosesData));
            }
            let Some(pending) = state.pending.get_mut(&place.root) else {
                // Nothing of ours is owed here: this read may answer a caller's request.
                self.fx(place.root).read.get_or_insert(a.span);
                continue;
            };
            pending.answered = true;
            let (write, fact) = (pending.write, pending.fact);
            if let Some((log, answers)) = fact {
                let kind = FactKind::Read { answers };
                let known = self.logs.logs[log as usize]
                    .facts
                    .iter()
                    .any(|f| f.kind == kind && f.step.span == a.span);
                if !known {
                    let guarded = self.guard_active(state.guarded);
                    let fact = Fact {
                        step: step(a, *callee),
                        kind,
                    };
                    self.logs.push(log as usize, guarded, fact);
                }
            }
            if state.guarded {
                continue;
            }
            self.fx(place.root).section.get_or_insert(write);
            if self.is_outliving_local(place.root) {
                self.out.internal_section = true;
            }
        }
        for e in events {
            if let Event::Io(Io::Write, place, callee) = e {
                match state.pending.get(&place.root) {
                    Some(p) if !p.answered => {
                        if let Some((_, write)) = p.fact {
                            let more = FactKind::Flush { continues: write };
                            self.log(Some(&place), a, callee, more, state.guarded);
                        }
                    }
                    _ => {
                        let fact =
                            self.log(Some(&place), a, callee, FactKind::Write, state.guarded);
                        state.pending.insert(
                            place.root,
                            Pending {
                                write: a.span,
                                fact,
                                answered: false,
                            },
                        );
                    }
                }
            }
        }
    }

    /// In the last walk: I/O by await `a` on a place a cancellation site raced earlier in
    /// the walk (at another await, guarded or not) is a use of it after the site
    /// ([`FactKind::Used`]), kept once per await.
    fn note_use(&mut self, place: &Place, a: &Await, state: &State) {
        let Some(at) = self
            .logs
            .logs
            .iter()
            .position(|l| l.place.as_ref() == Some(place))
        else {
            return;
        };
        let facts = &self.logs.logs[at].facts;
        let raced_before = facts
            .iter()
            .any(|f| matches!(f.kind, FactKind::Cancelled(_)) && f.step.span != a.span);
        let noted = facts
            .iter()
            .any(|f| f.kind == FactKind::Used && f.step.span == a.span);
        if raced_before && !noted {
            let fact = Fact {
                step: step(a, None),
                kind: FactKind::Used,
            };
            let guarded = self.guard_active(state.guarded);
            self.logs.push(at, guarded, fact);
        }
    }

    /// In the last walk, appends a fact about `place` made by await `a`, where the flow
    /// state's guard is `guarded`; says where it is (log, fact).
    fn log(
        &mut self,
        place: Option<&Place>,
        a: &Await,
        callee: Option<usize>,
        kind: FactKind,
        guarded: bool,
    ) -> Option<(u32, u32)> {
        if !self.recording {
            return None;
        }
        let at = self.logs.index_of(self.unit_index, place);
        let guarded = self.guard_active(guarded);
        let fact = Fact {
            step: step(a, callee),
            kind,
        };
        Some((at as u32, self.logs.push(at, guarded, fact)))
    }

    pub(super) fn is_counting_helper(&self, target: &Target) -> bool {
        if !matches!(target, Target::Method { .. } | Target::Path { .. }) {
            return false;
        }
        let candidates = self.ws.candidates(self.unit_index, target);
        !candidates.is_empty()
            && candidates
                .iter()
                .all(|c| self.ws.counting_helpers.contains(c))
    }

    /// In the last walk, records a race whose losing future drops something, with the worst
    /// it drops, on the place it drops it from (guarded or not: `guarded` is the flow state's).
    pub(super) fn record_race(
        &mut self,
        site: CancelSite,
        a: &Await,
        events: &[Event],
        guarded: bool,
    ) {
        if !self.recording {
            return;
        }
        let mut found: Option<(Cancellation, Option<&Place>, Option<usize>)> = None;
        for e in events {
            let (cost, exchange, stream, callee, source) = match e {
                Event::Section(p, c, _) => (Cost::LosesData, true, Some(p), *c, None),
                Event::Internal => (Cost::LosesData, true, None, None, None),
                Event::Lossy(p, cost, c, src) => (*cost, false, Some(p), *c, src.as_ref()),
                _ => continue,
            };
            let better = found
                .as_ref()
                .is_none_or(|(f, ..)| (exchange, cost) > (f.exchange, f.cost));
            if better {
                let cancellation = Cancellation {
                    site,
                    cost,
                    exchange,
                    source: source.cloned(),
                    on_elapsed: a.on_elapsed,
                    moved: false,
                    loop_depth: self.loop_depth,
                };
                found = Some((cancellation, stream, callee));
            }
        }
        if let Some((mut cancellation, stream, callee)) = found {
            cancellation.moved = match (stream, callee) {
                (Some(place), Some(c)) => self.moved_into(&a.target, c, place),
                _ => false,
            };
            self.log(
                stream,
                a,
                callee,
                FactKind::Cancelled(cancellation),
                guarded,
            );
        }
    }

    /// The awaited call hands `place` by value to callee `c` (`process(framed)`, `self` by
    /// value): the future owns it. A generic parameter (`reader: impl AsyncRead`) may be
    /// given `&mut place`, which the summary does not tell apart, so it is not a move.
    fn moved_into(&self, target: &Target, c: usize, place: &Place) -> bool {
        let callee = &self.ws.units[c].unit;
        let bound = super::effects::slot_bindings(target, callee);
        bound.iter().zip(&callee.slots).any(|(b, slot)| {
            *b == Some(place)
                && matches!(slot.kind, RootKind::ParamOwned | RootKind::SelfOwned)
                && !slot.generic
        })
    }

    /// Exports the writes still unanswered when the body ends.
    pub(super) fn finish(&mut self, state: &State) {
        for (r, p) in &state.pending {
            if !p.answered {
                self.fx(*r).write.get_or_insert(p.write);
            }
        }
    }

    /// Notes that this walk depends on unit `c`'s effects.
    pub(super) fn read(&mut self, c: usize) {
        if let Some(reads) = self.reads.as_deref_mut() {
            reads.push(c);
        }
    }

    /// `self` in a trait's default method: its type is the implementor's, chosen by the
    /// caller, so methods on it are deferred like those on a generic parameter.
    pub(super) fn is_open_self(&self, place: &Place) -> bool {
        place.fields.is_empty()
            && place.root == RootRef::Slot(0)
            && self.unit.has_self
            && self.unit.is_trait_default()
    }

    pub(super) fn is_outliving_local(&self, r: RootRef) -> bool {
        matches!(r, RootRef::Local(l) if matches!(self.unit.locals[l as usize].kind, RootKind::Local(Origin::LockGuard | Origin::Pooled)))
    }

    pub(super) fn record_site(&mut self, callee: usize, bindings: &[Option<Place>], guarded: bool) {
        self.record_call(Callee::Unit(callee as u32), bindings, guarded);
    }

    pub(super) fn record_call(
        &mut self,
        callee: Callee,
        bindings: &[Option<Place>],
        guarded: bool,
    ) {
        if self.rec.is_none() {
            return;
        }
        let outliving = bindings.iter().enumerate().filter_map(|(slot, p)| {
            let root = p.as_ref()?.root;
            let outlives = match root {
                RootRef::Slot(j) => matches!(
                    self.unit.slots.get(j as usize).map(|r| &r.kind),
                    Some(RootKind::SelfRef | RootKind::ParamRef)
                ),
                RootRef::Local(_) => self.is_outliving_local(root),
            };
            outlives.then_some(Bound {
                slot: slot as u32,
                root,
            })
        });
        // Allocated to size: millions of these are kept.
        let mut kept = Vec::with_capacity(outliving.clone().count());
        kept.extend(outliving);
        let bindings = kept.into_boxed_slice();
        let (caller, span) = (self.unit_index as u32, self.at);
        if let Some(rec) = self.rec.as_deref_mut() {
            rec.calls.push(CallSite {
                caller,
                callee,
                bindings,
                guarded,
                span,
            });
        }
    }
}

/// Await `a` as a step of a fact, its I/O done in `callee` (or by its own method).
fn step(a: &Await, callee: Option<usize>) -> Step {
    Step {
        span: a.span,
        text: a.text.clone(),
        callee,
    }
}

/// An awaited method whose arguments include a place that outlives the future: what it reads
/// lands there, not in the future (`read_buf(&mut self.buf)`, `read_until(b'\n', buf)`).
pub(super) fn reads_into_outliving_buffer(unit: &Unit, target: &Target) -> bool {
    let Target::Method { args, .. } = target else {
        return false;
    };
    args.iter().flatten().any(|p| match p.root {
        RootRef::Slot(i) => matches!(
            unit.slots[i as usize].kind,
            RootKind::SelfRef | RootKind::ParamRef
        ),
        RootRef::Local(l) => matches!(
            unit.locals[l as usize].kind,
            RootKind::Local(Origin::LockGuard | Origin::Pooled)
        ),
    })
}
