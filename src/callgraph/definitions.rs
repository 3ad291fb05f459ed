//! Type identity. Types are looked up by name elsewhere; where several structs or enums
//! share one (`aio::Connection` and the blocking `Connection`), the path a type is written
//! with, looked up from the module it is written in as rustc looks it up (own items, `use`
//! names and renames, globs, `crate`/`self`/`super`, crates this run read: `scope.rs`), says
//! which definition it is, and a call on it runs only the methods of that definition's impls.

use std::sync::{Arc, RwLock};

use rustc_hash::{FxHashMap, FxHashSet as HashSet};

use super::scope::Module;
use super::Workspace;
use crate::summary::{Place, RootKind, RootRef};

/// How many `use` items, globs and path segments a lookup follows.
const DEPTH: u8 = 6;

/// A struct or enum: the module it is defined in and its name. Shared: memoised answers
/// are handed out for every call on a type of a shared name.
pub(super) type Definition = Arc<(Module, String)>;

/// `definition_of` answers so far, by the module asked from, then the path: nested, so a
/// known answer is found without building a key.
pub(super) type DefinitionsMemo = FxHashMap<Module, FxHashMap<Box<[String]>, Option<Definition>>>;

impl Workspace {
    /// Of `callees`, a call's on a type named `ty`, keeps those of the definition the type's
    /// written path names (`def`), when several structs or enums have the name.
    pub(super) fn keep_written_definition(
        &self,
        ty: &str,
        def: impl FnOnce() -> Option<Definition>,
        callees: &mut Vec<usize>,
    ) {
        if let Some(def) = self.several_define(ty).then(def).flatten() {
            self.keep_definition(&def, callees);
        }
    }

    /// Several structs or enums are named `ty`: only then does a path say anything the name
    /// does not.
    pub(super) fn several_define(&self, ty: &str) -> bool {
        self.index.type_defs.get(ty).is_some_and(|d| d.len() > 1)
    }

    /// The definition `path` (`[crate, aio, Connection]`, or a bare name) names from
    /// module `from`, when the scope decides it.
    pub(super) fn definition_of(&self, from: &Module, path: &[String]) -> Option<Definition> {
        memoised(
            &self.definitions_memo,
            |memo| memo.get(from)?.get(path).cloned(),
            |memo, found| {
                let at = memo.entry(from.clone()).or_default();
                at.insert(path.into(), found);
            },
            || self.definition_within(from, path, DEPTH, &mut HashSet::default()),
        )
    }

    /// The definition a type written `prefix::name` names from module `from` (a written
    /// type's, a field's, an impl's or a return type's path).
    pub(super) fn definition_named(
        &self,
        from: &Module,
        prefix: &[String],
        name: &str,
    ) -> Option<Definition> {
        let mut path = prefix.to_vec();
        path.push(name.to_string());
        self.definition_of(from, &path)
    }

    /// As [`Self::definition_of`], following at most `depth` imports and not looking in a
    /// module twice for one name (`seen`: globs of globs lead back).
    fn definition_within<S: AsRef<str>>(
        &self,
        from: &Module,
        path: &[S],
        depth: u8,
        seen: &mut HashSet<(Module, String)>,
    ) -> Option<Definition> {
        let (name, prefix) = path.split_last()?;
        let module = self.path_module(from, prefix, depth)?;
        self.lookup_type(&module, name.as_ref(), depth, seen)
    }

    /// The definition `name` names in module `m`: its own, else what an import of that
    /// name brings in, else the one definition its globs bring in.
    fn lookup_type(
        &self,
        m: &Module,
        name: &str,
        depth: u8,
        seen: &mut HashSet<(Module, String)>,
    ) -> Option<Definition> {
        if self.defines(m, name) {
            return Some(Arc::new((m.clone(), name.to_string())));
        }
        if !seen.insert((m.clone(), name.to_string())) {
            return None;
        }
        let depth = depth.checked_sub(1)?;
        for import in self.imports_named(m, Some(name)) {
            // `use a::B as C`: `C` is `B`.
            if let Some(found) = self.definition_within(m, &import.segments(), depth, seen) {
                return Some(found);
            }
        }
        let mut found = None;
        for glob in self.imports_named(m, None) {
            let Some(q) = self
                .path_module(m, &glob.segments(), depth)
                .filter(|q| q != m)
            else {
                continue;
            };
            match (self.lookup_type(&q, name, depth, seen), &found) {
                (Some(d), Some(f)) if d != *f => return None,
                (Some(d), _) => found = Some(d),
                (None, _) => {}
            }
        }
        found
    }

    /// Module `m` defines a struct or enum `name`.
    fn defines(&self, m: &Module, name: &str) -> bool {
        if let Some(modules) = self.scopes.type_modules.get(name) {
            let id = self.scopes.module_ids.get(m);
            return id.is_some_and(|id| modules.binary_search(id).is_ok());
        }
        let defs = self.index.type_defs.get(name).into_iter().flatten();
        defs.into_iter()
            .any(|(file, inline)| self.is_module_at(*file, inline, m))
    }

    /// The definition of the type unit `i`'s impl is for (an `async` block: its fn's).
    /// Memoised.
    pub(super) fn impl_definition(&self, i: usize) -> Option<Definition> {
        let owner = self.owner_fn(i);
        memoised(
            &self.impl_definitions,
            |memo| memo.get(&owner).cloned(),
            |memo, found| {
                memo.insert(owner, found);
            },
            || {
                let unit = &self.units[owner].unit;
                let ty = unit.self_ty.as_deref()?;
                self.definition_named(&self.unit_module(owner), &unit.self_prefix, ty)
            },
        )
    }

    /// The definition of the type of `place` in unit `unit`, from the written types of its
    /// root and of each field on the way (`self.conn` in an impl of `Client` is the
    /// `Client` field's type, looked up from `Client`'s module).
    pub(super) fn place_definition(&self, unit: usize, place: &Place) -> Option<Definition> {
        let root = self.units[unit].unit.root(place.root);
        let mut def = match root.kind {
            RootKind::SelfRef | RootKind::SelfOwned => self.impl_definition(unit)?,
            _ if root.ty.as_deref() == Some("Self") => self.impl_definition(unit)?,
            RootKind::Local(_) if root.ty.is_none() => match place.root {
                RootRef::Local(l) => self.local_definition(unit, l as usize)?,
                RootRef::Slot(_) => return None,
            },
            _ => {
                let (prefix, ty) = (root.ty_prefix(), root.ty.as_deref()?);
                self.definition_named(&self.unit_module(unit), prefix, ty)?
            }
        };
        for field in &place.fields {
            let (module, owner) = &*def;
            let prefixes = self.index.field_prefixes.get(owner);
            let prefix = prefixes
                .and_then(|p| p.get(field))
                .map_or(&[][..], Vec::as_slice);
            let ty = self.index.fields.get(owner)?.get(field)?;
            def = self.definition_named(module, prefix, ty)?;
        }
        Some(def)
    }

    /// Keeps, of `callees` that are methods of a type of `def`'s name, those of `def` (or
    /// whose impl's type the scope does not decide).
    fn keep_definition(&self, def: &Definition, callees: &mut Vec<usize>) {
        callees.retain(|&c| {
            self.units[c].unit.self_ty.as_deref() != Some(def.1.as_str())
                || self.impl_definition(c).is_none_or(|d| d == *def)
        });
    }
}

/// `memo`'s answer (`known`), worked out by `compute` and `store`d the first time it is
/// asked. A panic elsewhere leaves only answers already complete, so a poisoned lock is
/// read on.
fn memoised<M, V: Clone>(
    memo: &RwLock<M>,
    known: impl FnOnce(&M) -> Option<V>,
    store: impl FnOnce(&mut M, V),
    compute: impl FnOnce() -> V,
) -> V {
    let found = known(&memo.read().unwrap_or_else(|e| e.into_inner()));
    if let Some(found) = found {
        return found;
    }
    let found = compute();
    store(
        &mut memo.write().unwrap_or_else(|e| e.into_inner()),
        found.clone(),
    );
    found
}
