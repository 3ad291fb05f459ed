//! The facts the last walk of a unit records: per place, in walk order, what happened to it
//! ([`PlaceLog`]). The walk decides nothing about reporting; the rules read these logs and
//! derive what they report from them: the write→read exchanges ([`Section`]) and the
//! cancellation sites racing a lossy future ([`Race`]).

use crate::source::Span;
use crate::summary::{CancelSite, OnElapsed, Origin, Place, RootKind, RootRef, Unit, UnitKind};
use crate::vocab::Cost;

/// What the last walk of unit `unit` saw happen to one place, in walk order (source order,
/// each branch of an `if`/`match` in turn, a loop body once).
#[derive(Debug, Clone)]
pub struct PlaceLog {
    pub unit: usize,
    /// The stream as written in the unit (`self.stream`); `None` for a connection the unit
    /// reaches only inside a callee (a pooled or locked connection taken there).
    pub place: Option<Place>,
    pub facts: Vec<Fact>,
}

/// One await's part in a place's history.
#[derive(Debug, Clone)]
pub struct Fact {
    pub step: Step,
    pub kind: FactKind,
}

#[derive(Debug, Clone)]
pub enum FactKind {
    /// A write that leaves a request owed on the place: the start of an exchange.
    Write,
    /// A read of the reply owed since the [`FactKind::Write`] at index `answers` of this
    /// log, with no guard active in between.
    Read { answers: u32 },
    /// A whole write→read exchange done by one callee, made concrete here: a generic callee
    /// bound to a type whose method is itself an exchange.
    Exchange,
    /// A cancellation site (`select!` branch, `timeout`, a combinator it is handed to)
    /// racing this await's future, with no guard active, and what dropping it loses.
    Cancelled(Cancellation),
    /// An await doing I/O on the place after a cancellation site raced a future on it
    /// (recorded only then): where a dropped future's leftovers are read.
    Used,
}

/// What a cancellation site's drop of a raced future loses.
#[derive(Debug, Clone)]
pub struct Cancellation {
    pub site: CancelSite,
    /// The worst the future loses when dropped.
    pub cost: Cost,
    /// The future is a whole write→read exchange (not just one lossy I/O call).
    pub exchange: bool,
    /// The cited cancel-safety row of the lossy method, when it is one of tokio's.
    pub source: Option<String>,
    /// For a `timeout`: what the code does when it fires.
    pub on_elapsed: OnElapsed,
    /// The raced call takes the place by value (`process(framed)`): the dropped future owns
    /// it, and drops it.
    pub moved: bool,
    /// How many loops enclose the site in its unit.
    pub loop_depth: u32,
}

/// One await taking part in a fact.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub span: Span,
    pub text: String,
    /// The crate function that does the I/O, when it is not this await's own method.
    pub callee: Option<usize>,
}

/// A write→read exchange derived from a log: a request written, then its reply awaited with
/// no guard active between them.
#[derive(Debug)]
pub struct Section<'l> {
    pub unit: usize,
    pub stream: &'l Place,
    pub write: &'l Step,
    pub reads: Vec<&'l Step>,
    /// The section became concrete here: a generic callee was bound to a type whose method
    /// is itself a section.
    pub via_deferred: bool,
}

/// A fresh future raced where it can be dropped, whose drop loses something: a
/// [`FactKind::Cancelled`] as the rules read it.
#[derive(Debug)]
pub struct Race<'l> {
    pub unit: usize,
    pub site: CancelSite,
    pub span: Span,
    pub text: &'l str,
    pub cost: Cost,
    pub exchange: bool,
    pub stream: Option<&'l Place>,
    /// The crate fn the loss happens in.
    pub callee: Option<usize>,
    /// The lossy method's citation.
    pub source: Option<&'l str>,
    /// For a `timeout`: what the code does when it fires.
    pub on_elapsed: OnElapsed,
    /// The raced call takes the place by value: it is dropped with the future.
    pub moved: bool,
    /// The first await in the unit using the place after the site, if any.
    pub used_again_at: Option<Span>,
    /// How many loops enclose the site in its unit.
    pub loop_depth: u32,
}

/// What dropping a raced future costs, worst first. Each harm is one rule's to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Harm {
    /// A whole write→read exchange: the reply stays on the stream.
    Exchange,
    /// Bytes already moved.
    Data,
    /// The item being sent.
    Item,
    /// Only a place in a fair queue (nothing is corrupted).
    QueuePlace,
}

impl Race<'_> {
    /// Whether what the dropped future was working on can be used after the site fires, in
    /// unit `unit` (the race's): not when the code panics then; not when it continues the
    /// loop the place was made in; not when the raced call took
    /// the place by value (the future owned it); not when the unit owns the place itself
    /// (made in it, or taken by value) and either returns then or never names it again, so
    /// it is dropped on the way out; not when a fn returns then and every caller lends it
    /// a connection of its own (`exposed(slot)`: some caller can bind the slot to one that
    /// outlives the call), which the error leaves through.
    pub fn place_used_again(&self, unit: &Unit, exposed: impl Fn(usize) -> bool) -> bool {
        match (self.on_elapsed, self.stream) {
            (OnElapsed::Panics, _) => false,
            (_, Some(_)) if self.moved => false,
            (OnElapsed::Returns, Some(place)) => {
                !owned_by(unit, place) && !lent_by_owners(unit, place, exposed)
            }
            (OnElapsed::Continues, Some(place)) if self.made_in_this_turn(unit, place) => false,
            (OnElapsed::GoesOn | OnElapsed::Continues, Some(place)) => {
                !(owned_by(unit, place)
                    && self.used_again_at.is_none()
                    && self.last_use(unit, place))
            }
            _ => true,
        }
    }

    /// `place` is the unit's own and made inside the innermost loop around the site: the
    /// next turn drops it.
    fn made_in_this_turn(&self, unit: &Unit, place: &Place) -> bool {
        let RootRef::Local(l) = place.root else {
            return false;
        };
        owned_by(unit, place) && self.loop_depth > 0 && unit.locals[l].loop_depth == self.loop_depth
    }

    /// The site is the last the unit has of `place`: nothing after it names the place (to
    /// use, return, store or hand it on), and no loop around the site runs it again while
    /// the place lives.
    fn last_use(&self, unit: &Unit, place: &Place) -> bool {
        let root = match place.root {
            RootRef::Local(l) => &unit.locals[l],
            RootRef::Slot(i) => &unit.slots[i],
        };
        root.last_mention <= self.span.end_byte && root.loop_depth == self.loop_depth
    }

    pub fn harm(&self) -> Harm {
        match (self.exchange, self.cost) {
            (true, _) => Harm::Exchange,
            (false, Cost::LosesData) => Harm::Data,
            (false, Cost::LosesItem) => Harm::Item,
            (false, Cost::LosesQueuePlace) => Harm::QueuePlace,
        }
    }
}

impl PlaceLog {
    /// The exchanges on this place: each write that a read answers, with the reads that
    /// answer it, and each whole exchange a callee made concrete here.
    pub fn sections(&self) -> impl Iterator<Item = Section<'_>> {
        let stream = self.place.as_ref();
        self.facts.iter().enumerate().filter_map(move |(i, f)| {
            let stream = stream?;
            let via_deferred = match f.kind {
                FactKind::Write => false,
                FactKind::Exchange => true,
                _ => return None,
            };
            let reads: Vec<&Step> = if via_deferred {
                vec![&f.step]
            } else {
                self.facts[i + 1..]
                    .iter()
                    .filter(
                        |r| matches!(r.kind, FactKind::Read { answers } if answers as usize == i),
                    )
                    .map(|r| &r.step)
                    .collect()
            };
            (!reads.is_empty()).then_some(Section {
                unit: self.unit,
                stream,
                write: &f.step,
                reads,
                via_deferred,
            })
        })
    }

    /// The cancellation sites racing a future that loses something on this place.
    pub fn races(&self) -> impl Iterator<Item = Race<'_>> {
        self.facts.iter().enumerate().filter_map(|(i, f)| {
            let FactKind::Cancelled(c) = &f.kind else {
                return None;
            };
            let used_again_at = self.facts[i + 1..]
                .iter()
                .find(|u| matches!(u.kind, FactKind::Used))
                .map(|u| u.step.span);
            Some(Race {
                unit: self.unit,
                site: c.site,
                span: f.step.span,
                text: &f.step.text,
                cost: c.cost,
                exchange: c.exchange,
                stream: self.place.as_ref(),
                callee: f.step.callee,
                source: c.source.as_deref(),
                on_elapsed: c.on_elapsed,
                moved: c.moved,
                used_again_at,
                loop_depth: c.loop_depth,
            })
        })
    }
}

/// `place` belongs to `unit` alone and is dropped when it ends: a local made in it (not one
/// an `async` block captures), or a parameter or `self` taken by value.
fn owned_by(unit: &Unit, place: &Place) -> bool {
    match place.root {
        RootRef::Local(l) => {
            l >= unit.captured_locals && unit.locals[l].kind == RootKind::Local(Origin::Owned)
        }
        RootRef::Slot(i) => matches!(
            unit.slots[i].kind,
            RootKind::ParamOwned | RootKind::SelfOwned
        ),
    }
}

/// `place` is a fn's reference parameter (or `&self`) that no caller binds to a connection
/// outliving the call.
fn lent_by_owners(unit: &Unit, place: &Place, exposed: impl Fn(usize) -> bool) -> bool {
    let RootRef::Slot(i) = place.root else {
        return false;
    };
    matches!(unit.kind, UnitKind::Fn { .. })
        && matches!(unit.slots[i].kind, RootKind::SelfRef | RootKind::ParamRef)
        && !exposed(i)
}

/// The logs of one unit's last walk, one per place, in the order each place first met a fact.
#[derive(Debug, Default)]
pub(super) struct Logs(pub(super) Vec<PlaceLog>);

impl Logs {
    /// The index of the log of `place` in unit `unit`, started if it is the first fact about
    /// it. A unit touches a handful of places, so a scan is cheapest.
    pub(super) fn index_of(&mut self, unit: usize, place: Option<&Place>) -> usize {
        match self.0.iter().position(|l| l.place.as_ref() == place) {
            Some(at) => at,
            None => {
                self.0.push(PlaceLog {
                    unit,
                    place: place.cloned(),
                    facts: Vec::new(),
                });
                self.0.len() - 1
            }
        }
    }
}
