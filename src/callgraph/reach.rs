//! Which futures a cancellation site in the scanned code can drop: from each site (a
//! `select!` branch, `timeout`, an aborted task, a request handler…) along the calls and
//! `async` blocks its future awaits, breadth first, so each reached unit keeps the shortest
//! chain back to a site.

use std::collections::VecDeque;

use rustc_hash::FxHashMap as HashMap;

use super::calls::{CallSite, CallSites};
use super::Workspace;
use crate::source::Span;
use crate::summary::{CancelSite, Target, UnitKind};

/// A construct in unit `unit` that can drop the futures of `targets`.
#[derive(Debug, Clone)]
pub struct Start {
    pub site: CancelSite,
    pub unit: usize,
    pub span: Span,
    pub targets: Vec<usize>,
}

/// One step of a chain from a site to a section: where it is and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The unit the span is in (its file is the link's file).
    pub unit: usize,
    pub span: Span,
    pub hop: Hop,
}

/// What a link of a chain does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hop {
    /// The site that can drop the future of unit `target`.
    Site { site: CancelSite, target: usize },
    /// A call (or an `async` block run) on the way to the section.
    Call { callee: usize },
}

/// How each reached unit was first reached.
#[derive(Debug, Clone, Copy)]
enum Pred {
    Start(usize),
    Call { from: usize, span: Span },
}

/// The units cancellation sites reach, with the way back to a site.
pub struct Reach {
    starts: Vec<Start>,
    pred: HashMap<usize, Pred>,
}

impl Reach {
    pub(super) fn new(ws: &Workspace, starts: Vec<Start>, calls: CallSites) -> Reach {
        // Callees are expanded as the walk meets them: a call on a generic receiver stands
        // for every method of its name.
        let mut calls_from: HashMap<usize, Vec<&CallSite>> = HashMap::default();
        for c in calls.iter().flatten() {
            calls_from.entry(c.caller()).or_default().push(c);
        }
        // A sync fn's future is the `async` blocks it builds and does not spawn.
        let mut blocks_of: HashMap<usize, Vec<usize>> = HashMap::default();
        for (parent, blocks) in &ws.index.children {
            if !matches!(
                ws.units[*parent].unit.kind,
                UnitKind::Fn { is_async: false }
            ) {
                continue;
            }
            for &b in blocks {
                if let UnitKind::AsyncBlock { spawned: false, .. } = ws.units[b].unit.kind {
                    blocks_of.entry(*parent).or_default().push(b);
                }
            }
        }
        let mut pred = HashMap::default();
        let mut queue = VecDeque::new();
        for (i, s) in starts.iter().enumerate() {
            for &t in &s.targets {
                if let std::collections::hash_map::Entry::Vacant(e) = pred.entry(t) {
                    e.insert(Pred::Start(i));
                    queue.push_back(t);
                }
            }
        }
        while let Some(u) = queue.pop_front() {
            let called = calls_from.get(&u).into_iter().flatten();
            let calls = called.flat_map(|c| c.callees(ws).map(move |to| (to, c.span)));
            let blocks = blocks_of.get(&u).into_iter().flatten();
            let blocks = blocks.map(|&b| (b, ws.units[b].unit.span));
            for (to, span) in calls.chain(blocks) {
                if let std::collections::hash_map::Entry::Vacant(e) = pred.entry(to) {
                    e.insert(Pred::Call { from: u, span });
                    queue.push_back(to);
                }
            }
        }
        Reach { starts, pred }
    }

    /// The chain from a site to `unit` (site first), or `None` when no site reaches it.
    pub fn chain(&self, unit: usize) -> Option<Vec<Link>> {
        let mut links = Vec::new();
        let mut at = unit;
        // Each step moves to a unit reached earlier, so this ends at a start.
        for _ in 0..=self.pred.len() {
            match *self.pred.get(&at)? {
                Pred::Start(i) => {
                    let s = &self.starts[i];
                    links.push(Link {
                        unit: s.unit,
                        span: s.span,
                        hop: Hop::Site {
                            site: s.site,
                            target: at,
                        },
                    });
                    links.reverse();
                    return Some(links);
                }
                Pred::Call { from, span } => {
                    links.push(Link {
                        unit: from,
                        span,
                        hop: Hop::Call { callee: at },
                    });
                    at = from;
                }
            }
        }
        None
    }
}

/// The crate units a site's target can run.
pub(super) fn targets_of(ws: &Workspace, caller: usize, target: &Target) -> Vec<usize> {
    match target {
        Target::Block(b) => vec![*b],
        _ => ws.resolve_target(caller, target).unwrap_or_default(),
    }
}
impl Workspace {
    /// Sites a unit declares without awaiting them: it is a request handler, or it builds
    /// futures that a router, an `abort()` or a `try_join_all` can drop.
    pub(super) fn declared_starts(&self, i: usize) -> Vec<Start> {
        let unit = &self.units[i].unit;
        let mut starts: Vec<Start> = unit
            .site_roots
            .iter()
            .map(|r| Start {
                site: r.site,
                unit: i,
                span: r.span,
                targets: targets_of(self, i, &r.target),
            })
            .collect();
        if let Some(fw) = unit.handler {
            starts.push(Start {
                site: CancelSite::Handler(fw),
                unit: i,
                span: unit.span,
                targets: vec![i],
            });
        }
        starts
    }
}
