//! The workspace pass: resolves calls across every summarised file, propagates what each
//! function's future does to the streams it can reach to a fixpoint, and finds the
//! write→read sections.
//!
//! Resolution is by name and, where the code writes it down, by type: `self.m()` goes to
//! the same type's impls, `Type::m(..)`/`f(..)` by path, `x.m()` on a field or parameter
//! of a known type to that type, a call on a generic parameter is *deferred* to the caller
//! that binds it to a concrete type. Each unit is analysed once per round; callers see
//! callees only through their exported [`Effects`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rayon::prelude::*;

mod index;
mod typing;

pub use index::Index;

use crate::source::Span;
use crate::summary::{
    CancelSite, FileSummary, GuardEvent, Node, Origin, Place, RootKind, RootRef, Target, Unit,
    UnitKind,
};
use crate::vocab::{Cost, Io, Verdict, Vocabulary};

mod reach;

pub use reach::{Hop, Link, Reach};

/// The crate of a module path (`redis` for `redis::aio`).
pub fn crate_name(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

/// Updates of one unit's effects after which new effects are joined with the old ones.
const SETTLE_AFTER: u8 = 8;

/// Units per parallel task of the final walk.
const FINAL_WALK_CHUNK: usize = 256;

/// Units resolved in parallel before their resolutions are stored.
const RESOLVE_CHUNK: usize = 512;
/// Units the fixpoint walks in parallel before applying what they found.
const FIXPOINT_CHUNK: usize = 1024;

/// One unit with the file it came from.
#[derive(Debug, Clone)]
pub struct UnitRef {
    pub file: usize,
    pub unit: Unit,
}

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

/// A write→read pair found in one unit.
#[derive(Debug, Clone)]
pub struct Section {
    pub unit: usize,
    pub stream: Place,
    pub write: Step,
    pub reads: Vec<Step>,
    /// The section became concrete here: a generic callee was bound to a type whose method
    /// is itself a section.
    pub via_deferred: bool,
    /// How a cancellation site in the scanned code reaches this section's future (site,
    /// then each call on the way), or `None` when none does.
    pub reached_by: Option<Vec<Link>>,
}

/// A fresh future raced where it can be dropped, whose drop loses data.
#[derive(Debug, Clone)]
pub struct Raced {
    pub unit: usize,
    pub site: CancelSite,
    pub span: Span,
    pub text: String,
    pub cost: Cost,
    /// The future is a whole write→read exchange (not just one lossy I/O call).
    pub exchange: bool,
    pub stream: Option<Place>,
    /// The crate fn the loss happens in, or the lossy method's citation.
    pub callee: Option<usize>,
    pub source: Option<String>,
}

/// One await taking part in a section.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub span: Span,
    pub text: String,
    /// The crate function that does the I/O, when it is not this await's own method.
    pub callee: Option<usize>,
}

/// The calls the last pass recorded, in the chunks it recorded them in.
type CallSites<'a> = &'a [Vec<CallSite>];

/// A call from one unit to a crate function, with how its slots are bound.
#[derive(Debug, Clone)]
struct CallSite {
    caller: u32,
    callee: Callee,
    guarded: bool,
    /// The callee's slots bound to a place that outlives the call (all exposure needs): a
    /// slot the caller holds by reference, or a lock guard or pooled connection. Most calls
    /// bind none, and then this allocates nothing.
    bindings: Box<[Bound]>,
    /// The await or call that makes it.
    span: Span,
}

/// A callee's slot, bound to a root of the caller that outlives the call.
#[derive(Debug, Clone, Copy)]
struct Bound {
    slot: u32,
    root: RootRef,
}

/// Who a recorded call can run.
#[derive(Debug, Clone)]
enum Callee {
    Unit(u32),
    /// Any method of this name (`x.read()` on a generic `x`: the caller's caller picks the
    /// impl): one record, not one per method of the workspace with that name.
    AnyNamed(Box<str>),
}

impl CallSite {
    fn caller(&self) -> usize {
        self.caller as usize
    }

    /// The units the call can run.
    fn callees<'w>(&'w self, ws: &'w Workspace) -> impl Iterator<Item = usize> + 'w {
        let (one, named) = match &self.callee {
            Callee::Unit(u) => (Some(*u as usize), None),
            Callee::AnyNamed(name) => (None, ws.index.by_method.get(&**name)),
        };
        one.into_iter().chain(named.into_iter().flatten().copied())
    }
}

/// The key of a method in `Workspace::by_home_and_name`: its crate, package and name.
fn home_and_name((krate, package): (Option<&str>, u32), name: &str) -> u64 {
    let seed = xxhash_rust::xxh3::xxh3_64(krate.unwrap_or("").as_bytes());
    xxhash_rust::xxh3::xxh3_64_with_seed(name.as_bytes(), seed ^ u64::from(package))
}

/// `Workspace::methods_of` answers by [`index::type_and_name`]: (type, name, methods).
type MethodsMemo = HashMap<u64, Vec<(Box<str>, Box<str>, Arc<[usize]>)>>;

/// A call's resolution, worked out once before the fixpoint.
struct Resolution {
    /// The call's address in `Workspace::units`.
    at: usize,
    /// The crate units it can run.
    callees: Box<[usize]>,
    /// What a call by path says it does by its name (`Framed::new(stream)`): asked when it
    /// runs no crate unit.
    path_io: Option<Io>,
}

/// What the last pass records besides effects: the calls (for exposure and reach) and the
/// cancellation sites. A workspace of millions of lines records millions of calls: they
/// stay in the chunks the parallel walk made them in (see [`CallSites`]).
#[derive(Default)]
struct Recorded {
    calls: Vec<CallSite>,
    starts: Vec<reach::Start>,
}

/// All summaries of a workspace, indexed for resolution.
pub struct Workspace {
    pub units: Vec<UnitRef>,
    /// The lookup tables of `units` (whose own `units` are moved out, above).
    index: Index,
    vocab: Vocabulary,
    /// Types each crate defines or implements, by crate name (`""`: the scanned code), so
    /// a method a crate's own type lacks is not looked up by name elsewhere.
    crate_types: HashMap<String, HashSet<String>>,
    /// Sync fns that bump an owed-replies counter on `self` (`fn write_sync(&mut self)`).
    counting_helpers: HashSet<usize>,
    /// Per unit, its calls' resolutions, sorted by the call's address in `units`:
    /// resolution does not depend on effects, so it is done once, not every round. Per
    /// unit, so the walk of a unit looks up a small table of its own.
    resolved: Vec<Box<[Resolution]>>,
    /// Flags each unit resets (`self.busy = false`), for the poison-flag guard.
    cleared_flags: Vec<HashSet<(Place, String)>>,
    /// Unsolved methods with `self` by [`home_and_name`], in unit order: what a method
    /// call resolves to by name alone.
    by_home_and_name: HashMap<u64, Vec<usize>>,
    /// `methods_of` answers so far (see there).
    methods_memo: std::sync::RwLock<MethodsMemo>,
    /// Per unit: for a hand-written future, what its name says it does (`send_request`:
    /// writes), asked on every walk of its callers.
    handwritten_io: Vec<Option<Io>>,
    /// Units analysed: the scanned code and what it can reach in dependencies (all, when
    /// findings inside dependencies are wanted).
    in_scope: Vec<bool>,
    /// Per file: the module path in the dependency it belongs to (`redis::aio`; `None` for
    /// the scanned code).
    file_crates: Vec<Option<String>>,
    /// Per scanned file: its cargo package's number.
    file_packages: Vec<u32>,
    /// Units `0..solved_units` are solved beforehand, with these effects.
    solved_units: usize,
    solved_effects: Vec<Effects>,
}

/// Units solved beforehand, indexed: a dependency set solved on its own (see
/// [`crate::deps::Interface`]). Their effects are given and they are never walked. They are
/// the workspace's first units; their files come after the others.
#[derive(Debug, Default)]
pub struct Solved {
    pub index: Index,
    /// Per solved unit, in order.
    pub effects: Vec<Effects>,
    /// Per solved unit: a sync fn that bumps an owed-replies counter (its body is gone).
    pub counting_helpers: Vec<bool>,
}

/// The result of the workspace pass.
pub struct Outcome {
    pub effects: Vec<Effects>,
    /// Cancellation sites (`select!` branches, `timeout`) racing a lossy future.
    pub raced: Vec<Raced>,
    /// Sections that are not covered by a guard, in units whose stream outlives the future.
    pub sections: Vec<Section>,
}

impl Workspace {
    /// Merges per-file summaries (in file order) into one workspace.
    pub fn new(files: Vec<FileSummary>, vocab: &Vocabulary) -> Self {
        let crates = vec![None; files.len()];
        Self::with_crates(files, crates, Vec::new(), vocab)
    }

    /// Like [`Workspace::new`], with the dependency module of each file (`redis::aio`;
    /// `None`: scanned code). A dependency's methods are reached by type or by a path naming the crate,
    /// never by a bare method name from another crate.
    ///
    /// `file_packages` numbers the cargo package of each scanned file (empty: one package):
    /// a bare method name resolves only within the caller's package, as it does across
    /// crates.
    pub fn with_crates(
        files: Vec<FileSummary>,
        file_crates: Vec<Option<String>>,
        file_packages: Vec<u32>,
        vocab: &Vocabulary,
    ) -> Self {
        Self::with_solved(files, file_crates, file_packages, vocab, Solved::default())
    }

    /// Like [`Workspace::with_crates`], with units solved beforehand after those of `files`
    /// (`file_crates` names the crates of both).
    pub fn with_solved(
        files: Vec<FileSummary>,
        file_crates: Vec<Option<String>>,
        file_packages: Vec<u32>,
        vocab: &Vocabulary,
        solved: Solved,
    ) -> Self {
        let mut crate_types: HashMap<String, HashSet<String>> = HashMap::default();
        for (file, summary) in files.iter().enumerate() {
            let krate = file_crates.get(file).and_then(|c| c.as_deref());
            let types_of_crate = crate_types
                .entry(krate.map_or("", crate_name).to_string())
                .or_default();
            let types = summary.units.iter().filter_map(|u| u.self_ty.as_ref());
            for ty in summary.structs.iter().map(|s| &s.name).chain(types) {
                if !types_of_crate.contains(ty) {
                    types_of_crate.insert(ty.clone());
                }
            }
        }
        // The solved units come first, so their tables (built ahead, maybe on another
        // thread) are used as they are; the scanned files' units are added after them.
        let mut index = solved.index;
        let solved_units = index.units.len();
        index.move_files(files.len());
        let t = crate::timings::phase("  index scanned");
        index.add_files(files, 0);
        drop(t);
        let solved_counting = solved.counting_helpers.iter().enumerate();
        let counting_helpers: HashSet<usize> = solved_counting
            .filter(|(_, c)| **c)
            .map(|(i, _)| i)
            .chain((solved_units..index.units.len()).filter(|&i| {
                let unit = &index.units[i].unit;
                matches!(unit.kind, UnitKind::Fn { is_async: false }) && has_counter(&unit.body)
            }))
            .collect();
        let units = std::mem::take(&mut index.units);
        let mut ws = Workspace {
            units,
            vocab: vocab.clone(),
            index,
            crate_types,
            counting_helpers,
            resolved: Vec::new(),
            cleared_flags: Vec::new(),
            handwritten_io: Vec::new(),
            methods_memo: Default::default(),
            by_home_and_name: HashMap::default(),
            in_scope: Vec::new(),
            file_crates,
            file_packages,
            solved_units,
            solved_effects: solved.effects,
        };
        ws.cleared_flags = ws
            .units
            .iter()
            .map(|u| collect_cleared_flags(&u.unit.body))
            .collect();
        for i in solved_units..ws.units.len() {
            let unit = &ws.units[i].unit;
            if matches!(unit.kind, UnitKind::Fn { .. }) && unit.self_ty.is_some() && unit.has_self {
                let key = home_and_name(ws.home_of(i), &unit.name);
                ws.by_home_and_name.entry(key).or_default().push(i);
            }
        }
        ws.handwritten_io = (0..ws.units.len())
            .map(|i| {
                let name = &ws.units[i].unit.name;
                ws.is_handwritten_future(i)
                    .then(|| Vocabulary::io_by_words(name))
                    .flatten()
            })
            .collect();
        let start: Vec<usize> = (0..ws.units.len())
            .filter(|&i| ws.crate_of(i).is_none())
            .collect();
        let _t = crate::timings::phase("type and resolve reachable units");
        ws.in_scope = ws.prepare_reachable(start);
        ws
    }

    /// A sync fn with no `async` block: it returns a hand-written future we cannot see into.
    fn is_handwritten_future(&self, c: usize) -> bool {
        matches!(self.units[c].unit.kind, UnitKind::Fn { is_async: false })
            && !self.index.children.contains_key(&c)
    }

    /// Solved beforehand: never walked.
    fn is_solved(&self, i: usize) -> bool {
        i < self.solved_units
    }

    /// Analyses every dependency unit too, not only what the scanned code reaches (for
    /// `--include-deps`).
    pub fn analyse_all_dependencies(mut self) -> Self {
        let rest: Vec<usize> = (0..self.units.len())
            .filter(|&i| !self.in_scope[i])
            .collect();
        self.prepare_reachable(rest);
        self.in_scope = vec![true; self.units.len()];
        self
    }

    /// Marks the units reachable from `start` (the scanned code): every unit a call can
    /// run (resolved callees, `async` blocks, and for calls deferred to a type chosen later
    /// every method of that name and every macro-written wildcard method). Each unit is typed
    /// and its calls resolved when first reached, so dependency code nothing calls costs
    /// nothing beyond being loaded.
    fn prepare_reachable(&mut self, start: Vec<usize>) -> Vec<bool> {
        let n = self.units.len();
        let mut seen = self.in_scope.clone();
        seen.resize(n, false);
        self.resolved.resize_with(n, Default::default);
        let mut frontier = start;
        // Method names whose every method is already in a frontier.
        let mut named: HashSet<String> = HashSet::default();
        // Breadth first, a frontier at a time: typing and resolving a unit reads only its
        // own locals and other units' signatures, so a frontier's units are done in parallel.
        while !frontier.is_empty() {
            frontier.sort_unstable();
            frontier.dedup();
            frontier.retain(|&i| !std::mem::replace(&mut seen[i], true) && !self.is_solved(i));
            let mut next_frontier = Vec::new();
            // In chunks, so types and resolutions waiting to be stored stay few.
            for chunk in frontier.chunks(RESOLVE_CHUNK) {
                self.type_locals(chunk);
                let resolved: Vec<_> = chunk.par_iter().map(|&i| self.resolve_unit(i)).collect();
                for (&i, (mut calls, next, names)) in chunk.iter().zip(resolved) {
                    calls.sort_unstable_by_key(|r| r.at);
                    self.resolved[i] = calls.into_boxed_slice();
                    next_frontier.extend(next.into_iter().filter(|&c| !seen[c]));
                    // A method call deferred to the caller's type may run any method of its
                    // name, or a macro-written wildcard method: added once each.
                    for name in names {
                        if named.is_empty() {
                            let wildcards = self.index.wildcards.values().flatten();
                            next_frontier.extend(wildcards.copied());
                        }
                        if !named.contains(&name) {
                            let methods = self.index.by_method.get(&name).into_iter().flatten();
                            next_frontier.extend(methods.copied());
                            named.insert(name);
                        }
                    }
                }
            }
            frontier = next_frontier;
        }
        seen
    }

    /// Resolves one unit's calls, and says which units the calls can reach, and the names of
    /// the methods they call (deferred to the caller's type, any method of a name may run;
    /// the caller adds those, once per name).
    fn resolve_unit(&self, i: usize) -> (Vec<Resolution>, Vec<usize>, Vec<String>) {
        fn walk<'u>(
            ws: &Workspace,
            i: usize,
            nodes: &'u [Node],
            resolved: &mut Vec<Resolution>,
            next: &mut Vec<usize>,
            names: &mut Vec<&'u str>,
        ) {
            for n in nodes {
                let target = match n {
                    Node::Await(a) => &a.target,
                    Node::Call(c) => &c.target,
                    Node::Branch(arms) => {
                        arms.iter()
                            .for_each(|a| walk(ws, i, a, resolved, next, names));
                        continue;
                    }
                    Node::Loop(body) => {
                        walk(ws, i, body, resolved, next, names);
                        continue;
                    }
                    Node::Guard(_) => continue,
                };
                if let Target::Block(b) = target {
                    next.push(*b);
                }
                if let Target::Method { name, .. } = target {
                    names.push(name);
                }
                if let Some(c) = ws.resolve_target(i, target) {
                    next.extend(c.iter().copied());
                    let io = match target {
                        Target::Path { segments, .. } => path_word_io(segments),
                        _ => None,
                    };
                    resolved.push(Resolution {
                        at: target as *const Target as usize,
                        callees: c.into_boxed_slice(),
                        path_io: io,
                    });
                }
            }
        }
        let unit = &self.units[i].unit;
        let (mut resolved, mut next, mut names) = (Vec::new(), Vec::new(), Vec::new());
        walk(self, i, &unit.body, &mut resolved, &mut next, &mut names);
        next.extend(self.index.children.get(&i).into_iter().flatten().copied());
        for r in &unit.site_roots {
            next.extend(reach::targets_of(self, i, &r.target));
        }
        names.sort_unstable();
        names.dedup();
        let names = names.into_iter().map(str::to_string).collect();
        (resolved, next, names)
    }

    pub(crate) fn resolve_target(&self, caller: usize, target: &Target) -> Option<Vec<usize>> {
        match target {
            Target::Method {
                recv,
                recv_call,
                name,
                ..
            } => Some(self.resolve_method(caller, recv.as_ref(), recv_call.as_deref(), name)),
            Target::Path { segments, .. } => Some(self.resolve_path(caller, segments)),
            _ => None,
        }
    }

    /// The crate units a call of unit `caller`'s body can run (memoised).
    fn candidates(&self, caller: usize, target: &Target) -> std::borrow::Cow<'_, [usize]> {
        match self.resolution(caller, target) {
            Some(r) => std::borrow::Cow::Borrowed(&r.callees),
            None => {
                std::borrow::Cow::Owned(self.resolve_target(caller, target).unwrap_or_default())
            }
        }
    }

    /// The stored resolution of a call in unit `caller`'s body.
    fn resolution(&self, caller: usize, target: &Target) -> Option<&Resolution> {
        let at = target as *const Target as usize;
        let calls = self.resolved.get(caller)?;
        calls
            .binary_search_by_key(&at, |r| r.at)
            .ok()
            .map(|k| &calls[k])
    }

    /// Types the units' locals made by calls from the callees' return types; twice, since a
    /// receiver may be a local typed in the first pass.
    fn type_locals(&mut self, units: &[usize]) {
        for _ in 0..2 {
            let found: Vec<(usize, Vec<(usize, String)>)> = units
                .par_iter()
                .map(|&i| (i, self.untyped_locals(i)))
                .filter(|(_, f)| !f.is_empty())
                .collect();
            if found.is_empty() {
                break;
            }
            for (i, types) in found {
                for (l, ty) in types {
                    self.units[i].unit.locals[l].ty = Some(ty);
                }
            }
        }
    }

    /// Types of unit `i`'s untyped locals that the calls making them return.
    fn untyped_locals(&self, i: usize) -> Vec<(usize, String)> {
        let unit = &self.units[i].unit;
        unit.locals
            .iter()
            .enumerate()
            .filter(|(_, local)| local.ty.is_none())
            .filter_map(|(l, local)| {
                let t = local.made_by.as_deref()?;
                Some((l, self.call_type(i, t)?))
            })
            .collect()
    }

    /// The type a call returns, when every candidate callee agrees.
    fn call_type(&self, caller: usize, target: &Target) -> Option<String> {
        // A lock guard derefs to what the lock holds.
        if let Target::Method {
            recv: Some(p),
            name,
            args,
            ..
        } = target
        {
            if args.is_empty() && self.vocab.is_lock(name) {
                return self.type_of(&self.units[caller].unit, p);
            }
        }
        let candidates = self.resolve_target(caller, target)?;
        let mut types = candidates
            .iter()
            .map(|&c| self.units[c].unit.ret_ty.clone());
        let first = types.next()??;
        types.all(|t| t.as_deref() == Some(&first)).then_some(first)
    }

    /// The dependency crate a unit comes from (`None`: the scanned code).
    fn crate_of(&self, i: usize) -> Option<&str> {
        self.dependency_of(i).map(crate_name)
    }

    /// The crate and package a unit belongs to, for resolution by bare name.
    fn home_of(&self, i: usize) -> (Option<&str>, u32) {
        let file = self.units[i].file;
        (
            self.crate_of(i),
            self.file_packages.get(file).copied().unwrap_or(0),
        )
    }

    /// The dependency module a unit lives in (`redis::aio`; `None`: the scanned code).
    pub fn dependency_of(&self, i: usize) -> Option<&str> {
        self.file_crates
            .get(self.units[i].file)
            .and_then(|c| c.as_deref())
    }

    /// A callee's effects as its callers see them. A dependency that loses an item it was
    /// sending loses its own internal message (a request queued to its driver task): the
    /// request is simply not made, which is what cancelling it means.
    fn seen_from<'f>(&self, callee: usize, fx: &'f RootFx) -> Seen<'f> {
        let lossy = match fx.lossy {
            Some(Cost::LosesItem) if self.crate_of(callee).is_some() => None,
            lossy => lossy,
        };
        Seen { fx, lossy }
    }

    /// Runs the fixpoint and collects the sections worth reporting. The last walk is the
    /// last use of the units' bodies and of the calls' resolutions: each body is freed once
    /// walked, and the resolutions after, so what the walk records takes their place.
    pub fn solve(&mut self) -> Outcome {
        let t = crate::timings::phase("fixpoint");
        let effects = self.fixpoint();
        drop(t);
        let t = crate::timings::phase("final walk");
        // With the effects fixed, each unit's last walk depends on no other: walk them in
        // parallel, in chunks, and join the records in unit order.
        let walked: Vec<usize> = (self.solved_units..self.units.len())
            .filter(|&i| self.in_scope[i])
            .collect();
        let bodies: Vec<Vec<Node>> = walked
            .iter()
            .map(|&i| std::mem::take(&mut self.units[i].unit.body))
            .collect();
        let ws = &*self;
        let parts: Vec<(Vec<Section>, Vec<Raced>, Recorded)> = walked
            .into_par_iter()
            .zip(bodies)
            .chunks(FINAL_WALK_CHUNK)
            .map(|chunk| {
                let mut rec = Recorded::default();
                let (mut sections, mut raced) = (Vec::new(), Vec::new());
                for (i, body) in chunk {
                    let (_, found, r) = ws.analyse_body(i, &body, &effects, Some(&mut rec), None);
                    sections.extend(found);
                    raced.extend(r);
                }
                (sections, raced, rec)
            })
            .collect();
        self.resolved = Vec::new();
        self.methods_memo = Default::default();
        let (mut calls, mut starts) = (Vec::with_capacity(parts.len()), Vec::new());
        let (mut sections, mut raced) = (Vec::new(), Vec::new());
        for (found, r, part) in parts {
            sections.extend(found);
            raced.extend(r);
            calls.push(part.calls);
            starts.extend(part.starts);
        }
        drop(t);
        let _t = crate::timings::phase("exposure, reach");
        let exposed = self.exposure(&calls);
        sections.retain(|s| self.is_reportable(s, &exposed));
        let reach = Reach::new(self, starts, &calls);
        for s in &mut sections {
            s.reached_by = reach.chain(s.unit);
        }
        Outcome {
            effects,
            raced,
            sections,
        }
    }

    /// Every unit's effects, solved on their own (for a dependency set, see
    /// [`crate::deps::Interface`]), and which units are counting helpers.
    pub fn solve_effects(&self) -> (Vec<Effects>, Vec<bool>) {
        let counting = (0..self.units.len())
            .map(|i| self.counting_helpers.contains(&i))
            .collect();
        (self.fixpoint(), counting)
    }

    /// Renders effects and raw sections of matching units (see [`crate::debug_effects`]).
    pub fn debug(&self, filter: &str, files: &[std::path::PathBuf]) -> String {
        let effects = self.fixpoint();
        let mut rec = Recorded::default();
        let found: Vec<Vec<Section>> = (0..self.units.len())
            .map(|i| {
                let body = &self.units[i].unit.body;
                self.analyse_body(i, body, &effects, Some(&mut rec), None).1
            })
            .collect();
        let exposed = self.exposure(std::slice::from_ref(&rec.calls));
        let mut out = String::new();
        for (i, sections) in found.iter().enumerate() {
            let u = &self.units[i];
            let name = self.units[self.owner_fn(i)].unit.display_name();
            if !name.contains(filter) {
                continue;
            }
            out.push_str(&format!(
                "#{i} {name} {:?} {}:{} pub={} fx={:?}\n",
                u.unit.kind,
                files[u.file].display(),
                u.unit.span.line,
                u.unit.is_pub,
                effects[i]
            ));
            out.push_str(&format!(
                "   slots={:?}\n   locals={:?}\n",
                u.unit.slots, u.unit.locals
            ));
            out.push_str(&format!("   body={:?}\n", u.unit.body));
            for s in sections {
                out.push_str(&format!(
                    "   section {:?} write@{} reportable={}\n",
                    s.stream,
                    s.write.span.line,
                    self.is_reportable(s, &exposed)
                ));
            }
        }
        out
    }

    /// Every unit's effects, to a fixpoint. A worklist: a unit is analysed again only when
    /// the effects of a unit it read changed. Effects only grow and are bounded by roots x
    /// flags, so this terminates; the budget guards against a bug turning into a hang.
    /// The list is worked a chunk at a time, the chunk's walks in parallel against the
    /// effects as they stand; the updates are applied in unit order, so the result does not
    /// depend on the threads.
    fn fixpoint(&self) -> Vec<Effects> {
        let n = self.units.len();
        let mut effects = self.solved_effects.clone();
        effects.resize(n, Effects::default());
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        // Which units each unit is already a dependent of: a popular callee has thousands of
        // dependents, so membership is checked on the caller's short list instead.
        let mut registered: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut queued: Vec<bool> = (0..n)
            .map(|i| self.in_scope[i] && !self.is_solved(i))
            .collect();
        let mut round: Vec<usize> = (0..n).filter(|&i| queued[i]).collect();
        let mut budget = n.saturating_mul(64);
        let mut updates = vec![0u8; n];
        while !round.is_empty() && budget > 0 {
            round.truncate(budget);
            budget -= round.len();
            let mut next = Vec::new();
            for chunk in round.chunks(FIXPOINT_CHUNK) {
                let walked: Vec<(Effects, Vec<usize>)> = chunk
                    .par_iter()
                    .map(|&i| self.fixpoint_walk(i, &effects))
                    .collect();
                // Reads first: a unit of this chunk that read one updated below is walked
                // again.
                for (&i, (_, reads)) in chunk.iter().zip(&walked) {
                    queued[i] = false;
                    for &r in reads {
                        if let Err(at) = registered[i].binary_search(&r) {
                            registered[i].insert(at, r);
                            dependents[r].push(i);
                        }
                    }
                }
                for (&i, (mut fx, _)) in chunk.iter().zip(walked) {
                    if fx != effects[i] && updates[i] >= SETTLE_AFTER {
                        // Name clashes (two versions of one crate in a scan) can make a
                        // unit's effects alternate; past a few updates they only grow, so
                        // the pass ends.
                        merge(&mut fx, &effects[i], Some);
                    }
                    if fx != effects[i] {
                        updates[i] = updates[i].saturating_add(1);
                        effects[i] = fx;
                        for &d in &dependents[i] {
                            if !queued[d] {
                                queued[d] = true;
                                next.push(d);
                            }
                        }
                    }
                }
            }
            round = next;
        }
        effects
    }

    /// One walk of the fixpoint: unit `i`'s effects against `effects`, and whose it read.
    fn fixpoint_walk(&self, i: usize, effects: &[Effects]) -> (Effects, Vec<usize>) {
        let (mut fx, mut reads) = self.analyse_tracked(i, effects);
        if let UnitKind::Fn { is_async: false } = self.units[i].unit.kind {
            // A sync fn's future is the `async` blocks it builds and does not spawn.
            for &c in self.index.children.get(&i).into_iter().flatten() {
                if let UnitKind::AsyncBlock { spawned: false, .. } = self.units[c].unit.kind {
                    merge(&mut fx, &effects[c], |r| {
                        matches!(r, RootRef::Slot(_)).then_some(r)
                    });
                    reads.push(c);
                }
            }
        }
        (fx, reads)
    }

    /// The fn a unit belongs to (an `async` block's outermost enclosing fn).
    pub fn owner_fn(&self, mut i: usize) -> usize {
        while let UnitKind::AsyncBlock { parent, .. } = self.units[i].unit.kind {
            i = parent;
        }
        i
    }

    fn is_spawned(&self, mut i: usize) -> bool {
        while let UnitKind::AsyncBlock { parent, spawned } = self.units[i].unit.kind {
            if spawned {
                return true;
            }
            i = parent;
        }
        false
    }

    /// Analyses one unit; also says which units' effects it read.
    fn analyse_tracked(&self, i: usize, effects: &[Effects]) -> (Effects, Vec<usize>) {
        let mut reads = Vec::new();
        let body = &self.units[i].unit.body;
        let fx = self
            .analyse_body(i, body, effects, None, Some(&mut reads))
            .0;
        (fx, reads)
    }

    /// Analyses unit `i` whose body is `body` (taken out of the unit for its last walk)
    /// against the current effects of everything else.
    fn analyse_body(
        &self,
        i: usize,
        body: &[Node],
        effects: &[Effects],
        mut rec: Option<&mut Recorded>,
        reads: Option<&mut Vec<usize>>,
    ) -> (Effects, Vec<Section>, Vec<Raced>) {
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
            sections: Vec::new(),
            raced: Vec::new(),
            rec,
            flags_cleared: &self.cleared_flags[i],
            at: unit.span,
            reads,
        };
        let mut state = State::default();
        walker.nodes(body, &mut state);
        walker.finish(&state);
        let mut out = walker.out;
        if let UnitKind::Fn { is_async: true } = unit.kind {
            for (i, slot) in unit.slots.iter().enumerate() {
                let Some(io) = slot.bound_io else { continue };
                let fx = out.roots.entry(RootRef::Slot(i)).or_default();
                if fx.read.is_none() && fx.write.is_none() && fx.section.is_none() {
                    match io {
                        Io::Read => fx.read = Some(unit.span),
                        Io::Write => fx.write = Some(unit.span),
                    }
                }
            }
        }
        let mut sections = walker.sections;
        let mut raced = walker.raced;
        if unit.guard_attr || unit.declared_safe {
            // A guarded exchange recovers on the next call: callers see a complete one.
            for fx in out.roots.values_mut() {
                fx.section = None;
                fx.write = None;
                fx.read = None;
            }
            out.internal_section = false;
            sections.clear();
            raced.clear();
        }
        (out, sections, raced)
    }

    /// Sites a unit declares without awaiting them: it is a request handler, or it builds
    /// futures that a router, an `abort()` or a `try_join_all` can drop.
    fn declared_starts(&self, i: usize) -> Vec<reach::Start> {
        let unit = &self.units[i].unit;
        let mut starts: Vec<reach::Start> = unit
            .site_roots
            .iter()
            .map(|r| reach::Start {
                site: r.site,
                unit: i,
                span: r.span,
                targets: reach::targets_of(self, i, &r.target),
            })
            .collect();
        if let Some(fw) = unit.handler {
            starts.push(reach::Start {
                site: CancelSite::Handler(fw),
                unit: i,
                span: unit.span,
                targets: vec![i],
            });
        }
        starts
    }

    /// Which (fn, slot) pairs can be bound, by some caller, to a stream that outlives the
    /// call: public API, uncalled fns, or a caller passing an outliving place unguarded.
    fn exposure(&self, sites: CallSites) -> HashSet<(usize, usize)> {
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

    fn is_reportable(&self, s: &Section, exposed: &HashSet<(usize, usize)>) -> bool {
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

    /// The type of a place, following struct field types where they are written down.
    fn type_of(&self, unit: &Unit, place: &Place) -> Option<String> {
        let root = unit.root(place.root);
        let mut ty = root.ty.clone()?;
        for f in &place.fields {
            ty = self.index.fields.get(&ty)?.get(f)?.clone();
        }
        Some(ty)
    }

    /// Methods `name` of type `ty`: its own, else the default methods of traits it
    /// implements (a macro-written method whose name is a metavariable answers any name).
    /// A type written by its alias (`type RedisConnection = aio::Connection`) is the aliased
    /// type; a type with a `Deref` impl also has its target's methods, as auto-deref gives.
    /// Memoised: resolution and every walk ask it, often of the same few types.
    fn methods_of(&self, ty: &str, name: &str) -> Arc<[usize]> {
        let key = index::type_and_name(ty, name);
        let hit = |memo: &MethodsMemo| {
            memo.get(&key)?
                .iter()
                .find(|(t, n, _)| **t == *ty && **n == *name)
                .map(|(_, _, found)| found.clone())
        };
        if let Some(found) = hit(&self.methods_memo.read().unwrap_or_else(|e| e.into_inner())) {
            return found;
        }
        let found: Arc<[usize]> = self.methods_of_uncached(ty, name).into();
        let mut memo = self.methods_memo.write().unwrap_or_else(|e| e.into_inner());
        memo.entry(key)
            .or_default()
            .push((ty.into(), name.into(), found.clone()));
        found
    }

    fn methods_of_uncached(&self, ty: &str, name: &str) -> Vec<usize> {
        let mut ty = ty;
        for _ in 0..4 {
            ty = self.unaliased(ty);
            let found = self.own_or_trait_methods(ty, name);
            match self.index.derefs.get(ty) {
                Some(target) if found.is_empty() && target != ty => ty = target,
                _ => return found,
            }
        }
        Vec::new()
    }

    /// What an alias, or a chain of them, names. Names are global here (the last path
    /// segment), so a type defined under a name wins over an alias elsewhere with that
    /// name, and a `use .. as` rename ends the chain: it names a definition.
    fn unaliased<'a>(&'a self, mut ty: &'a str) -> &'a str {
        for _ in 0..8 {
            if self.index.impl_types.contains(ty) || self.index.fields.contains_key(ty) {
                return ty;
            }
            if let Some(target) = self.index.renames.get(ty) {
                return target;
            }
            match self.index.aliases.get(ty) {
                Some(target) if target != ty => ty = target,
                _ => break,
            }
        }
        ty
    }

    fn own_or_trait_methods(&self, ty: &str, name: &str) -> Vec<usize> {
        let own = self.methods_of_exactly(ty, name);
        if !own.is_empty() {
            return own;
        }
        let mut out = Vec::new();
        for t in self.index.traits.traits_of(ty).iter() {
            let found = self.methods_of_exactly(t, name);
            if found.is_empty() {
                out.extend(self.index.wildcards.get(t).into_iter().flatten().copied());
            } else {
                out.extend(found);
            }
        }
        out
    }

    fn methods_of_exactly(&self, ty: &str, name: &str) -> Vec<usize> {
        self.methods_of_type(ty, name)
            .filter(|&i| self.units[i].unit.has_self)
            .collect()
    }

    /// Methods `name` in impls of `ty`, with `self` or not.
    fn methods_of_type<'a>(
        &'a self,
        ty: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        let key = index::type_and_name(ty, name);
        let methods = self.index.by_type_and_name.get(&key).map(Vec::as_slice);
        methods.unwrap_or(&[]).iter().copied().filter(move |&i| {
            let unit = &self.units[i].unit;
            unit.name == name && unit.self_ty.as_deref() == Some(ty)
        })
    }

    /// The type of a method's receiver: written down, inferred for a local, or what the
    /// call it is made by returns.
    fn receiver_type(
        &self,
        caller: usize,
        recv: Option<&Place>,
        recv_call: Option<&Target>,
    ) -> Option<String> {
        match (recv, recv_call) {
            (Some(p), _) => self.type_of(&self.units[caller].unit, p),
            (None, Some(t)) => self.call_type(caller, t),
            (None, None) => None,
        }
    }

    fn resolve_method(
        &self,
        caller: usize,
        recv: Option<&Place>,
        recv_call: Option<&Target>,
        name: &str,
    ) -> Vec<usize> {
        if let Some(ty) = self.receiver_type(caller, recv, recv_call) {
            let exact = self.methods_of(&ty, name);
            if !exact.is_empty() || self.is_crate_type(caller, &ty) {
                return exact.to_vec();
            }
        }
        if self.vocab.io_of(name).is_some() {
            return Vec::new();
        }
        // By name alone, only within the caller's own crate and package: never a solved
        // unit (those are another crate's).
        let home = self.home_of(caller);
        let methods = self.by_home_and_name.get(&home_and_name(home, name));
        methods
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| self.units[i].unit.name == name && self.home_of(i) == home)
            .collect()
    }

    /// The caller's own crate defines or implements `ty`.
    fn is_crate_type(&self, caller: usize, ty: &str) -> bool {
        let home = self.crate_of(caller).unwrap_or("");
        self.crate_types
            .get(home)
            .is_some_and(|types| types.contains(ty))
    }

    fn resolve_path(&self, caller: usize, segments: &[String]) -> Vec<usize> {
        let unit = &self.units[caller].unit;
        let Some(name) = segments.last() else {
            return Vec::new();
        };
        if segments.len() >= 2 {
            let ty = &segments[segments.len() - 2];
            let ty = if ty == "Self" {
                unit.self_ty.clone().unwrap_or_default()
            } else {
                ty.clone()
            };
            if ty.chars().next().is_some_and(char::is_uppercase) {
                return self.methods_of_type(&ty, name).collect();
            }
        }
        // A free fn of another crate only when the path names that crate (`redis::cmd`).
        let home = self.home_of(caller);
        let named = segments.first().map(String::as_str);
        self.index
            .by_free_name
            .get(name)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&i| {
                        let c = self.crate_of(i);
                        self.home_of(i) == home || (c.is_some() && c == named)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn rebase_blocks(nodes: &mut [Node], base: usize) {
    for n in nodes {
        match n {
            Node::Await(a) => {
                if let Target::Block(b) = &mut a.target {
                    *b += base;
                }
            }
            Node::Call(c) => {
                if let Target::Block(b) = &mut c.target {
                    *b += base;
                }
            }
            Node::Branch(arms) => arms.iter_mut().for_each(|a| rebase_blocks(a, base)),
            Node::Loop(body) => rebase_blocks(body, base),
            Node::Guard(_) => {}
        }
    }
}

fn has_counter(nodes: &[Node]) -> bool {
    nodes.iter().any(|n| match n {
        Node::Guard(GuardEvent::Counter(p)) => matches!(p.root, RootRef::Slot(0)),
        Node::Branch(arms) => arms.iter().any(|a| has_counter(a)),
        Node::Loop(b) => has_counter(b),
        _ => false,
    })
}

fn collect_cleared_flags(nodes: &[Node]) -> HashSet<(Place, String)> {
    let mut out = HashSet::default();
    fn walk(nodes: &[Node], out: &mut HashSet<(Place, String)>) {
        for n in nodes {
            match n {
                Node::Guard(GuardEvent::FlagClear(p, f)) => {
                    out.insert((p.clone(), f.clone()));
                }
                Node::Branch(arms) => arms.iter().for_each(|a| walk(a, out)),
                Node::Loop(b) => walk(b, out),
                _ => {}
            }
        }
    }
    walk(nodes, &mut out);
    out
}

fn merge(into: &mut Effects, from: &Effects, map: impl Fn(RootRef) -> Option<RootRef>) {
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
fn worst(a: Option<Cost>, b: Option<Cost>) -> Option<Cost> {
    a.max(b)
}

/// Flow state while walking a body in source order.
#[derive(Clone, Default)]
struct State {
    /// Streams written by this unit: the write that started the exchange.
    pending: BTreeMap<RootRef, Pending>,
    guarded: bool,
    /// Streams this future has read from into its own memory.
    consumed: BTreeSet<RootRef>,
}

#[derive(Clone)]
struct Pending {
    place: Place,
    write: Step,
    /// A read followed the write on every path so far.
    answered: bool,
}

impl State {
    /// Merges two paths: anything pending on either is pending; guarded only if both are.
    fn join(a: State, b: State) -> State {
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
        State {
            pending,
            guarded: a.guarded && b.guarded,
            consumed,
        }
    }
}

/// One I/O fact of an await on a stream of the current unit.
#[derive(Debug, Clone)]
enum Event {
    Io(Io, Place, Option<usize>),
    Section(Place, Option<usize>, bool),
    Deferred(RootRef, String),
    Internal,
    Lossy(Place, Cost, Option<usize>, Option<String>),
}

struct Walker<'w> {
    ws: &'w Workspace,
    unit_index: usize,
    unit: &'w Unit,
    effects: &'w [Effects],
    out: Effects,
    sections: Vec<Section>,
    raced: Vec<Raced>,
    rec: Option<&'w mut Recorded>,
    flags_cleared: &'w HashSet<(Place, String)>,
    /// The await or call being walked (where the calls it makes happen).
    at: Span,
    /// Units whose effects this walk read, when the fixpoint wants to know.
    reads: Option<&'w mut Vec<usize>>,
}

impl Walker<'_> {
    fn nodes(&mut self, nodes: &[Node], state: &mut State) {
        for n in nodes {
            match n {
                Node::Await(a) => {
                    let step = Step {
                        span: a.span,
                        text: a.text.clone(),
                        callee: None,
                    };
                    self.at = a.span;
                    let first_call = self.rec.as_ref().map_or(0, |r| r.calls.len());
                    let events = self.events(&a.target, state.guarded);
                    if let Some(site) = a.site {
                        self.record_start(site, a.span, first_call);
                        if site.races() && !state.guarded {
                            self.check_race(site, a, &events);
                        }
                    }
                    let buffered = reads_into_outliving_buffer(self.unit, &a.target);
                    self.apply(events, step, state, buffered);
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
                    self.nodes(body, &mut s);
                    *state = State::join(state.clone(), s);
                }
                Node::Guard(GuardEvent::FlagClear(p, f)) => {
                    // The busy mark is lifted: what follows is unguarded again.
                    if self.flags_cleared.contains(&(p.clone(), f.clone())) {
                        state.guarded = false;
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
                    }
                }
            }
        }
    }

    fn is_guard(&self, g: &GuardEvent) -> bool {
        match g {
            GuardEvent::FlagSet(p, f) => self.flags_cleared.contains(&(p.clone(), f.clone())),
            GuardEvent::FlagClear(..) | GuardEvent::Released(_) => false,
            GuardEvent::Counter(_) | GuardEvent::ScopeGuard => true,
            GuardEvent::DropGuard(t) => {
                self.ws.index.drop_types.contains(t) || t == "ScopeGuard" || t == "DropGuard"
            }
        }
    }

    fn fx(&mut self, r: RootRef) -> &mut RootFx {
        self.out.roots.entry(r).or_default()
    }

    /// A site at `span` drops the futures of the calls recorded since `first_call`.
    fn record_start(&mut self, site: CancelSite, span: Span, first_call: usize) {
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
    fn apply(&mut self, events: Vec<Event>, mut step: Step, state: &mut State, buffered: bool) {
        for e in &events {
            match e {
                Event::Section(place, callee, deferred) => {
                    step.callee = *callee;
                    if !state.guarded {
                        self.fx(place.root).section.get_or_insert(step.span);
                        if *deferred {
                            self.sections.push(Section {
                                unit: self.unit_index,
                                stream: place.clone(),
                                write: step.clone(),
                                reads: vec![step.clone()],
                                via_deferred: true,
                                reached_by: None,
                            });
                        }
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
            let read = Step {
                callee: *callee,
                ..step.clone()
            };
            if !buffered && !state.guarded && !state.consumed.insert(place.root) {
                // An earlier read of this future already took bytes off the stream; dropped
                // here, the future loses them (a frame read in pieces).
                let fx = self.fx(place.root);
                fx.lossy = worst(fx.lossy, Some(Cost::LosesData));
            }
            let Some(pending) = state.pending.get_mut(&place.root) else {
                // Nothing of ours is owed here: this read may answer a caller's request.
                self.fx(place.root).read.get_or_insert(step.span);
                continue;
            };
            pending.answered = true;
            if state.guarded {
                continue;
            }
            let (wplace, write) = (pending.place.clone(), pending.write.clone());
            self.fx(place.root).section.get_or_insert(write.span);
            if self.is_outliving_local(place.root) {
                self.out.internal_section = true;
            }
            match self
                .sections
                .iter_mut()
                .find(|s| s.write == write && !s.via_deferred)
            {
                Some(s) if !s.reads.iter().any(|r| r.span == read.span) => s.reads.push(read),
                Some(_) => {}
                None => self.sections.push(Section {
                    unit: self.unit_index,
                    stream: wplace,
                    write,
                    reads: vec![read],
                    via_deferred: false,
                    reached_by: None,
                }),
            }
        }
        for e in events {
            if let Event::Io(Io::Write, place, callee) = e {
                let write = Step {
                    callee,
                    ..step.clone()
                };
                match state.pending.get_mut(&place.root) {
                    Some(p) if !p.answered => {}
                    _ => {
                        state.pending.insert(
                            place.root,
                            Pending {
                                place,
                                write,
                                answered: false,
                            },
                        );
                    }
                }
            }
        }
    }

    fn is_counting_helper(&self, target: &Target) -> bool {
        if !matches!(target, Target::Method { .. } | Target::Path { .. }) {
            return false;
        }
        let candidates = self.ws.candidates(self.unit_index, target);
        !candidates.is_empty()
            && candidates
                .iter()
                .all(|c| self.ws.counting_helpers.contains(c))
    }

    /// Records a race whose losing future drops data.
    fn check_race(&mut self, site: CancelSite, a: &crate::summary::Await, events: &[Event]) {
        let mut found: Option<Raced> = None;
        for e in events {
            let (cost, exchange, stream, callee, source) = match e {
                Event::Section(p, c, _) => (Cost::LosesData, true, Some(p.clone()), *c, None),
                Event::Internal => (Cost::LosesData, true, None, None, None),
                Event::Lossy(p, cost, c, src) => (*cost, false, Some(p.clone()), *c, src.clone()),
                _ => continue,
            };
            let better = found
                .as_ref()
                .is_none_or(|f| (exchange, cost) > (f.exchange, f.cost));
            if better {
                found = Some(Raced {
                    unit: self.unit_index,
                    site,
                    span: a.span,
                    text: a.text.clone(),
                    cost,
                    exchange,
                    stream,
                    callee,
                    source,
                });
            }
        }
        self.raced.extend(found);
    }

    /// Exports the writes still unanswered when the body ends.
    fn finish(&mut self, state: &State) {
        for (r, p) in &state.pending {
            if !p.answered {
                self.fx(*r).write.get_or_insert(p.write.span);
            }
        }
    }

    /// Notes that this walk depends on unit `c`'s effects.
    fn read(&mut self, c: usize) {
        if let Some(reads) = self.reads.as_deref_mut() {
            reads.push(c);
        }
    }

    /// `self` in a trait's default method: its type is the implementor's, chosen by the
    /// caller, so methods on it are deferred like those on a generic parameter.
    fn is_open_self(&self, place: &Place) -> bool {
        place.fields.is_empty()
            && place.root == RootRef::Slot(0)
            && self.unit.has_self
            && self.unit.is_trait_default()
    }

    fn is_outliving_local(&self, r: RootRef) -> bool {
        matches!(r, RootRef::Local(l) if matches!(self.unit.locals[l].kind, RootKind::Local(Origin::LockGuard | Origin::Pooled)))
    }

    fn record_site(&mut self, callee: usize, bindings: &[Option<Place>], guarded: bool) {
        self.record_call(Callee::Unit(callee as u32), bindings, guarded);
    }

    fn record_call(&mut self, callee: Callee, bindings: &[Option<Place>], guarded: bool) {
        if self.rec.is_none() {
            return;
        }
        let outliving = bindings.iter().enumerate().filter_map(|(slot, p)| {
            let root = p.as_ref()?.root;
            let outlives = match root {
                RootRef::Slot(j) => matches!(
                    self.unit.slots.get(j).map(|r| &r.kind),
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

    /// What awaiting `target` does, in terms of this unit's places.
    fn events(&mut self, target: &Target, guarded: bool) -> Vec<Event> {
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
                let mut bindings = vec![recv.clone()];
                bindings.extend(args.iter().cloned());
                if candidates.is_empty() {
                    return self.external(name, recv.as_ref(), args.len());
                }
                self.calls(&candidates, bindings, guarded, Some(name))
            }
            Target::Path { segments, args } => {
                let candidates = self.ws.candidates(self.unit_index, target);
                if candidates.is_empty() {
                    return self.by_words(target, segments, args);
                }
                let mut ev = self.calls(&candidates, args.clone(), guarded, None);
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
                    if matches!(r, RootRef::Local(l) if l >= captured) {
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
    fn external(&self, name: &str, recv: Option<&Place>, nargs: usize) -> Vec<Event> {
        let Some(place) = recv else { return Vec::new() };
        // `lock.write()` / `lock.read()` take no argument; `stream.write(buf)` does.
        let is_lock = self.ws.vocab.is_lock(name) && nargs == 0 && matches!(name, "read" | "write");
        let mut ev = match self.ws.vocab.io_of(name) {
            Some(io) if !is_lock => vec![Event::Io(io, place.clone(), None)],
            _ => Vec::new(),
        };
        let owner = self.ws.type_of(self.unit, place);
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

    fn by_words(&self, target: &Target, segments: &[String], args: &[Option<Place>]) -> Vec<Event> {
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
    fn calls(
        &mut self,
        candidates: &[usize],
        bindings: Vec<Option<Place>>,
        guarded: bool,
        method: Option<&str>,
    ) -> Vec<Event> {
        let mut ev = Vec::new();
        for &c in candidates {
            let callee = &self.ws.units[c].unit;
            // `Type::method(x, ..)` binds x to self like `x.method(..)` does.
            let b: Vec<Option<Place>> = if method.is_some() && !callee.has_self {
                bindings.iter().skip(1).cloned().collect()
            } else {
                bindings.clone()
            };
            self.record_site(c, &b, guarded);
            self.read(c);
            let fx = &self.effects[c];
            if fx.internal_section {
                ev.push(Event::Internal);
            }
            let mut any = false;
            for (r, f) in &fx.roots {
                let RootRef::Slot(s) = *r else { continue };
                let Some(Some(place)) = b.get(s) else {
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
        ev
    }

    /// A generic callee calls `m` on what we bound to `place`: resolve it here, where the
    /// type may be known, or defer again.
    fn resolve_deferred(&mut self, place: &Place, m: &str, via: usize) -> Vec<Event> {
        let ws = self.ws;
        let root = self.unit.root(place.root);
        if place.fields.is_empty() && (root.generic || self.is_open_self(place)) {
            return vec![Event::Deferred(place.root, m.to_string())];
        }
        let Some(ty) = ws.type_of(self.unit, place) else {
            return Vec::new();
        };
        let mut ev = Vec::new();
        for &c in ws.methods_of(&ty, m).iter() {
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
        ev
    }
}

/// What a call by path says it does by its name (`Framed::new(stream)` by the type).
fn path_word_io(segments: &[String]) -> Option<Io> {
    let n = segments.len();
    let name = match segments.last().map(String::as_str) {
        Some("new") if n >= 2 => &segments[n - 2],
        Some(_) => &segments[n - 1],
        None => return None,
    };
    Vocabulary::io_by_words(name)
}

/// A callee's effects on one root as a caller sees them (see [`Workspace::seen_from`]).
#[derive(Clone, Copy)]
struct Seen<'f> {
    fx: &'f RootFx,
    lossy: Option<Cost>,
}

impl<'f> From<&'f RootFx> for Seen<'f> {
    fn from(fx: &'f RootFx) -> Self {
        Seen {
            fx,
            lossy: fx.lossy,
        }
    }
}

fn push_fx(ev: &mut Vec<Event>, seen: Seen, place: Place, callee: Option<usize>, deferred: bool) {
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

/// An awaited method whose arguments include a place that outlives the future: what it reads
/// lands there, not in the future (`read_buf(&mut self.buf)`, `read_until(b'\n', buf)`).
fn reads_into_outliving_buffer(unit: &Unit, target: &Target) -> bool {
    let Target::Method { args, .. } = target else {
        return false;
    };
    args.iter().flatten().any(|p| match p.root {
        RootRef::Slot(i) => matches!(unit.slots[i].kind, RootKind::SelfRef | RootKind::ParamRef),
        RootRef::Local(l) => matches!(
            unit.locals[l].kind,
            RootKind::Local(Origin::LockGuard | Origin::Pooled)
        ),
    })
}
