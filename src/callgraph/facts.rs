//! The facts the last walk of a unit records: per place, in walk order, what happened to it
//! ([`PlaceLog`]): writes, reads and whose request they answer, whole exchanges of callees,
//! cancellation sites, uses after them, the guard becoming active or not, and the owed-reply
//! mark. The walk decides nothing about reporting; the rules read these logs and derive what
//! they report from them: the write→read exchanges with no guard active at the read
//! ([`Section`]) and the cancellation sites with no guard active racing a lossy future
//! ([`Race`]).

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

/// What happened to the place at a fact's step.
#[derive(Debug, Clone, PartialEq)]
pub enum FactKind {
    /// A write that leaves a request owed on the place: the start of an exchange.
    Write,
    /// More of the request owed since the [`FactKind::Write`] at index `continues` of this
    /// log, sent before its reply: its flush, or the rest of a command written in parts.
    /// (The vocabulary counts a flush as a write: a write with no request owed starts one.)
    Flush { continues: u32 },
    /// A read of the reply owed since the [`FactKind::Write`] at index `answers` of this
    /// log (written on some path to the read: the walk's flow state joins branches),
    /// guarded or not.
    Read { answers: u32 },
    /// A whole write→read exchange done by one callee, made concrete here: a generic callee
    /// bound to a type whose method is itself an exchange.
    Exchange,
    /// A cancellation site (`select!` branch, `timeout`, a combinator it is handed to)
    /// racing this await's future, and what dropping it loses.
    Cancelled(Cancellation),
    /// An await doing I/O on the place after a cancellation site raced a future on it
    /// (recorded only then): where a dropped future's leftovers are read.
    Used,
    /// From this step on a guard is active on every path (a busy flag set, a counter of
    /// owed replies, a drop guard, the fn's guard attribute), until a [`FactKind::GuardLeft`].
    /// Guards hold for the whole unit and carry no position in the summary, so the walk
    /// writes the change into a place's log just before that place's next fact, at its
    /// step: replayed in order, the log tells whether a guard is active at each fact.
    GuardEntered,
    /// From this step on no guard is active on some path (the busy flag reset, the guard
    /// dropped, a branch that had none).
    GuardLeft,
    /// The owed-reply mark: `owner.field = value` right after the request of the
    /// [`FactKind::Write`] at index `owed` was written, a flag of the place's owner that
    /// another method of its type sets back in the loop draining the reply (sqlx's
    /// `self.is_ready = false`). The next call drains the reply, so from here the exchange
    /// is covered as by a guard. Its step is the await or call walked just before the
    /// assignment (which has no position of its own in the summary), with the assignment
    /// as its text.
    StateChange {
        field: String,
        value: bool,
        owed: u32,
    },
}

/// What a cancellation site's drop of a raced future loses.
#[derive(Debug, Clone, PartialEq)]
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
    /// More of the request sent before its reply (its flush, the rest of a command).
    pub flushes: Vec<&'l Step>,
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
        owned_by(unit, place)
            && self.loop_depth > 0
            && unit.locals[l as usize].loop_depth == self.loop_depth
    }

    /// The site is the last the unit has of `place`: nothing after it names the place (to
    /// use, return, store or hand it on), and no loop around the site runs it again while
    /// the place lives.
    fn last_use(&self, unit: &Unit, place: &Place) -> bool {
        let root = unit.root(place.root);
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
    /// Per fact, whether a guard is active at its step: the guard facts and owed-reply
    /// marks before it, replayed in order.
    pub fn guard_active(&self) -> Vec<bool> {
        let mut active = false;
        self.facts
            .iter()
            .map(|f| {
                match f.kind {
                    FactKind::GuardEntered | FactKind::StateChange { .. } => active = true,
                    FactKind::GuardLeft => active = false,
                    _ => {}
                }
                active
            })
            .collect()
    }

    /// The exchanges on this place: each write that a read with no guard active answers,
    /// with those reads, and each whole exchange a callee made concrete here with no guard
    /// active.
    pub fn sections(&self) -> impl Iterator<Item = Section<'_>> {
        let stream = self.place.as_ref();
        let guarded = self.guard_active();
        self.facts.iter().enumerate().filter_map(move |(i, f)| {
            let stream = stream?;
            let via_deferred = match f.kind {
                FactKind::Write => false,
                FactKind::Exchange if !guarded[i] => true,
                _ => return None,
            };
            // The facts after the write about its request, with no guard active.
            let following = |kind: FactKind| -> Vec<&Step> {
                let after = self.facts[i + 1..].iter().zip(&guarded[i + 1..]);
                after
                    .filter(|&(r, &guarded)| !guarded && r.kind == kind)
                    .map(|(r, _)| &r.step)
                    .collect()
            };
            let request = i as u32;
            let (flushes, reads) = if via_deferred {
                (Vec::new(), vec![&f.step])
            } else {
                (
                    following(FactKind::Flush { continues: request }),
                    following(FactKind::Read { answers: request }),
                )
            };
            (!reads.is_empty()).then_some(Section {
                unit: self.unit,
                stream,
                write: &f.step,
                flushes,
                reads,
                via_deferred,
            })
        })
    }

    /// The cancellation sites with no guard active racing a future that loses something on
    /// this place.
    pub fn races(&self) -> impl Iterator<Item = Race<'_>> {
        let guarded = self.guard_active();
        let counted = self.uses_after_races(&guarded);
        self.facts.iter().enumerate().filter_map(move |(i, f)| {
            let FactKind::Cancelled(c) = &f.kind else {
                return None;
            };
            if guarded[i] {
                return None;
            }
            let used_again_at = (i + 1..self.facts.len())
                .find(|&j| counted[j])
                .map(|j| self.facts[j].step.span);
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

    /// Per fact, whether it is a [`FactKind::Used`] that follows a race with no guard active
    /// at another await than its own.
    fn uses_after_races(&self, guarded: &[bool]) -> Vec<bool> {
        // The spans of the races so far: none, one, or two or more distinct ones.
        let (mut first, mut distinct) = (None, false);
        self.facts
            .iter()
            .zip(guarded)
            .map(|(f, &g)| match f.kind {
                FactKind::Used => distinct || first.is_some_and(|s| s != f.step.span),
                FactKind::Cancelled(_) if !g => {
                    distinct |= first.is_some_and(|s| s != f.step.span);
                    first = first.or(Some(f.step.span));
                    false
                }
                _ => false,
            })
            .collect()
    }
}

/// `place` belongs to `unit` alone and is dropped when it ends: a local made in it (not one
/// an `async` block captures), or a parameter or `self` taken by value.
fn owned_by(unit: &Unit, place: &Place) -> bool {
    match place.root {
        RootRef::Local(l) => {
            l as usize >= unit.captured_locals
                && unit.locals[l as usize].kind == RootKind::Local(Origin::Owned)
        }
        RootRef::Slot(i) => matches!(
            unit.slots[i as usize].kind,
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
        && matches!(
            unit.slots[i as usize].kind,
            RootKind::SelfRef | RootKind::ParamRef
        )
        && !exposed(i as usize)
}

/// The logs of one unit's last walk, one per place, in the order each place first met a fact.
#[derive(Debug, Default)]
pub(super) struct Logs {
    pub(super) logs: Vec<PlaceLog>,
    /// Per log, whether its facts so far leave a guard active (see [`FactKind::GuardEntered`]).
    guard_logged: Vec<bool>,
}

impl Logs {
    /// The index of the log of `place` in unit `unit`, started if it is the first fact about
    /// it. A unit touches a handful of places, so a scan is cheapest.
    pub(super) fn index_of(&mut self, unit: usize, place: Option<&Place>) -> usize {
        match self.logs.iter().position(|l| l.place.as_ref() == place) {
            Some(at) => at,
            None => {
                self.logs.push(PlaceLog {
                    unit,
                    place: place.cloned(),
                    facts: Vec::new(),
                });
                self.guard_logged.push(false);
                self.logs.len() - 1
            }
        }
    }

    /// Appends `fact` to log `at`, after the guard change since its last fact if the walk's
    /// guard (`guarded`) differs from what the log says; returns its index in the log.
    pub(super) fn push(&mut self, at: usize, guarded: bool, fact: Fact) -> u32 {
        if self.guard_logged[at] != guarded {
            self.guard_logged[at] = guarded;
            let kind = if guarded {
                FactKind::GuardEntered
            } else {
                FactKind::GuardLeft
            };
            self.logs[at].facts.push(Fact {
                step: fact.step.clone(),
                kind,
            });
        }
        if matches!(fact.kind, FactKind::StateChange { .. }) {
            // The mark covers what follows as a guard does.
            self.guard_logged[at] = true;
        }
        let facts = &mut self.logs[at].facts;
        facts.push(fact);
        facts.len() as u32 - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callgraph::Workspace;

    /// The logs of fn `function` in `code` (analysed alone), each as its place and its facts'
    /// kinds with the line of their step.
    fn logs_of(code: &str, function: &str) -> Vec<PlaceLog> {
        let vocab = crate::vocab::Vocabulary::default();
        let file = std::path::PathBuf::from("conn.rs");
        let summary = crate::summarize_text(&file, code, &vocab).expect("parses");
        let mut ws = Workspace::new(vec![summary], &vocab);
        let outcome = ws.solve();
        outcome
            .logs
            .into_iter()
            .filter(|l| ws.units[l.unit].unit.display_name() == function)
            .collect()
    }

    /// Each fact of `log` as its kind and the line of its step.
    fn kinds(log: &PlaceLog) -> Vec<(FactKind, u32)> {
        log.facts
            .iter()
            .map(|f| (f.kind.clone(), f.step.span.line))
            .collect()
    }

    /// A busy flag set before the write and reset after the read: the guard is entered at the
    /// write (the place's first fact), the read is recorded with it active, and no section
    /// is derived.
    #[test]
    fn a_guarded_exchange_records_the_guard_and_its_read() {
        let code = r#"
            pub struct Conn { stream: tokio::net::TcpStream, busy: bool }
            impl Conn {
                pub async fn query(&mut self) -> u8 {
                    self.busy = true;
                    self.stream.write_all(b"Q").await.unwrap();
                    let r = self.stream.read_u8().await.unwrap();
                    self.busy = false;
                    r
                }
            }
        "#;
        let logs = logs_of(code, "Conn::query");
        let [log] = &logs[..] else {
            panic!("{logs:#?}")
        };
        assert_eq!(
            kinds(log),
            [
                (FactKind::GuardEntered, 6),
                (FactKind::Write, 6),
                (FactKind::Read { answers: 1 }, 7)
            ]
        );
        assert_eq!(log.guard_active(), [true, true, true]);
        assert_eq!(log.sections().count(), 0);
    }

    /// A command written in parts and flushed before its reply: the later writes are
    /// flushes of the one request, and the section shows them between its write and read.
    #[test]
    fn the_rest_of_a_request_and_its_flush_are_flushes_of_it() {
        let code = r#"
            pub struct Conn { stream: tokio::net::TcpStream }
            impl Conn {
                pub async fn query(&mut self) -> u8 {
                    self.stream.write_all(b"Q").await.unwrap();
                    self.stream.write_all(b"\r\n").await.unwrap();
                    self.stream.flush().await.unwrap();
                    let r = self.stream.read_u8().await.unwrap();
                    self.stream.write_all(b"ACK").await.unwrap();
                    r
                }
            }
        "#;
        let logs = logs_of(code, "Conn::query");
        let [log] = &logs[..] else {
            panic!("{logs:#?}")
        };
        assert_eq!(
            kinds(log),
            [
                (FactKind::Write, 5),
                (FactKind::Flush { continues: 0 }, 6),
                (FactKind::Flush { continues: 0 }, 7),
                (FactKind::Read { answers: 0 }, 8),
                (FactKind::Write, 9),
            ]
        );
        let sections: Vec<(u32, Vec<u32>, Vec<u32>)> = log
            .sections()
            .map(|s| {
                let lines = |steps: &[&Step]| steps.iter().map(|s| s.span.line).collect();
                (s.write.span.line, lines(&s.flushes), lines(&s.reads))
            })
            .collect();
        assert_eq!(sections, [(5, vec![6, 7], vec![8])]);
    }

    /// The busy flag reset between the write and the read: the guard is left at the read,
    /// which answers the write with no guard active (a section).
    #[test]
    fn a_guard_left_before_the_read_is_recorded_at_the_read() {
        let code = r#"
            pub struct Conn { stream: tokio::net::TcpStream, busy: bool }
            impl Conn {
                pub async fn query(&mut self) -> u8 {
                    self.busy = true;
                    self.stream.write_all(b"Q").await.unwrap();
                    self.busy = false;
                    self.stream.read_u8().await.unwrap()
                }
            }
        "#;
        let logs = logs_of(code, "Conn::query");
        let [log] = &logs[..] else {
            panic!("{logs:#?}")
        };
        assert_eq!(
            kinds(log),
            [
                (FactKind::GuardEntered, 6),
                (FactKind::Write, 6),
                (FactKind::GuardLeft, 8),
                (FactKind::Read { answers: 1 }, 8)
            ]
        );
        let reads: Vec<u32> = log
            .sections()
            .flat_map(|s| s.reads.into_iter().map(|r| r.span.line))
            .collect();
        assert_eq!(reads, [8]);
    }

    /// sqlx's owed-reply mark right after the write: recorded in the write's log, at the
    /// write's step (the assignment has no position of its own), as what covers the read.
    #[test]
    fn the_owed_reply_mark_is_a_state_change_in_the_writes_log() {
        let code = r#"
            pub struct Conn { stream: tokio::net::TcpStream, is_ready: bool }
            impl Conn {
                async fn wait_until_ready(&mut self) -> std::io::Result<()> {
                    if !self.is_ready {
                        loop {
                            if self.stream.read_u8().await? == READY {
                                self.is_ready = true;
                                break;
                            }
                        }
                    }
                    Ok(())
                }
                pub async fn query(&mut self, q: &[u8]) -> std::io::Result<u8> {
                    self.wait_until_ready().await?;
                    self.stream.write_all(q).await?;
                    self.is_ready = false;
                    self.stream.read_u8().await
                }
            }
        "#;
        let logs = logs_of(code, "Conn::query");
        let [log] = &logs[..] else {
            panic!("{logs:#?}")
        };
        let mark = FactKind::StateChange {
            field: "is_ready".into(),
            value: false,
            owed: 0,
        };
        assert_eq!(
            kinds(log),
            [
                (FactKind::Write, 17),
                (mark, 17),
                (FactKind::Read { answers: 0 }, 19)
            ]
        );
        assert_eq!(log.facts[1].step.text, "self.is_ready = false");
        assert_eq!(log.sections().count(), 0);
    }

    /// A `select!` branch raced under a busy flag is recorded with the guard active, and
    /// derives no race; the same branch with no flag does.
    #[test]
    fn a_cancellation_under_a_guard_is_recorded_and_not_a_race() {
        let code = r#"
            pub struct Conn { stream: tokio::net::TcpStream, busy: bool }
            impl Conn {
                pub async fn guarded(&mut self, stop: &mut Receiver<()>) {
                    self.busy = true;
                    tokio::select! {
                        _ = self.stream.write_all(b"PING") => {}
                        _ = stop.recv() => {}
                    }
                    self.busy = false;
                }
                pub async fn bare(&mut self, stop: &mut Receiver<()>) {
                    tokio::select! {
                        _ = self.stream.write_all(b"PING") => {}
                        _ = stop.recv() => {}
                    }
                }
            }
        "#;
        for (function, guard, races) in [("Conn::guarded", true, 0), ("Conn::bare", false, 1)] {
            let logs = logs_of(code, function);
            let [log] = &logs[..] else {
                panic!("{logs:#?}")
            };
            let kinds: Vec<&FactKind> = log.facts.iter().map(|f| &f.kind).collect();
            let at = kinds
                .iter()
                .position(|k| matches!(k, FactKind::Cancelled(_)));
            let Some(at) = at else {
                panic!("{function}: no cancellation in {kinds:?}")
            };
            assert_eq!(log.guard_active()[at], guard, "{function}");
            assert_eq!(kinds[0] == &FactKind::GuardEntered, guard, "{function}");
            assert_eq!(log.races().count(), races, "{function}");
        }
    }

    /// A fn with the guard attribute keeps its logs: a guard is active over its whole body.
    #[test]
    fn a_guarded_fn_logs_its_exchange_under_the_guard() {
        let code = r#"
            pub struct Conn { stream: tokio::net::TcpStream, cancel: cancelsafe::CancelState }
            impl Conn {
                #[cancelsafe::guard(state = self.cancel)]
                pub async fn query(&mut self) -> std::io::Result<u8> {
                    self.stream.write_all(b"Q").await?;
                    self.stream.read_u8().await
                }
            }
        "#;
        let logs = logs_of(code, "Conn::query");
        let [log] = &logs[..] else {
            panic!("{logs:#?}")
        };
        assert_eq!(
            kinds(log),
            [
                (FactKind::GuardEntered, 6),
                (FactKind::Write, 6),
                (FactKind::Read { answers: 1 }, 7)
            ]
        );
        assert_eq!(log.sections().count(), 0);
    }
}
