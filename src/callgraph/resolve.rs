//! Resolution: which crate units a call can run, by the receiver's type where it is known,
//! by a path through the caller's module scope (`scope.rs`), or by a bare name within the
//! caller's crate and package. Done once per unit,
//! when the scanned code first reaches it, a breadth-first frontier at a time.

use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::{index, reach, Workspace};
use crate::summary::{AliasArgs, Node, Place, RootRef, Target, DYN_PREFIX};
use crate::vocab::{Io, Vocabulary};

/// Units resolved in parallel before their resolutions are stored.
const RESOLVE_CHUNK: usize = 512;

/// The key of a method in `Workspace::by_home_and_name`: its crate, package and name.
pub(super) fn home_and_name((krate, package): (Option<&str>, u32), name: &str) -> u64 {
    let seed = xxhash_rust::xxh3::xxh3_64(krate.unwrap_or("").as_bytes());
    xxhash_rust::xxh3::xxh3_64_with_seed(name.as_bytes(), seed ^ u64::from(package))
}

/// `Workspace::methods_of` answers by [`index::type_and_name`]: (type, name, methods).
pub(super) type MethodsMemo = HashMap<u64, Vec<(Box<str>, Box<str>, Arc<[usize]>)>>;

/// A call's resolution, worked out once before the fixpoint.
pub(super) struct Resolution {
    /// The call's address in `Workspace::units`.
    pub(super) at: usize,
    /// The crate units it can run.
    pub(super) callees: Box<[usize]>,
    /// What a call by path says it does by its name (`Framed::new(stream)`): asked when it
    /// runs no crate unit.
    pub(super) path_io: Option<Io>,
    /// Its callees were found by the name alone: a method's receiver type is unknown, or
    /// the caller's module scope does not decide between several fns of the name.
    pub(super) by_name: bool,
}

impl Workspace {
    /// Marks the units reachable from `start` (the scanned code): every unit a call can
    /// run (resolved callees, `async` blocks, and for calls deferred to a type chosen later
    /// every method of that name and every macro-written wildcard method). Each unit is typed
    /// and its calls resolved when first reached, so dependency code nothing calls costs
    /// nothing beyond being loaded.
    pub(super) fn prepare_reachable(&mut self, start: Vec<usize>) -> Vec<bool> {
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
                    let by_name = calls.iter().filter(|r| r.by_name);
                    let pairs =
                        by_name.flat_map(|r| r.callees.iter().map(|&c| (i as u32, c as u32)));
                    self.by_name.extend(pairs);
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
    pub(super) fn resolve_unit(&self, i: usize) -> (Vec<Resolution>, Vec<usize>, Vec<String>) {
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
                if let Some((c, by_name)) = ws.resolve_target_how(i, target) {
                    next.extend(c.iter().copied());
                    let io = match target {
                        Target::Path { segments, .. } => path_word_io(segments),
                        _ => None,
                    };
                    resolved.push(Resolution {
                        at: target as *const Target as usize,
                        callees: c.into_boxed_slice(),
                        path_io: io,
                        by_name,
                    });
                }
            }
        }
        let unit = &self.units[i].unit;
        let (mut resolved, mut next, mut names) = (Vec::new(), Vec::new(), Vec::new());
        walk(
            self,
            i,
            &self.bodies[i],
            &mut resolved,
            &mut next,
            &mut names,
        );
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
        self.resolve_target_how(caller, target)
            .map(|(callees, _)| callees)
    }

    /// The crate units a call can run, and whether they were found by the method's name
    /// alone (its receiver's type unknown).
    fn resolve_target_how(&self, caller: usize, target: &Target) -> Option<(Vec<usize>, bool)> {
        match target {
            Target::Method {
                recv,
                recv_call,
                recv_view,
                name,
                ..
            } => {
                let ty =
                    self.receiver_type(caller, recv.as_ref(), recv_call.as_deref(), *recv_view);
                let by_name = ty.is_none();
                // A receiver of a known type runs that type's methods (its own, its traits',
                // its `Deref` target's) or none we can see: a foreign type's method is the
                // vocabulary's to say, never a same-named method of another type
                // (`shutdown.recv()` on a `broadcast::Receiver` is not `Server::recv`).
                let written = recv.as_ref().filter(|_| recv_view.is_none());
                let mut callees = match &ty {
                    Some(ty) => self.methods_of_value(caller, written, ty, name),
                    None => self.resolve_by_name(caller, name),
                };
                // A view's definition is its own type's (written, or inferred from the call
                // that makes it), not the place it borrows.
                let view = recv_view.map(|l| Place {
                    root: RootRef::Local(l),
                    fields: Vec::new(),
                });
                if let (Some(ty), Some(place)) = (&ty, view.as_ref().or(written)) {
                    let def = || self.place_definition(caller, place);
                    self.keep_written_definition(self.unaliased(ty), def, &mut callees);
                }
                if let Some(home) = self.receiver_home(caller, recv.as_ref(), *recv_view) {
                    self.keep_homed(home, &mut callees);
                }
                Some((callees, by_name))
            }
            Target::Path { segments, .. } => Some(self.resolve_path(caller, segments)),
            _ => None,
        }
    }

    /// The crate units a call of unit `caller`'s body can run (memoised).
    pub(super) fn candidates(
        &self,
        caller: usize,
        target: &Target,
    ) -> std::borrow::Cow<'_, [usize]> {
        match self.resolution(caller, target) {
            Some(r) => std::borrow::Cow::Borrowed(&r.callees),
            None => {
                std::borrow::Cow::Owned(self.resolve_target(caller, target).unwrap_or_default())
            }
        }
    }

    /// The stored resolution of a call in unit `caller`'s body.
    pub(super) fn resolution(&self, caller: usize, target: &Target) -> Option<&Resolution> {
        let at = target as *const Target as usize;
        let calls = self.resolved.get(caller)?;
        calls
            .binary_search_by_key(&at, |r| r.at)
            .ok()
            .map(|k| &calls[k])
    }

    /// Methods `name` of type `ty`: its own, else the default methods of traits it
    /// implements (a macro-written method whose name is a metavariable answers any name).
    /// A type written by its alias (`type RedisConnection = aio::Connection`) is the aliased
    /// type; a type with a `Deref` impl also has its target's methods, as auto-deref gives.
    /// Memoised: resolution and every walk ask it, often of the same few types.
    pub(super) fn methods_of(&self, ty: &str, name: &str) -> Arc<[usize]> {
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

    pub(super) fn methods_of_uncached(&self, ty: &str, name: &str) -> Vec<usize> {
        if let Some(trait_name) = ty.strip_prefix(DYN_PREFIX) {
            return self.trait_methods(trait_name, name);
        }
        let mut ty = ty;
        // Macro-written methods whose name is a metavariable answer any name: a guess, so
        // a method of that name on the `Deref` target (`PooledConnection<M>` ->
        // `Connection`'s `req_packed_command`) wins over them, as autoderef would pick it.
        let mut guessed = Vec::new();
        for _ in 0..4 {
            ty = self.unaliased(ty);
            let found = self.own_or_trait_methods(ty, name);
            let only_guesses =
                !found.is_empty() && found.iter().all(|&c| self.units[c].unit.is_wildcard());
            let found = if only_guesses {
                if guessed.is_empty() {
                    guessed = found;
                }
                Vec::new()
            } else {
                found
            };
            match self.index.derefs.get(ty) {
                Some(target) if found.is_empty() && target != ty => ty = target,
                _ if found.is_empty() => return guessed,
                _ => return found,
            }
        }
        guessed
    }

    /// Methods `name` of a value of type `ty`, `place` of unit `unit` where it is written
    /// there: as [`Self::methods_of`], but a `Deref` to an associated type of a generic
    /// argument (`Object<Mgr>` derefs to `Mgr::Type`) goes to that argument's, not to every
    /// type that shares the associated type's name.
    pub(super) fn methods_of_value(
        &self,
        unit: usize,
        place: Option<&Place>,
        ty: &str,
        name: &str,
    ) -> Vec<usize> {
        if !self.may_project(ty) {
            return self.methods_of(ty, name).to_vec();
        }
        let root = place
            .filter(|p| p.fields.is_empty())
            .map(|p| self.units[unit].unit.root(p.root));
        let args = place.map(|p| self.value_args(unit, p)).unwrap_or_default();
        let home = root.and_then(|r| r.ty_home());
        let Some(target) = self.projected_deref(unit, ty, &args, home) else {
            return self.methods_of(ty, name).to_vec();
        };
        // As autoderef: the target's method wins over a macro-written guess of the type's.
        let own = self.own_or_trait_methods(self.unaliased(ty), name);
        if own.iter().any(|&c| !self.units[c].unit.is_wildcard()) {
            return own;
        }
        let through = self.methods_of(&target, name);
        if through.is_empty() {
            own
        } else {
            through.to_vec()
        }
    }

    /// The `Deref` target of a `ty` written with generic arguments `args` through crate
    /// `home` (or as its alias gives them), where that target is an associated type of an
    /// argument: `Object<Mgr>` -> what `impl Manager for Mgr` sets `Type` to. From the
    /// pool's own `Deref` impl where it is read, else from the vocabulary. Names are global:
    /// of several aliases or impls of one name, the one in unit `unit`'s crate is taken.
    fn projected_deref(
        &self,
        unit: usize,
        ty: &str,
        args: &[String],
        home: Option<&str>,
    ) -> Option<String> {
        let (mut ty, mut args, mut home) = (ty, args, home);
        for _ in 0..4 {
            if let Some(alias) = self.alias_args_of(unit, ty) {
                if args.is_empty() {
                    args = &alias.args;
                }
                home = home.or(alias.home.as_deref());
            }
            let projection = self
                .index
                .deref_projections
                .get(ty)
                .map(|(k, a)| (*k, a.as_str()));
            let projection = projection.or_else(|| self.vocab.pool_guard_target(home?, ty));
            if let Some((at, assoc)) = projection {
                let arg = self.unaliased(args.get(at as usize)?);
                let impls = self.index.assoc_types.get(arg)?.iter();
                let set: Vec<_> = impls.filter(|(_, name, _)| name == assoc).collect();
                let found = self.of_unit_crate(unit, &set, |e| e.0)?;
                return Some(found.2.clone());
            }
            ty = self.index.aliases.get(ty)?;
        }
        None
    }

    /// A `Deref` of `ty`, or of what its aliases name, may be a projection: the cheap test
    /// before a method call's receiver arguments are looked for.
    fn may_project<'a>(&'a self, mut ty: &'a str) -> bool {
        for _ in 0..4 {
            let projects = self.index.alias_args.contains_key(ty)
                || self.index.deref_projections.contains_key(ty)
                || self.vocab.is_pool_guard_type(ty);
            if projects {
                return true;
            }
            match self.index.aliases.get(ty) {
                Some(target) => ty = target,
                None => return false,
            }
        }
        false
    }

    /// The alias named `ty` whose target has generic arguments: the one in unit `unit`'s
    /// crate, else the only one.
    pub(super) fn alias_args_of(&self, unit: usize, ty: &str) -> Option<&AliasArgs> {
        let aliases = self.index.alias_args.get(ty)?;
        self.of_unit_crate(unit, aliases, |e| e.0).map(|(_, a)| a)
    }

    /// Of `entries` made under one name (in the files `file` gives), the one in unit
    /// `unit`'s crate and package, else the only one.
    fn of_unit_crate<'e, T>(
        &self,
        unit: usize,
        entries: &'e [T],
        file: impl Fn(&T) -> usize,
    ) -> Option<&'e T> {
        let home = self.home_of(unit);
        let own = entries.iter().find(|e| self.home_of_file(file(e)) == home);
        own.or(match entries {
            [only] => Some(only),
            _ => None,
        })
    }

    /// Every method `name` a call through `dyn trait_name` can run: the trait's impls, and
    /// its default method for impls without their own.
    fn trait_methods(&self, trait_name: &str, name: &str) -> Vec<usize> {
        let methods = self.index.by_method.get(name).into_iter().flatten();
        methods
            .copied()
            .filter(|&i| {
                let unit = &self.units[i].unit;
                unit.has_self && unit.trait_name.as_deref() == Some(trait_name)
            })
            .collect()
    }

    /// What an alias, or a chain of them, names. Names are global here (the last path
    /// segment), so a type defined under a name wins over an alias elsewhere with that
    /// name, and a `use .. as` rename ends the chain: it names a definition.
    pub(super) fn unaliased<'a>(&'a self, mut ty: &'a str) -> &'a str {
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

    pub(super) fn own_or_trait_methods(&self, ty: &str, name: &str) -> Vec<usize> {
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

    pub(super) fn methods_of_exactly(&self, ty: &str, name: &str) -> Vec<usize> {
        self.methods_of_type(ty, name)
            .filter(|&i| self.units[i].unit.has_self)
            .collect()
    }

    /// Methods `name` in impls of `ty`, with `self` or not.
    pub(super) fn methods_of_type<'a>(
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

    /// The type of a method's receiver: the view it is named through, written down,
    /// inferred for a local, or what the call it is made by returns.
    pub(super) fn receiver_type(
        &self,
        caller: usize,
        recv: Option<&Place>,
        recv_call: Option<&Target>,
        recv_view: Option<u32>,
    ) -> Option<String> {
        let view = recv_view.and_then(|l| {
            let l = l as usize;
            let local = self.units[caller].unit.locals.get(l)?;
            local.ty.as_deref().or_else(|| self.local_type(caller, l))
        });
        if let Some(ty) = view {
            return Some(ty.to_string());
        }
        match (recv, recv_call) {
            (Some(p), _) => self.type_of(caller, p),
            (None, Some(t)) => self.call_type(caller, t),
            (None, None) => None,
        }
    }

    /// The crate the receiver's written type is named through: a root's, or a struct
    /// field's (`self.pool`); not a view's, whose type is its own.
    fn receiver_home(
        &self,
        caller: usize,
        recv: Option<&Place>,
        recv_view: Option<u32>,
    ) -> Option<&str> {
        let recv = recv.filter(|_| recv_view.is_none())?;
        let Some((field, owner)) = recv.fields.split_last() else {
            return self.units[caller].unit.root(recv.root).ty_home();
        };
        let owner = Place {
            root: recv.root,
            fields: owner.to_vec(),
        };
        let owner_ty = self.type_of(caller, &owner)?;
        let homes = self.index.field_homes.get(self.unaliased(&owner_ty))?;
        homes.get(field).map(String::as_str)
    }

    /// Keeps the callees of the receiver's home crate or the crates it depends on: two
    /// dependencies' types of one name (`Pool`) share their methods' table, and the home
    /// says whose the receiver is. When none is, the home says nothing we can use (a
    /// crate this run did not read) and all are kept.
    fn keep_homed(&self, home: &str, callees: &mut Vec<usize>) {
        let deps = self.crate_dependencies.get(home);
        let homed = |c: &usize| {
            self.crate_of(*c)
                .is_some_and(|k| k == home || deps.is_some_and(|d| d.iter().any(|n| n == k)))
        };
        if callees.iter().any(homed) {
            callees.retain(homed);
        }
    }

    /// The methods `name` a call on a receiver of unknown type can run.
    fn resolve_by_name(&self, caller: usize, name: &str) -> Vec<usize> {
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

    /// The crate units a call by path can run, and whether they were found by the fn's
    /// name alone (its caller's module scope does not decide between several).
    pub(super) fn resolve_path(&self, caller: usize, segments: &[String]) -> (Vec<usize>, bool) {
        let unit = &self.units[caller].unit;
        let Some(name) = segments.last() else {
            return (Vec::new(), false);
        };
        if segments.len() >= 2 {
            let ty = &segments[segments.len() - 2];
            let ty = if ty == "Self" {
                unit.self_ty.clone().unwrap_or_default()
            } else {
                ty.clone()
            };
            if ty.chars().next().is_some_and(char::is_uppercase) {
                let mut callees = self.methods_of_type(&ty, name).collect();
                let def = || match &segments[segments.len() - 2] {
                    s if s == "Self" => self.impl_definition(caller),
                    _ => self
                        .definition_of(&self.unit_module(caller), &segments[..segments.len() - 1]),
                };
                self.keep_written_definition(&ty, def, &mut callees);
                return (callees, false);
            }
        }
        // A free fn of another crate only when the path names that crate (`redis::cmd`).
        let home = self.home_of(caller);
        let named = segments.first().map(String::as_str);
        let fns = self
            .index
            .by_free_name
            .get(name)
            .into_iter()
            .flatten()
            .copied();
        let (own, other): (Vec<usize>, Vec<usize>) = fns
            .filter(|&i| {
                let c = self.crate_of(i);
                self.home_of(i) == home || (c.is_some() && c == named)
            })
            .partition(|&i| self.home_of(i) == home);
        // Of several crate fns with the name, the one the caller's module scope names
        // (`setup` in two modules); by name alone when the scope does not decide.
        // A name no crate fn has may be a rename (`use a::f as g; g(..)`).
        let renamed = own.is_empty() && segments.len() == 1;
        let (own, by_name) = if renamed {
            (self.scoped_fns(caller, segments).unwrap_or_default(), false)
        } else if own.len() < 2 {
            (own, false)
        } else {
            match self.scoped_fns(caller, segments) {
                Some(found) => (found, false),
                None => (own, true),
            }
        };
        let mut callees = own;
        callees.extend(other);
        callees.sort_unstable();
        (callees, by_name)
    }
}

/// What a call by path says it does by its name (`Framed::new(stream)` by the type).
pub(super) fn path_word_io(segments: &[String]) -> Option<Io> {
    let n = segments.len();
    let name = match segments.last().map(String::as_str) {
        Some("new") if n >= 2 => &segments[n - 2],
        Some(_) => &segments[n - 1],
        None => return None,
    };
    Vocabulary::io_by_words(name)
}
