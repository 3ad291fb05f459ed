//! What the last walk of each unit records besides effects: the calls it makes, with the
//! slots they bind to places that outlive the call (for exposure and reach), and the
//! cancellation sites it declares.

use super::{reach, Workspace};
use crate::source::Span;
use crate::summary::RootRef;

/// The calls the last pass recorded, in the chunks it recorded them in.
pub(super) type CallSites<'a> = &'a [Vec<CallSite>];

/// A call from one unit to a crate function, with how its slots are bound.
#[derive(Debug, Clone)]
pub(super) struct CallSite {
    pub(super) caller: u32,
    pub(super) callee: Callee,
    pub(super) guarded: bool,
    /// The callee's slots bound to a place that outlives the call (all exposure needs): a
    /// slot the caller holds by reference, or a lock guard or pooled connection. Most calls
    /// bind none, and then this allocates nothing.
    pub(super) bindings: Box<[Bound]>,
    /// The await or call that makes it.
    pub(super) span: Span,
}

/// A callee's slot, bound to a root of the caller that outlives the call.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bound {
    pub(super) slot: u32,
    pub(super) root: RootRef,
}

/// Who a recorded call can run.
#[derive(Debug, Clone)]
pub(super) enum Callee {
    Unit(u32),
    /// Any method of this name (`x.read()` on a generic `x`: the caller's caller picks the
    /// impl): one record, not one per method of the workspace with that name.
    AnyNamed(Box<str>),
}

impl CallSite {
    pub(super) fn caller(&self) -> usize {
        self.caller as usize
    }

    /// The units the call can run.
    pub(super) fn callees<'w>(&'w self, ws: &'w Workspace) -> impl Iterator<Item = usize> + 'w {
        let (one, named) = match &self.callee {
            Callee::Unit(u) => (Some(*u as usize), None),
            Callee::AnyNamed(name) => (None, ws.index.by_method.get(&**name)),
        };
        one.into_iter().chain(named.into_iter().flatten().copied())
    }
}

/// What the last pass records besides effects: the calls (for exposure and reach) and the
/// cancellation sites. A workspace of millions of lines records millions of calls: they
/// stay in the chunks the parallel walk made them in (see [`CallSites`]).
#[derive(Default)]
pub(super) struct Recorded {
    pub(super) calls: Vec<CallSite>,
    pub(super) starts: Vec<reach::Start>,
}
