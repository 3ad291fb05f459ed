//! Guard wrappers: `cancelsafe::Guarded<C>` around a connection the code does not own.
//! A call of `conn.exchange(|c| ..)` on one runs the whole exchange under the wrapper's
//! mark (a cut exchange poisons the connection, which is never used again), so nothing it
//! does is left on the wire.
//!
//! Recognised by the type the receiver is declared with or made by, resolved through the
//! file's `use` items to the wrapper's path: `conn: &mut Guarded<C>` after
//! `use cancelsafe::Guarded`, `conn: &mut cancelsafe::Guarded<C>`, `let conn =
//! Guarded::new(c)`; never by the method's name alone.

use std::collections::HashMap;

use syn::{Expr, Item, Pat, Type, UseTree};

use super::paths::path_segments;
use super::types::strip_group;
use super::{BodyBuilder, FileCx};
use crate::summary::{Place, RootRef};
use crate::vocab::Vocabulary;

/// The names `use` items give guard wrapper types in this file (`use cancelsafe::Guarded`,
/// `use cancelsafe::{Guarded as G}`), inline modules included: name -> wrapper type.
pub(super) fn wrapper_imports(items: &[Item], vocab: &Vocabulary) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for item in items {
        match item {
            Item::Use(u) => imports(&u.tree, &mut Vec::new(), vocab, &mut out),
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    out.extend(wrapper_imports(inner, vocab));
                }
            }
            _ => {}
        }
    }
    out
}

fn imports(
    tree: &UseTree,
    prefix: &mut Vec<String>,
    vocab: &Vocabulary,
    out: &mut HashMap<String, String>,
) {
    let wrapper = |prefix: &[String], name: &str| matches!(prefix, [krate] if vocab.is_guard_wrapper_type(krate, name));
    match tree {
        UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            imports(&p.tree, prefix, vocab, out);
            prefix.pop();
        }
        UseTree::Group(g) => g.items.iter().for_each(|t| imports(t, prefix, vocab, out)),
        UseTree::Name(n) if wrapper(prefix, &n.ident.to_string()) => {
            out.insert(n.ident.to_string(), n.ident.to_string());
        }
        UseTree::Rename(r) if wrapper(prefix, &r.ident.to_string()) => {
            out.insert(r.rename.to_string(), r.ident.to_string());
        }
        _ => {}
    }
}

impl FileCx<'_> {
    /// The guard wrapper type a written path names (`cancelsafe::Guarded`, or a name
    /// imported as one), if any.
    fn wrapper_named(&self, segments: &[String]) -> Option<String> {
        match segments {
            [krate, ty] if self.vocab.is_guard_wrapper_type(krate, ty) => Some(ty.clone()),
            [name] => self.guard_wrappers.get(name).cloned(),
            _ => None,
        }
    }

    /// The guard wrapper type of a declared type (`&mut Guarded<C>`), if it is one.
    pub(super) fn wrapper_type(&self, ty: &Type) -> Option<String> {
        match strip_group(ty) {
            Type::Reference(r) => self.wrapper_type(&r.elem),
            Type::Path(p) if p.qself.is_none() => self.wrapper_named(&path_segments(&p.path)),
            _ => None,
        }
    }
}

impl BodyBuilder<'_, '_> {
    /// Records a `let` binding's guard wrapper type: annotated (`let c: Guarded<C> = ..`)
    /// or made by the wrapper's constructor (`let c = Guarded::new(conn)`).
    pub(super) fn bind_wrapper(&mut self, pat: &Pat, init: &Expr) {
        let annotated = match pat {
            Pat::Type(pt) => self.cx.wrapper_type(&pt.ty),
            _ => None,
        };
        let made = match init {
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => match path_segments(&p.path).split_last() {
                    Some((new, ty)) if new == "new" => self.cx.wrapper_named(ty),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        if let (Some(ty), Some(l)) = (annotated.or(made), self.unit.locals.len().checked_sub(1)) {
            self.wrappers.insert(RootRef::Local(l), ty);
        }
    }

    /// `recv.name(..)` is a guard wrapper's exchange.
    pub(super) fn is_guard_wrapper_call(&self, recv: &Place, name: &str) -> bool {
        recv.fields.is_empty()
            && self
                .wrappers
                .get(&recv.root)
                .is_some_and(|ty| self.cx.vocab.is_guard_wrapper_exchange(ty, name))
    }
}
