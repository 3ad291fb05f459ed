//! The workspace pass: resolves calls across every summarised file, propagates what each
//! function's future does to the streams it can reach to a fixpoint, and finds the
//! write→read sections.
//!
//! Resolution is by name and, where the code writes it down, by type: `self.m()` goes to
//! the same type's impls, `Type::m(..)`/`f(..)` by path, `x.m()` on a field or parameter
//! of a known type to that type, a call on a generic parameter is *deferred* to the caller
//! that binds it to a concrete type. Each unit is analysed once per round; callers see
//! callees only through their exported [`Effects`].
//!
//! One concern per module, in the order they run: `index` (lookup tables), `typing`
//! (traits of a type, types of locals), `resolve` (which units a call can run), `effects`
//! (what awaiting a callee does to the caller's places), `walk` (one body in source order),
//! `facts` (what the last walk records per place, and what the rules derive from it),
//! `fixpoint` (every unit's effects), `calls` (what the last walk records), `exposure`
//! (which sections a caller can reach with a stream that outlives the call) and `reach`
//! (which cancellation site reaches them).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rayon::prelude::*;

mod calls;
mod debug;
mod definitions;
mod discard;
mod effects;
mod exposure;
mod facts;
mod fixpoint;
mod index;
mod interface;
mod prefetch;
mod reach;
mod resolve;
mod scope;
mod typing;
mod walk;

pub use effects::{Effects, RootFx};
pub use facts::{Cancellation, Fact, FactKind, Harm, PlaceLog, Race, Section, Step};
pub use index::Index;
pub use interface::{solved, Interface, SolvedDependencies};
pub use prefetch::{Prefetch, Prefetched};
pub use reach::{Hop, Link, Reach};

use crate::summary::{FileSummary, GuardEvent, Node, Place, RootRef, Unit, UnitKind};
use crate::vocab::{Io, Vocabulary};
use calls::Recorded;
use resolve::{home_and_name, MethodsMemo, Resolution};

/// The crate of a module path (`redis` for `redis::aio`).
pub fn crate_name(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

/// Units per parallel task of the final walk.
const FINAL_WALK_CHUNK: usize = 256;

/// One unit with the file it came from.
#[derive(Debug, Clone)]
pub struct UnitRef {
    pub file: usize,
    pub unit: Unit,
}

/// All summaries of a workspace, indexed for resolution. What the pass works out per unit
/// lives in tables of its own here; the units stay as summarised (their bodies are moved
/// into `bodies`).
pub struct Workspace {
    pub units: Vec<UnitRef>,
    /// Per unit, its body: walked every round, and freed by the last walk.
    bodies: Vec<Vec<Node>>,
    /// The types of locals inferred from the calls that make them (`let con =
    /// client.get_async_connection().await?`), with their generic arguments and definition
    /// where known, by unit: few units have any.
    local_types: HashMap<usize, Vec<typing::LocalType>>,
    /// The lookup tables of `units` (whose own `units` are moved out, above).
    index: Index,
    vocab: Vocabulary,
    /// Sync fns that bump an owed-replies counter on `self` (`fn write_sync(&mut self)`).
    counting_helpers: HashSet<usize>,
    /// Per unit, its calls' resolutions, sorted by the call's address in `units`:
    /// resolution does not depend on effects, so it is done once, not every round. Per
    /// unit, so the walk of a unit looks up a small table of its own.
    resolved: Vec<Box<[Resolution]>>,
    /// (caller, callee) pairs some call of the caller links by the method's name alone (its
    /// receiver's type unknown): kept after the resolutions are freed, so a finding can say
    /// which links of its chain are guesses.
    by_name: HashSet<(u32, u32)>,
    /// Flags each unit resets (`self.busy = false`), for the poison-flag guard.
    cleared_flags: Vec<HashSet<(Place, String)>>,
    /// Per type: the `self` flags its methods set inside a loop (a drain waiting for the
    /// reply that clears the mark: `loop { .. self.is_ready = true; break }`), with the value
    /// and the unit, for the owed-reply mark (see `Walker::marks_owed`).
    drain_flags: HashMap<String, Vec<(String, bool, usize)>>,
    /// Per type: the `self` fields a drain loop of its methods counts owed replies in
    /// (`while !self.waiting.is_empty()`): a push onto one queues an owed reply.
    drained_queues: HashMap<String, Vec<String>>,
    /// Unsolved methods with `self` by [`home_and_name`], in unit order: what a method
    /// call resolves to by name alone.
    by_home_and_name: HashMap<u64, Vec<usize>>,
    /// `methods_of` answers so far (see there).
    methods_memo: std::sync::RwLock<MethodsMemo>,
    /// `impl_definition` answers so far, by unit: asked for every method of a type name
    /// several types share, on every call of it.
    impl_definitions: std::sync::RwLock<HashMap<usize, Option<definitions::Definition>>>,
    definitions_memo: std::sync::RwLock<definitions::DefinitionsMemo>,
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
    /// Each file's module and what its `use` items bring in: where a free fn's name is
    /// looked up.
    scopes: scope::Scopes,
    /// Per dependency crate, the crates it depends on: where a type named through it can
    /// come from.
    crate_dependencies: std::collections::HashMap<String, Vec<String>>,
    /// Units `0..solved_units` are solved beforehand, with these effects.
    solved_units: usize,
    solved_effects: Vec<Effects>,
}

/// Units solved beforehand, indexed: a dependency set solved on its own (see
/// [`crate::callgraph::Interface`]). Their effects are given and they are never walked. They are
/// the workspace's first units; their files come after the others.
#[derive(Debug, Default)]
pub struct Solved {
    pub index: Index,
    /// Per solved unit, in order.
    pub effects: Vec<Effects>,
    /// Per solved unit: a sync fn that bumps an owed-replies counter (its body is gone).
    pub counting_helpers: Vec<bool>,
    /// Per dependency crate, the crates it depends on (see
    /// [`crate::deps::DependencyGraph::crate_dependencies`]).
    pub crate_dependencies: std::collections::HashMap<String, Vec<String>>,
}

/// The result of the workspace pass: the facts the rules read.
pub struct Outcome {
    pub effects: Vec<Effects>,
    /// What happened to each place of every walked unit, in unit order (see [`PlaceLog`]).
    pub logs: Vec<PlaceLog>,
    /// (fn, slot) pairs some caller can bind to a stream that outlives the call.
    exposed: HashSet<(usize, usize)>,
    /// Races (unit, site) whose place is replaced when the timeout fires, by its `Err` arm
    /// or by every caller of the fn returning the error (see `discard.rs`).
    discarded: discard::Discarded,
    /// How cancellation sites in the scanned code reach units.
    reach: Reach,
}

impl Outcome {
    /// How a cancellation site in the scanned code reaches unit `unit`'s future (site, then
    /// each call on the way), or `None` when none does.
    pub fn reached_by(&self, unit: usize) -> Option<Vec<Link>> {
        self.reach.chain(unit)
    }
}

impl Workspace {
    /// Merges per-file summaries (in file order) into one workspace.
    pub fn new(files: Vec<FileSummary>, vocab: &Vocabulary) -> Self {
        let crates = vec![None; files.len()];
        Self::with_crates(files, crates, Default::default(), vocab)
    }

    /// Like [`Workspace::new`], with the dependency module of each file (`redis::aio`;
    /// `None`: scanned code). A dependency's methods are reached by type or by a path naming the crate,
    /// never by a bare method name from another crate.
    ///
    /// `places` numbers the cargo package of each scanned file (empty: one package): a bare
    /// method name resolves only within the caller's package, as it does across crates; and
    /// gives each file's module, the scope a bare fn name is looked up in.
    pub fn with_crates(
        files: Vec<FileSummary>,
        file_crates: Vec<Option<String>>,
        places: crate::crates::FilePlaces,
        vocab: &Vocabulary,
    ) -> Self {
        Self::with_solved(files, file_crates, places, vocab, Solved::default())
    }

    /// Like [`Workspace::with_crates`], with units solved beforehand after those of `files`
    /// (`file_crates` names the crates of both).
    pub fn with_solved(
        files: Vec<FileSummary>,
        file_crates: Vec<Option<String>>,
        places: crate::crates::FilePlaces,
        vocab: &Vocabulary,
        solved: Solved,
    ) -> Self {
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
        let mut units = std::mem::take(&mut index.units);
        // Moving a body keeps its nodes where they are: resolutions are keyed by address.
        let bodies = units
            .iter_mut()
            .map(|u| std::mem::take(&mut u.unit.body))
            .collect();
        let mut ws = Workspace {
            units,
            bodies,
            local_types: HashMap::default(),
            vocab: vocab.clone(),
            index,
            counting_helpers,
            resolved: Vec::new(),
            by_name: HashSet::default(),
            cleared_flags: Vec::new(),
            drain_flags: HashMap::default(),
            drained_queues: HashMap::default(),
            handwritten_io: Vec::new(),
            methods_memo: Default::default(),
            impl_definitions: Default::default(),
            definitions_memo: Default::default(),
            by_home_and_name: HashMap::default(),
            in_scope: Vec::new(),
            scopes: Default::default(),
            file_crates,
            file_packages: places.packages,
            solved_units,
            solved_effects: solved.effects,
            crate_dependencies: solved.crate_dependencies,
        };
        ws.cleared_flags = ws.bodies.iter().map(|b| collect_cleared_flags(b)).collect();
        for (i, (u, body)) in ws.units.iter().zip(&ws.bodies).enumerate() {
            if let (Some(ty), true) = (&u.unit.self_ty, u.unit.has_self) {
                let mut flags = Vec::new();
                collect_drain_flags(body, false, &mut flags);
                if !flags.is_empty() {
                    let known = ws.drain_flags.entry(ty.clone()).or_default();
                    known.extend(flags.into_iter().map(|(f, v)| (f, v, i)));
                }
                let mut counted = Vec::new();
                collect_drained(body, &mut counted);
                if !counted.is_empty() {
                    let known = ws.drained_queues.entry(ty.clone()).or_default();
                    known.extend(counted);
                }
            }
        }
        for i in solved_units..ws.units.len() {
            let unit = &ws.units[i].unit;
            if matches!(unit.kind, UnitKind::Fn { .. }) && unit.self_ty.is_some() && unit.has_self {
                let key = home_and_name(ws.home_of(i), &unit.name);
                ws.by_home_and_name.entry(key).or_default().push(i);
            }
        }
        ws.scopes = scope::Scopes::new(&ws, places.modules);
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

    /// Whether some call of unit `caller` runs `callee` only because it has the name: the
    /// receiver's type is unknown, or the caller's module scope does not decide between
    /// several fns of the name, so the link is a guess (within the caller's crate and
    /// package, never across crates).
    pub fn resolved_by_name(&self, caller: usize, callee: usize) -> bool {
        self.by_name.contains(&(caller as u32, callee as u32))
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

    /// The dependency crate a unit comes from (`None`: the scanned code).
    fn crate_of(&self, i: usize) -> Option<&str> {
        self.dependency_of(i).map(crate_name)
    }

    /// The crate and package a unit belongs to, for resolution by bare name.
    fn home_of(&self, i: usize) -> (Option<&str>, u32) {
        self.home_of_file(self.units[i].file)
    }

    /// The crate and package file `file` belongs to.
    fn home_of_file(&self, file: usize) -> (Option<&str>, u32) {
        (
            self.dependency_of_file(file).map(crate_name),
            self.file_packages.get(file).copied().unwrap_or(0),
        )
    }

    /// The dependency module a unit lives in (`redis::aio`; `None`: the scanned code).
    pub fn dependency_of(&self, i: usize) -> Option<&str> {
        self.dependency_of_file(self.units[i].file)
    }

    fn dependency_of_file(&self, file: usize) -> Option<&str> {
        self.file_crates.get(file).and_then(|c| c.as_deref())
    }

    /// Runs the fixpoint and collects the facts. The last walk is the
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
        let error_arms = self.error_arms();
        let bodies: Vec<Vec<Node>> = walked
            .iter()
            .map(|&i| std::mem::take(&mut self.bodies[i]))
            .collect();
        let ws = &*self;
        let parts: Vec<(Vec<PlaceLog>, Recorded)> = walked
            .into_par_iter()
            .zip(bodies)
            .chunks(FINAL_WALK_CHUNK)
            .map(|chunk| {
                let mut rec = Recorded::default();
                let mut logs = Vec::new();
                for (i, body) in chunk {
                    let (_, found) = ws.analyse_body(i, &body, &effects, Some(&mut rec), None);
                    logs.extend(found);
                }
                (logs, rec)
            })
            .collect();
        self.resolved = Vec::new();
        self.methods_memo = Default::default();
        let (mut calls, mut starts) = (Vec::with_capacity(parts.len()), Vec::new());
        let mut logs = Vec::new();
        for (found, part) in parts {
            logs.extend(found);
            calls.push(part.calls);
            starts.extend(part.starts);
        }
        drop(t);
        let _t = crate::timings::phase("exposure, reach");
        let exposed = self.exposure(&calls);
        let discarded = self.discarded_on_error(&logs, &calls, &error_arms);
        let reach = Reach::new(self, starts, &calls);
        Outcome {
            effects,
            logs,
            exposed,
            discarded,
            reach,
        }
    }

    /// Every unit's effects, solved on their own (for a dependency set, see
    /// [`crate::callgraph::Interface`]), and which units are counting helpers.
    pub fn solve_effects(&self) -> (Vec<Effects>, Vec<bool>) {
        let counting = (0..self.units.len())
            .map(|i| self.counting_helpers.contains(&i))
            .collect();
        (self.fixpoint(), counting)
    }

    /// The unit carries a guard attribute or declares itself cancel-safe: callers see its
    /// exchanges complete.
    pub fn is_guarded(&self, i: usize) -> bool {
        let unit = &self.units[i].unit;
        unit.guard_attr || unit.declared_safe
    }

    /// Unit `i` is a pool manager's check of a connection the pool lends it
    /// (`Manager::recycle`; see [`Vocabulary::pool_checks`]).
    pub fn is_pool_check(&self, i: usize) -> bool {
        let unit = &self.units[i].unit;
        let trait_name = unit.trait_name.as_deref();
        trait_name.is_some_and(|t| self.vocab.is_pool_check(t, &unit.name))
    }

    /// The fields of struct `ty` whose type is named `type_name` (`CancelState`), sorted;
    /// `None` when no struct of that name is known.
    pub fn fields_of_type(&self, ty: &str, type_name: &str) -> Option<Vec<&str>> {
        let mut names: Vec<&str> = self
            .index
            .fields
            .get(ty)?
            .iter()
            .filter(|(_, t)| *t == type_name)
            .map(|(name, _)| name.as_str())
            .collect();
        names.sort_unstable();
        Some(names)
    }

    /// The fn a unit belongs to (an `async` block's outermost enclosing fn).
    pub fn owner_fn(&self, mut i: usize) -> usize {
        while let UnitKind::AsyncBlock { parent, .. } = self.units[i].unit.kind {
            i = parent;
        }
        i
    }

    /// The unit runs in a task of its own (an `async` block handed to a spawner, or one
    /// inside such a block): nothing drops it half-way but the task's own abort.
    pub fn is_spawned(&self, mut i: usize) -> bool {
        while let UnitKind::AsyncBlock { parent, spawned } = self.units[i].unit.kind {
            if spawned {
                return true;
            }
            i = parent;
        }
        false
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

/// The fields of `self` the drain loops of a body count owed replies in.
fn collect_drained(nodes: &[Node], out: &mut Vec<String>) {
    for n in nodes {
        match n {
            Node::Branch(arms) => arms.iter().for_each(|a| collect_drained(a, out)),
            Node::Loop(body) => {
                for m in body {
                    if let Node::Guard(GuardEvent::Counter(p)) = m {
                        if let (RootRef::Slot(0), [field]) = (p.root, p.fields.as_slice()) {
                            out.push(field.clone());
                        }
                    }
                }
                collect_drained(body, out);
            }
            _ => {}
        }
    }
}

/// The flags of `self` a body assigns inside a loop, with the values, each once.
fn collect_drain_flags(nodes: &[Node], in_loop: bool, out: &mut Vec<(String, bool)>) {
    for n in nodes {
        let (p, f, value) = match n {
            Node::Guard(GuardEvent::FlagSet(p, f)) => (p, f, true),
            Node::Guard(GuardEvent::FlagClear(p, f)) => (p, f, false),
            Node::Branch(arms) => {
                arms.iter()
                    .for_each(|a| collect_drain_flags(a, in_loop, out));
                continue;
            }
            Node::Loop(b) => {
                collect_drain_flags(b, true, out);
                continue;
            }
            _ => continue,
        };
        // A flag of `self` itself (`self.is_ready`), kept under `self`'s type.
        let own = p.root == RootRef::Slot(0) && p.fields.len() == 1;
        if in_loop && own && !out.iter().any(|(g, v)| g == f && *v == value) {
            out.push((f.clone(), value));
        }
    }
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
