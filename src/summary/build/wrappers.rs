//! Guard wrappers: `cancelsafe::Guarded<C>` around a connection the code does not own.
//! A call of `conn.exchange(|c| ..)` on one runs the whole exchange under the wrapper's
//! mark (a cut exchange poisons the connection, which is never used again), so nothing it
//! does is left on the wire.
//!
//! Recognised by the type the receiver is declared with or made by, resolved through the
//! file's `use` items and `type` aliases to the wrapper's path: `conn: &mut Guarded<C>`
//! after `use cancelsafe::Guarded`, `conn: &mut cancelsafe::Guarded<C>`, `let conn =
//! Guarded::new(c)`, or a checkout (`pool.get().await`) of a pool declared with the
//! wrapper's manager (`pool: &bb8::Pool<GuardedManager<M>>`); never by the method's name.

use std::collections::HashMap;

use syn::{Expr, GenericArgument, Item, Pat, PathArguments, Type};

use super::paths::{path_segments, use_imports};
use super::places::strip_postfix;
use super::types::strip_group;
use super::{BodyBuilder, FileCx};
use crate::summary::{Place, RootRef};
use crate::vocab::Vocabulary;

/// What a root holds, as far as guard wrappers go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Wrapped {
    /// A guard wrapper of this type (`Guarded`).
    Conn(String),
    /// A pool whose checkouts are guard wrappers of this type.
    Pool(String),
}

/// Local names for guard wrapper paths in this file, inline modules included: `use` items
/// (`use cancelsafe::Guarded`, `use cancelsafe::bb8::{GuardedManager as M}`) map a name to
/// the path it stands for, and `type` aliases (`type Pool = bb8::Pool<GuardedManager<M>>`)
/// to what they hold.
#[derive(Debug, Default)]
pub(super) struct WrapperNames {
    imports: HashMap<String, Vec<String>>,
    aliases: HashMap<String, Wrapped>,
}

impl WrapperNames {
    pub(super) fn of(items: &[Item], vocab: &Vocabulary) -> Self {
        let mut names = WrapperNames::default();
        names.collect_imports(items, vocab);
        names.collect_aliases(items, vocab);
        names
    }

    fn collect_imports(&mut self, items: &[Item], vocab: &Vocabulary) {
        for item in items {
            match item {
                // Only names of the crates that have guard wrappers matter here.
                Item::Use(u) => use_imports(&u.tree, &mut |name, path| {
                    if path.first().is_some_and(|k| vocab.has_guard_wrappers(k)) {
                        self.imports.insert(name, path);
                    }
                }),
                Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        self.collect_imports(inner, vocab);
                    }
                }
                _ => {}
            }
        }
    }

    fn collect_aliases(&mut self, items: &[Item], vocab: &Vocabulary) {
        for item in items {
            match item {
                Item::Type(t) => {
                    if let Some(w) = self.wrapped(&t.ty, vocab) {
                        self.aliases.insert(t.ident.to_string(), w);
                    }
                }
                Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        self.collect_aliases(inner, vocab);
                    }
                }
                _ => {}
            }
        }
    }

    /// What a written type holds: a guard wrapper (`&mut Guarded<C>`), or a pool of them
    /// (`bb8::Pool<GuardedManager<M>>`, or a handle around one: `Arc<Pool<..>>`).
    fn wrapped(&self, ty: &Type, vocab: &Vocabulary) -> Option<Wrapped> {
        let (segments, args) = match strip_group(ty) {
            Type::Reference(r) => return self.wrapped(&r.elem, vocab),
            Type::Path(p) if p.qself.is_none() => (
                path_segments(&p.path),
                p.path.segments.last().map(|s| &s.arguments),
            ),
            _ => return None,
        };
        if let [name] = &segments[..] {
            if let Some(w) = self.aliases.get(name) {
                return Some(w.clone());
            }
        }
        if let [krate, ty] = &self.resolve(&segments)[..] {
            if vocab.is_guard_wrapper_type(krate, ty) {
                return Some(Wrapped::Conn(ty.clone()));
            }
        }
        let Some(PathArguments::AngleBracketed(args)) = args else {
            return None;
        };
        args.args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => self.manager(t, vocab).map(Wrapped::Pool).or_else(|| {
                match self.wrapped(t, vocab)? {
                    Wrapped::Pool(w) => Some(Wrapped::Pool(w)),
                    Wrapped::Conn(_) => None,
                }
            }),
            _ => None,
        })
    }

    /// The guard wrapper type a pool of this manager type hands out
    /// (`cancelsafe::bb8::GuardedManager<M>` -> `Guarded`).
    fn manager(&self, ty: &Type, vocab: &Vocabulary) -> Option<String> {
        let Type::Path(p) = strip_group(ty) else {
            return None;
        };
        match &self.resolve(&path_segments(&p.path))[..] {
            [module @ .., ty] if !module.is_empty() => vocab
                .guard_wrapper_manager(&module.join("::"), ty)
                .map(str::to_string),
            _ => None,
        }
    }

    /// A written path with its first segment replaced by the path it was imported as.
    fn resolve(&self, segments: &[String]) -> Vec<String> {
        match segments.split_first() {
            Some((first, rest)) => match self.imports.get(first) {
                Some(path) => path.iter().chain(rest).cloned().collect(),
                None => segments.to_vec(),
            },
            None => Vec::new(),
        }
    }
}

impl FileCx<'_> {
    /// What a declared type holds, as far as guard wrappers go.
    pub(super) fn wrapped(&self, ty: &Type) -> Option<Wrapped> {
        self.guard_wrappers.wrapped(ty, self.vocab)
    }
}

impl BodyBuilder<'_, '_> {
    /// Records what a `let` binding holds: annotated (`let c: Guarded<C> = ..`), made by
    /// the wrapper's constructor (`let c = Guarded::new(conn)`), or checked out of a pool
    /// of wrappers (`let c = pool.get().await?`).
    pub(super) fn bind_wrapper(&mut self, pat: &Pat, init: &Expr) {
        let annotated = match pat {
            Pat::Type(pt) => self.cx.wrapped(&pt.ty),
            _ => None,
        };
        let made = match strip_postfix(init) {
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => self.guard_wrapper_made_by(&path_segments(&p.path)),
                _ => None,
            },
            Expr::Await(a) => match strip_postfix(&a.base) {
                Expr::MethodCall(m) if self.cx.vocab.is_pool(&m.method.to_string()) => self
                    .place_of(&m.receiver)
                    .filter(|p| p.fields.is_empty())
                    .and_then(|p| match self.wrappers.get(&p.root)? {
                        Wrapped::Pool(w) => Some(Wrapped::Conn(w.clone())),
                        Wrapped::Conn(_) => None,
                    }),
                _ => None,
            },
            _ => None,
        };
        if let (Some(w), Some(l)) = (annotated.or(made), self.unit.locals.len().checked_sub(1)) {
            self.wrappers.insert(RootRef::local(l), w);
        }
    }

    /// `Guarded::new` (however the wrapper's type is named here) makes a guard wrapper.
    pub(super) fn guard_wrapper_made_by(&self, call: &[String]) -> Option<Wrapped> {
        match call.split_last() {
            Some((new, ty)) if new == "new" => match &self.cx.guard_wrappers.resolve(ty)[..] {
                [krate, ty] if self.cx.vocab.is_guard_wrapper_type(krate, ty) => {
                    Some(Wrapped::Conn(ty.clone()))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `recv.name(..)` is a guard wrapper's exchange, or a checkout of a pool of them
    /// (whose own check runs under the wrapper's mark).
    pub(super) fn is_guard_wrapper_call(&self, recv: &Place, name: &str) -> bool {
        if !recv.fields.is_empty() {
            return false;
        }
        match self.wrappers.get(&recv.root) {
            Some(Wrapped::Conn(ty)) => self.cx.vocab.is_guard_wrapper_exchange(ty, name),
            Some(Wrapped::Pool(_)) => self.cx.vocab.is_pool(name),
            None => false,
        }
    }
}
