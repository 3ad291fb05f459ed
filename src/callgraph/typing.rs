//! What the workspace pass knows about types beyond what is written down: which traits a
//! type implements (directly or through blanket impls), so `con.get(k)` finds the trait's
//! default method, and the types of locals made by calls (`let con =
//! client.get_async_connection().await?` holds what `get_async_connection` returns, and a
//! lock guard what its lock holds), and the types of places through struct fields.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rayon::prelude::*;

use super::definitions::Definition;
use super::Workspace;
use crate::summary::{ImplHeader, Place, RootRef, Target, Unit, UnitKind};

/// Marker and std traits a blanket impl may require that no crate implements by hand in a
/// way we would see: treated as met.
const ASSUMED_MET: &[&str] = &[
    "Send", "Sync", "Sized", "Unpin", "Clone", "Copy", "Debug", "Default", "Display",
];

/// A local's inferred type; its generic arguments, where a `Deref` of the type needs them
/// (`pool.get().await?` on a `Pool<Mgr>` is a `PooledConnection<'_, Mgr>`); and its
/// definition, where several structs or enums have the name and every callee's return type,
/// looked up from its module, names the same one.
#[derive(Debug)]
pub(super) struct LocalType {
    local: usize,
    ty: String,
    args: Vec<String>,
    definition: Option<Definition>,
}

/// Traits by implementing type, and blanket impls by their bounds.
#[derive(Debug, Default)]
pub struct TraitIndex {
    direct: HashMap<String, BTreeSet<String>>,
    blanket: Vec<(String, Vec<String>)>,
    /// Traits with a definition or an impl here: a bound on one of these must be shown met.
    known: HashSet<String>,
    /// `traits_of` per type asked about, computed once: most types with an impl (every
    /// dependency type with a `Debug` impl) never are.
    resolved: std::sync::Mutex<HashMap<String, std::sync::Arc<[String]>>>,
}

impl TraitIndex {
    pub fn new<'a>(
        headers: impl IntoIterator<Item = &'a ImplHeader>,
        units: impl IntoIterator<Item = &'a Unit>,
    ) -> Self {
        let mut index = TraitIndex::default();
        index.add(headers, units);
        index
    }

    /// Adds more impls, and the traits more units define or implement.
    pub fn add<'a>(
        &mut self,
        headers: impl IntoIterator<Item = &'a ImplHeader>,
        units: impl IntoIterator<Item = &'a Unit>,
    ) {
        for h in headers {
            self.known.insert(h.trait_name.clone());
            match &h.self_ty {
                Some(ty) => {
                    self.direct
                        .entry(ty.clone())
                        .or_default()
                        .insert(h.trait_name.clone());
                }
                None => self.blanket.push((h.trait_name.clone(), h.bounds.clone())),
            }
        }
        for u in units {
            if let Some(t) = &u.trait_name {
                self.known.insert(t.clone());
            }
        }
        self.resolved.get_mut().map(HashMap::clear).ok();
    }

    /// Every trait `ty` implements that we can see, blanket impls included.
    pub fn traits_of(&self, ty: &str) -> std::sync::Arc<[String]> {
        // Blanket impls need a bound the type is shown to implement, so only types with
        // an impl of their own can have any trait.
        if !self.direct.contains_key(ty) {
            return std::sync::Arc::new([]);
        }
        let mut resolved = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(traits) = resolved.get(ty) {
            return traits.clone();
        }
        let traits: std::sync::Arc<[String]> = self.compute(ty).into();
        resolved.insert(ty.to_string(), traits.clone());
        traits
    }

    pub(super) fn compute(&self, ty: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .direct
            .get(ty)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        // Blanket impls may build on each other (`impl<T: A> B for T`, `impl<T: B> C for T`).
        for _ in 0..3 {
            let mut grew = false;
            for (t, bounds) in &self.blanket {
                if out.contains(t) {
                    continue;
                }
                // Bounds on traits we cannot see are taken as met, but one bound must be a
                // trait the type is shown to implement: a blanket impl over foreign bounds
                // alone (`impl<T: AsyncRead> Ext for T`) would hand its methods to everything.
                let met = bounds.iter().all(|b| {
                    ASSUMED_MET.contains(&b.as_str()) || !self.known.contains(b) || out.contains(b)
                });
                if met && bounds.iter().any(|b| out.contains(b)) {
                    out.push(t.clone());
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        out
    }
}

impl Workspace {
    /// What is inferred for unit `i`'s local `l` from the call that makes it.
    fn inferred(&self, i: usize, l: usize) -> Option<&LocalType> {
        let types = self.local_types.get(&i)?;
        types.iter().find(|t| t.local == l)
    }

    /// The type inferred for unit `i`'s local `l`.
    pub(super) fn local_type(&self, i: usize, l: usize) -> Option<&str> {
        self.inferred(i, l).map(|t| t.ty.as_str())
    }

    /// The generic arguments inferred for unit `i`'s local `l` with its type.
    fn local_args(&self, i: usize, l: usize) -> Option<&[String]> {
        let args = &self.inferred(i, l)?.args;
        (!args.is_empty()).then_some(args.as_slice())
    }

    /// The definition inferred for unit `i`'s local `l` with its type.
    pub(super) fn local_definition(&self, i: usize, l: usize) -> Option<Definition> {
        self.inferred(i, l)?.definition.clone()
    }

    /// Types the units' locals made by calls from the callees' return types; twice, since a
    /// receiver may be a local typed in the first pass.
    pub(super) fn type_locals(&mut self, units: &[usize]) {
        for _ in 0..2 {
            let found: Vec<(usize, Vec<LocalType>)> = units
                .par_iter()
                .map(|&i| (i, self.untyped_locals(i)))
                .filter(|(_, f)| !f.is_empty())
                .collect();
            if found.is_empty() {
                break;
            }
            for (i, types) in found {
                self.local_types.entry(i).or_default().extend(types);
            }
        }
    }

    /// Types of unit `i`'s untyped locals that the calls making them return, with their
    /// generic arguments where a projected `Deref` of the type needs them.
    pub(super) fn untyped_locals(&self, i: usize) -> Vec<LocalType> {
        let unit = &self.units[i].unit;
        unit.locals
            .iter()
            .enumerate()
            .filter(|(l, local)| local.ty.is_none() && self.local_type(i, *l).is_none())
            .filter_map(|(l, local)| {
                let t = local.made_by.as_deref()?;
                let ty = self.call_type(i, t)?;
                let projected = self
                    .index
                    .deref_projections
                    .contains_key(self.unaliased(&ty));
                let args = if projected {
                    self.call_args(i, t)
                } else {
                    Vec::new()
                };
                Some(LocalType {
                    local: l,
                    definition: self.call_definition(i, t, &ty),
                    ty,
                    args,
                })
            })
            .collect()
    }

    /// The generic arguments of what a call returns, when every candidate callee agrees:
    /// its return type's, with its impl's parameters replaced by the receiver's arguments
    /// (`Pool<M>::get -> PooledConnection<'_, M>` on a `Pool<Mgr>` gives `[Mgr]`).
    fn call_args(&self, caller: usize, target: &Target) -> Vec<String> {
        let Some(candidates) = self.resolve_target(caller, target) else {
            return Vec::new();
        };
        let receiver = match target {
            Target::Method {
                recv: Some(p),
                recv_view: None,
                ..
            } => self.value_args(caller, p),
            _ => Vec::new(),
        };
        let mut found = candidates.iter().map(|&c| {
            let unit = &self.units[c].unit;
            let param = |a: &String| unit.self_args.iter().position(|p| p == a);
            let arg = |a: &String| match param(a) {
                Some(k) => receiver.get(k).cloned().unwrap_or_default(),
                None => a.clone(),
            };
            unit.ret_args.iter().map(arg).collect::<Vec<_>>()
        });
        let first = found.next().unwrap_or_default();
        if found.all(|f| f == first) {
            first
        } else {
            Vec::new()
        }
    }

    /// The generic arguments of the value at `place` of unit `unit`: as a root's type is
    /// written, inferred with a local's type, or as the alias its type names gives them.
    pub(super) fn value_args(&self, unit: usize, place: &Place) -> Vec<String> {
        if place.fields.is_empty() {
            let root = self.units[unit].unit.root(place.root);
            if !root.ty_args().is_empty() {
                return root.ty_args().to_vec();
            }
            if let RootRef::Local(l) = place.root {
                if let Some(args) = self.local_args(unit, l as usize) {
                    return args.to_vec();
                }
            }
        }
        let Some(ty) = self.type_of(unit, place) else {
            return Vec::new();
        };
        let alias = self.alias_args_of(unit, &ty);
        alias.map(|a| a.args.clone()).unwrap_or_default()
    }

    /// The definition of the type `ty` a call returns, when several structs or enums have
    /// its name: what a lock guard's lock holds, else what every candidate callee's return
    /// type, looked up with its path from the callee's module, names.
    fn call_definition(&self, caller: usize, target: &Target, ty: &str) -> Option<Definition> {
        if !self.several_define(ty) {
            return None;
        }
        if let Some(lock) = self.locked(target) {
            return self.place_definition(caller, lock);
        }
        let candidates = self.resolve_target(caller, target)?;
        agreed(candidates.iter().map(|&c| {
            let unit = &self.units[c].unit;
            // A type substituted from the receiver's arguments, or a future's output, is
            // not the written return type.
            if unit.ret_ty.as_deref() != Some(ty) {
                return None;
            }
            self.definition_named(&self.unit_module(c), &unit.ret_prefix, ty)
        }))
    }

    /// The lock a call takes a guard of (`conn.lock()`): the guard derefs to what it holds.
    fn locked<'t>(&self, target: &'t Target) -> Option<&'t Place> {
        match target {
            Target::Method {
                recv: Some(p),
                name,
                args,
                ..
            } if args.is_empty() && self.vocab.is_lock(name) => Some(p),
            _ => None,
        }
    }

    /// The type a call returns, when every candidate callee agrees.
    pub(super) fn call_type(&self, caller: usize, target: &Target) -> Option<String> {
        if let Some(lock) = self.locked(target) {
            return self.type_of(caller, lock);
        }
        let candidates = self.resolve_target(caller, target)?;
        let args = self.receiver_args(caller, target);
        agreed(
            candidates
                .iter()
                .map(|&c| Some(self.substituted(c, self.value_type(c)?, args))),
        )
    }

    /// The generic arguments of a method call's receiver, as its type is written (a root's
    /// own, not a field's nor a view's).
    fn receiver_args(&self, caller: usize, target: &Target) -> &[String] {
        match target {
            Target::Method {
                recv: Some(p),
                recv_view: None,
                ..
            } if p.fields.is_empty() => self.units[caller].unit.root(p.root).ty_args(),
            _ => &[],
        }
    }

    /// `ty` returned by method `c`, with its impl's generic parameters replaced by the
    /// receiver's arguments at their positions (`impl<M, W> Pool<M, W> { fn get(&self) -> W }`
    /// on a `Pool<Manager, Conn>` gives a `Conn`).
    fn substituted(&self, c: usize, ty: String, args: &[String]) -> String {
        let params = &self.units[c].unit.self_args;
        let at = params.iter().position(|p| *p == ty);
        match at.and_then(|k| args.get(k)) {
            Some(arg) if !arg.is_empty() => arg.clone(),
            _ => ty,
        }
    }

    /// What calling unit `c` gives, awaited: a sync fn returning a hand-written future
    /// (`fn get_conn(&self) -> GetConn`) gives that future's `Output`.
    fn value_type(&self, c: usize) -> Option<String> {
        let unit = &self.units[c].unit;
        let ret = unit.ret_ty.as_deref()?;
        let output = match unit.kind {
            UnitKind::Fn { is_async: false } => self.index.future_outputs.get(ret),
            _ => None,
        };
        Some(output.map_or(ret, String::as_str).to_string())
    }

    /// The type of a place of unit `i`: written down, or inferred for a local; then
    /// following struct field types where they are written down.
    pub(super) fn type_of(&self, i: usize, place: &Place) -> Option<String> {
        let written = self.units[i].unit.root(place.root).ty.as_deref();
        let mut ty = match place.root {
            RootRef::Local(l) => written.or_else(|| self.local_type(i, l as usize)),
            RootRef::Slot(_) => written,
        }?
        .to_string();
        for f in &place.fields {
            ty = self.index.fields.get(&ty)?.get(f)?.clone();
        }
        Some(ty)
    }
}

/// The one answer every candidate gives (`None` when one has none, or two differ).
fn agreed<T: PartialEq>(mut answers: impl Iterator<Item = Option<T>>) -> Option<T> {
    let first = answers.next()??;
    answers.all(|a| a.as_ref() == Some(&first)).then_some(first)
}
