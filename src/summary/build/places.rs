//! Places: the root and field path an expression denotes (`self.conn`, `*guard`,
//! `conn.as_mut()`), looking through borrows, derefs, lock guards and accessors, so one
//! stream has one name.

use syn::Expr;

use super::paths::path_segments;
use super::BodyBuilder;
use crate::summary::{Origin, Place, RootKind, RootRef};
use crate::vocab::words::{ACCESSORS, RESULT_ADAPTERS};

impl BodyBuilder<'_, '_> {
    /// The place an expression denotes, looking through borrows, derefs and accessors.
    pub(super) fn place_of(&self, e: &Expr) -> Option<Place> {
        match e {
            Expr::Path(p) => {
                let id = p.path.get_ident()?.to_string();
                let root = self.lookup(&id)?;
                // Aliases resolve to what they alias, so one stream has one name.
                if let RootRef::Local(i) = root {
                    if let RootKind::Local(Origin::Alias(target)) =
                        &self.unit.locals[i as usize].kind
                    {
                        return Some(target.clone());
                    }
                }
                Some(Place {
                    root,
                    fields: vec![],
                })
            }
            Expr::Field(f) => {
                let mut p = self.place_of(&f.base)?;
                p.fields.push(match &f.member {
                    syn::Member::Named(id) => id.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                });
                Some(p)
            }
            Expr::Reference(r) => self.place_of(&r.expr),
            Expr::Paren(p) => self.place_of(&p.expr),
            Expr::Group(g) => self.place_of(&g.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.place_of(&u.expr),
            Expr::Try(t) => self.place_of(&t.expr),
            Expr::Index(i) => self.place_of(&i.expr),
            Expr::Await(a) => match strip_postfix(&a.base) {
                Expr::MethodCall(m)
                    if (self.cx.vocab.is_lock(&m.method.to_string()) && m.args.is_empty())
                        || self.cx.borrowing_methods.contains(&m.method.to_string()) =>
                {
                    self.place_of(&m.receiver)
                }
                _ => None,
            },
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if ACCESSORS.contains(&name.as_str())
                    || self.cx.borrowing_methods.contains(&name)
                    || (self.cx.vocab.is_lock(&name) && m.args.is_empty())
                {
                    self.place_of(&m.receiver)
                } else {
                    None
                }
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p)
                    if path_segments(&p.path)
                        .last()
                        .is_some_and(|l| l == "new" || l == "new_unchecked")
                        && path_segments(&p.path).first().is_some_and(|f| f == "Pin") =>
                {
                    self.place_of(c.args.first()?)
                }
                // `DerefMut::deref_mut(conn)`, `AsMut::as_mut(conn)`: the place itself.
                Expr::Path(p)
                    if c.args.len() == 1
                        && p.path.segments.len() >= 2
                        && p.path
                            .segments
                            .last()
                            .is_some_and(|s| ACCESSORS.contains(&s.ident.to_string().as_str())) =>
                {
                    self.place_of(&c.args[0])
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The local an expression names when it is a view of another place: an alias with a
    /// type of its own, written or to be inferred from the call that made it (`let ts =
    /// TokenStream::new(&mut self.conn)`, `let framed = self.framed()?`).
    pub(super) fn view_of(&self, e: &Expr) -> Option<u32> {
        let Expr::Path(p) = strip_postfix(e) else {
            return None;
        };
        let RootRef::Local(l) = self.lookup(&p.path.get_ident()?.to_string())? else {
            return None;
        };
        let local = &self.unit.locals[l as usize];
        let is_view = matches!(local.kind, RootKind::Local(Origin::Alias(_)))
            && (local.ty.is_some() || local.made_by.is_some());
        is_view.then_some(l)
    }

    /// The place a constructor's argument lends to the value it builds: `&mut self.conn`, a
    /// view of it, or what a view's adapter makes (`ts.try_unfold()`).
    pub(super) fn lent_place(&self, arg: &Expr) -> Option<Place> {
        match strip_postfix(arg) {
            Expr::Reference(r) if r.mutability.is_some() => self.place_of(&r.expr),
            Expr::MethodCall(m) => self.lent_place(&m.receiver),
            e @ Expr::Path(_) => {
                let place = self.place_of(e)?;
                // A reference parameter of a named type passed on is lent again
                // (`TokenStream::new(conn)`); a generic one is the caller's to choose.
                let root = self.unit.root(place.root);
                let lent_again = place.fields.is_empty()
                    && matches!(place.root, RootRef::Slot(_))
                    && root.kind == RootKind::ParamRef
                    && !root.generic;
                (lent_again || self.view_of(e).is_some()).then_some(place)
            }
            _ => None,
        }
    }

    /// The place a value borrows when it is made by a constructor lent a place
    /// (`TokenStream::new(&mut self.conn)`), or by an adapter of such a value
    /// (`TokenStream::new(conn).try_unfold()`).
    pub(super) fn view_source(&self, e: &Expr) -> Option<Place> {
        match strip_postfix(e) {
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                if !is_constructor(&path_segments(&p.path)) {
                    return None;
                }
                c.args.iter().find_map(|a| self.lent_place(a))
            }
            Expr::MethodCall(m) => self.view_source(&m.receiver),
            _ => None,
        }
    }
}

/// `Type::new`, `Type::new_with(..)`, `Type::with_capacity(..)`: a call that makes a `Type`.
pub(super) fn is_constructor(segments: &[String]) -> bool {
    segments.len() >= 2
        && segments
            .last()
            .is_some_and(|l| l == "new" || l.starts_with("new_") || l.starts_with("with_"))
}

/// Strips `?`, `.unwrap()`, `.expect(..)`, `.map_err(..)`, `.context(..)` from the end.
pub(super) fn strip_postfix(e: &Expr) -> &Expr {
    match e {
        Expr::Try(t) => strip_postfix(&t.expr),
        Expr::Paren(p) => strip_postfix(&p.expr),
        Expr::MethodCall(m) if RESULT_ADAPTERS.contains(&m.method.to_string().as_str()) => {
            strip_postfix(&m.receiver)
        }
        _ => e,
    }
}

/// Looks through `.await`, `?` and unwrapping to the expression that makes the value.
pub(super) fn strip_value(e: &Expr) -> &Expr {
    match strip_postfix(e) {
        Expr::Await(a) => strip_value(&a.base),
        other => other,
    }
}
