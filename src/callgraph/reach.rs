//! Which futures a cancellation site in the scanned code can drop: from each site (a
//! `select!` branch, `timeout`, an aborted task, a request handler…) along the calls and
//! `async` blocks its future awaits, breadth first, so each reached unit keeps the shortest
//! chain back to a site.

use std::collections::{HashMap, VecDeque};

use super::{CallSite, Workspace};
use crate::source::Span;
use crate::summary::{CancelSite, Target, Unit, UnitKind};

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
    pub label: String,
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
    pub(super) fn new(ws: &Workspace<'_>, starts: Vec<Start>, calls: &[CallSite]) -> Reach {
        let mut edges: HashMap<usize, Vec<(usize, Span)>> = HashMap::new();
        for c in calls {
            edges.entry(c.caller).or_default().push((c.callee, c.span));
        }
        // A sync fn's future is the `async` blocks it builds and does not spawn.
        for (parent, blocks) in &ws.children {
            if !matches!(
                ws.units[*parent].unit.kind,
                UnitKind::Fn { is_async: false }
            ) {
                continue;
            }
            for &b in blocks {
                if let UnitKind::AsyncBlock { spawned: false, .. } = ws.units[b].unit.kind {
                    edges
                        .entry(*parent)
                        .or_default()
                        .push((b, ws.units[b].unit.span));
                }
            }
        }
        let mut pred = HashMap::new();
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
            for &(to, span) in edges.get(&u).into_iter().flatten() {
                if let std::collections::hash_map::Entry::Vacant(e) = pred.entry(to) {
                    e.insert(Pred::Call { from: u, span });
                    queue.push_back(to);
                }
            }
        }
        Reach { starts, pred }
    }

    /// The chain from a site to `unit` (site first), or `None` when no site reaches it.
    pub fn chain(&self, ws: &Workspace<'_>, unit: usize) -> Option<Vec<Link>> {
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
                        label: site_label(s.site),
                    });
                    links.reverse();
                    return Some(links);
                }
                Pred::Call { from, span } => {
                    links.push(Link {
                        unit: from,
                        span,
                        label: call_label(&ws.units[at].unit),
                    });
                    at = from;
                }
            }
        }
        None
    }
}

fn site_label(site: CancelSite) -> String {
    match site {
        CancelSite::Select => "cancelled here by `select!`, when another branch wins".into(),
        CancelSite::Timeout => "cancelled here by `timeout`, when the time runs out".into(),
        CancelSite::Handed => {
            "cancelled here by the combinator it is handed to, which can finish without it".into()
        }
        CancelSite::TryJoin => "cancelled here by `try_join`, when another operand fails".into(),
        CancelSite::Abort => "cancelled here by aborting the task".into(),
        CancelSite::Handler(f) => format!(
            "cancelled here: the {} is dropped when the client disconnects",
            f.describe()
        ),
    }
}

fn call_label(callee: &Unit) -> String {
    match callee.kind {
        UnitKind::Fn { .. } => format!("calls `{}`", callee.display_name()),
        UnitKind::AsyncBlock { .. } => "runs this `async` block".into(),
    }
}

/// The crate units a site's target can run.
pub(super) fn targets_of(ws: &Workspace<'_>, unit: &Unit, target: &Target) -> Vec<usize> {
    match target {
        Target::Block(b) => vec![*b],
        Target::Path { segments, .. } => ws.resolve_path(unit, segments),
        Target::Method { recv, name, .. } => ws.resolve_method(unit, recv.as_ref(), name),
        Target::Opaque => Vec::new(),
    }
}
