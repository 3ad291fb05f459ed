//! Bindings: `let` statements, closure and loop parameters and match patterns bind names to
//! roots, each with where its value comes from ([`Origin`]) and its type when evident.

use std::collections::HashMap;

use syn::{Expr, Pat};

use super::paths::{last_segment, path_segments};
use super::patterns::{pat_names, pattern_parts};
use super::places::{is_constructor, strip_postfix, strip_value};
use super::targets::{call_shape, is_call_target};
use super::types::type_name;
use super::{BodyBuilder, FileCx};
use crate::summary::*;
use crate::vocab::words::WRAPPERS;

impl<'c, 'a> BodyBuilder<'c, 'a> {
    pub(super) fn new(
        cx: &'c mut FileCx<'a>,
        idx: usize,
        unit: Unit,
        generics: Vec<String>,
    ) -> Self {
        let mut scope = HashMap::new();
        for (i, s) in unit.slots.iter().enumerate() {
            scope.insert(s.name.to_string(), RootRef::slot(i));
        }
        BodyBuilder {
            cx,
            idx,
            unit,
            generics,
            scopes: vec![scope],
            pending: HashMap::new(),
            spawned: false,
            spawn_handles: HashMap::new(),
            wrappers: HashMap::new(),
            timeout_result: None,
            loop_depth: 0,
        }
    }

    pub(super) fn finish(self) -> Unit {
        self.unit
    }

    pub(super) fn lookup(&self, name: &str) -> Option<RootRef> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
    }

    /// `name` is named at byte `end`: the root it binds to, and what that root aliases, are
    /// mentioned there (see [`Root::last_mention`]).
    pub(super) fn mention(&mut self, name: &str, end: u32) {
        let mut next = self.lookup(name);
        // An alias points at an earlier local; the bound is for safety's sake alone.
        for _ in 0..=self.unit.locals.len() {
            let Some(r) = next.take() else { break };
            let root = match r {
                RootRef::Slot(i) => &mut self.unit.slots[i as usize],
                RootRef::Local(l) => &mut self.unit.locals[l as usize],
            };
            root.last_mention = root.last_mention.max(end);
            if let RootKind::Local(Origin::Alias(p)) = &root.kind {
                next = Some(p.root).filter(|&a| a != r);
            }
        }
    }

    pub(super) fn bind(&mut self, name: String, origin: Origin, ty: Option<String>) {
        self.unit.locals.push(Root {
            name: name.as_str().into(),
            kind: RootKind::Local(origin),
            ty: ty.map(String::into_boxed_str),
            written: None,
            generic: false,
            bound_io: None,
            made_by: None,
            last_mention: 0,
            loop_depth: self.loop_depth,
        });
        let r = RootRef::local(self.unit.locals.len() - 1);
        self.scopes.last_mut().expect("scope").insert(name, r);
    }

    /// The names visible here, as one scope (inner ones shadow outer ones, as in `lookup`):
    /// a nested block gets one map, not a copy of every enclosing block's, so nesting costs
    /// what the names cost, not the depth squared.
    pub(super) fn visible_names(&self) -> HashMap<String, RootRef> {
        let mut names = HashMap::new();
        for scope in &self.scopes {
            names.extend(scope.iter().map(|(name, r)| (name.clone(), *r)));
        }
        names
    }

    pub(super) fn let_binding(&mut self, pat: &Pat, init: &Expr, out: &mut Vec<Node>) {
        let annotated = match pat {
            Pat::Type(pt) => type_name(&pt.ty),
            _ => None,
        };
        let names = pat_names(pat);
        let init_core = strip_postfix(init);
        // A future stored for later: remember what it will do when awaited.
        if names.len() == 1 && !matches!(init_core, Expr::Await(_)) {
            let t = self.target_of(init_core);
            if is_call_target(&t) {
                self.pending.insert(names[0].clone(), t);
            }
        }
        let (origin, ty) = self.origin_of(init_core);
        // `let c: &mut Connection = &mut pooled;`: the annotation says what `pooled` is used
        // as (by deref coercion when it is a wrapper), and calls through `c` are calls on
        // `pooled`, the one name of that stream.
        if let (Origin::Alias(place), Some(t)) = (&origin, &annotated) {
            if let (RootRef::Local(i), true) = (place.root, place.fields.is_empty()) {
                let aliased = &mut self.unit.locals[i as usize];
                if aliased.ty.is_none() {
                    aliased.ty = Some(t.as_str().into());
                }
            }
        }
        if let Some(t) = ty.clone().or(annotated.clone()) {
            let droppy = names.iter().any(|n| n != "_");
            if droppy && matches!(origin, Origin::Owned) {
                out.push(Node::Guard(GuardEvent::DropGuard(t)));
            }
        }
        // A helper that hands back a borrow of its receiver (`let framed = self.framed()?`)
        // makes a view of it, typed by what the helper returns.
        let borrowed = |e: &Expr| match strip_value(e) {
            Expr::MethodCall(m) => self.cx.borrowing_methods.contains(&m.method.to_string()),
            _ => false,
        };
        let made_by = match (&origin, names.len(), &annotated, &ty) {
            (Origin::Owned | Origin::LockGuard | Origin::Pooled, 1, None, None) => {
                call_shape(self, strip_value(init), 0).map(Box::new)
            }
            (Origin::Alias(_), 1, None, None)
                if borrowed(init) || self.view_source(init_core).is_some() =>
            {
                call_shape(self, strip_value(init), 0).map(Box::new)
            }
            _ => None,
        };
        let single = names.len() == 1;
        let written = match pat {
            Pat::Type(pt) if single => Some(&pt.ty),
            _ => None,
        };
        for name in names {
            self.bind(name, origin.clone(), annotated.clone().or(ty.clone()));
        }
        if let (Some(written), Some(last)) = (written, self.unit.locals.last_mut()) {
            last.written = self.cx.type_homes.written(written);
        }
        if single {
            self.bind_wrapper(pat, init_core);
        }
        if let Some(last) = self.unit.locals.last_mut() {
            if made_by.is_some() {
                last.made_by = made_by;
            }
        }
    }

    /// Where a `let` initialiser's value comes from, and its type when evident.
    fn origin_of(&self, e: &Expr) -> (Origin, Option<String>) {
        match e {
            Expr::Await(a) => {
                if let Expr::MethodCall(m) = strip_postfix(&a.base) {
                    let name = m.method.to_string();
                    if self.cx.vocab.is_lock(&name) && m.args.is_empty() {
                        return (Origin::LockGuard, None);
                    }
                    if self.cx.vocab.is_pool(&name) && m.args.len() <= 1 {
                        return (Origin::Pooled, None);
                    }
                    // This file's helpers: a guard of what the receiver shares, or a borrow
                    // of the receiver (`let conn = self.conn().await?`).
                    match self.cx.guard_methods.get(&name) {
                        Some(true) => return (Origin::Pooled, None),
                        Some(false) => return (Origin::LockGuard, None),
                        None => {}
                    }
                    if self.cx.borrowing_methods.contains(&name) {
                        if let Some(p) = self.place_of(&m.receiver) {
                            return (Origin::Alias(p), None);
                        }
                    }
                }
                (Origin::Owned, None)
            }
            Expr::Struct(s) => (Origin::Owned, self.named_type(last_segment(&s.path))),
            // `match pool.checkout().await { Ok(c) => c, Err(e) => return .. }`
            Expr::Match(m) => self.origin_of(strip_postfix(&m.expr)),
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func {
                    let segs = path_segments(&p.path);
                    // `Arc::new(Mutex::new(x))`: the methods are those of what `x` is.
                    if segs.len() >= 2
                        && c.args.len() == 1
                        && segs[segs.len() - 1] == "new"
                        && WRAPPERS.contains(&segs[segs.len() - 2].as_str())
                    {
                        return (Origin::Owned, self.origin_of(strip_postfix(&c.args[0])).1);
                    }
                    if is_constructor(&segs) {
                        let ty = self.named_type(Some(segs[segs.len() - 2].clone()));
                        // The guard wrapper owns what it is lent: every use goes through
                        // its own exchange (`bind_wrapper`), not a view of the connection.
                        if self.guard_wrapper_made_by(&segs).is_some() {
                            return (Origin::Owned, ty);
                        }
                        // A value that borrows a connection (`TokenStream::new(&mut
                        // self.conn)`) reads and writes it: a view of that place.
                        if let Some(lent) = self.view_source(e) {
                            return (Origin::Alias(lent), ty);
                        }
                        return (Origin::Owned, ty);
                    }
                    if segs.len() == 1 && segs[0].chars().next().is_some_and(char::is_uppercase) {
                        return (Origin::Owned, Some(segs[0].clone()));
                    }
                    if segs
                        .last()
                        .is_some_and(|l| self.cx.vocab.is_guard_function(l))
                    {
                        return (Origin::Owned, Some("ScopeGuard".into()));
                    }
                }
                (Origin::Owned, None)
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if name == "take"
                    || name == "into_inner"
                    || name.starts_with("into_") && name != "into_split"
                {
                    return (Origin::Owned, None);
                }
                if name == "drop_guard" {
                    return (Origin::Owned, Some("DropGuard".into()));
                }
                if let Some(lent) = self.view_source(e) {
                    return (Origin::Alias(lent), None);
                }
                match self.place_of(e) {
                    Some(p) => (Origin::Alias(p), None),
                    None => (Origin::Owned, None),
                }
            }
            _ => match self.place_of(e) {
                Some(p) => (Origin::Alias(p), None),
                None => (Origin::Owned, None),
            },
        }
    }

    /// A type as written, with `Self` the impl's own type (`let c = Self { .. }`).
    fn named_type(&self, ty: Option<String>) -> Option<String> {
        match ty.as_deref() {
            Some("Self") => self.unit.self_ty.clone(),
            _ => ty,
        }
    }

    /// Binds a pattern's names to the parts of the scrutinee they take: `Conn::Tcp(s)` makes
    /// `s` the place `scrutinee.Tcp.0`; wrappers (`Some`, `Ok`, `Err`) are looked through.
    pub(super) fn bind_pattern(&mut self, pat: &Pat, scrutinee: Option<&Place>) {
        let mut bindings = Vec::new();
        pattern_parts(pat, &mut Vec::new(), &mut bindings);
        for (name, fields) in bindings {
            let origin = match scrutinee {
                Some(p) => {
                    let mut place = p.clone();
                    place.fields.extend(fields);
                    Origin::Alias(place)
                }
                None => Origin::Owned,
            };
            self.bind(name, origin, None);
        }
    }

    /// `drop(guard)`: the type of the local dropped by hand, which ends what a drop guard of
    /// that type was covering.
    pub(super) fn dropped_guard(
        &self,
        segments: &[String],
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    ) -> Option<String> {
        if segments.last().map(String::as_str) != Some("drop") || args.len() != 1 {
            return None;
        }
        let Expr::Path(p) = &args[0] else { return None };
        let RootRef::Local(l) = self.lookup(&p.path.get_ident()?.to_string())? else {
            return None;
        };
        self.unit.locals[l as usize].ty.as_deref().map(String::from)
    }
}

#[cfg(test)]
mod tests {
    use crate::summary::{summarize_file, Node, Origin, Place, RootKind, RootRef, Target};
    use crate::Vocabulary;

    #[test]
    fn an_annotated_alias_types_what_it_stands_for() {
        let src = "async fn f(pool: &Pool) { let mut pooled = pool.get().await.unwrap(); \
                   let conn: &mut redis::aio::Connection = &mut pooled; conn.get(1).await; }";
        let file = summarize_file(src, &Vocabulary::default()).expect("parses");
        let unit = &file.units[0];
        let pooled = unit
            .locals
            .iter()
            .find(|l| &*l.name == "pooled")
            .expect("pooled");
        assert_eq!(pooled.ty.as_deref(), Some("Connection"));
        let conn = unit
            .locals
            .iter()
            .find(|l| &*l.name == "conn")
            .expect("conn");
        assert!(matches!(conn.kind, RootKind::Local(Origin::Alias(_))));
    }

    #[test]
    fn written_types_keep_the_crate_they_are_named_through() {
        let src = "use bb8_redis::bb8;\n\
                   struct Sessions { pool: bb8::Pool<M>, n: u8 }\n\
                   async fn f(p: &deadpool_redis::Pool) { let q: Arc<bb8::Pool<M>> = make(); }";
        let file = summarize_file(src, &Vocabulary::default()).expect("parses");
        let homes = &file.structs[0].homes;
        assert_eq!(homes, &vec![("pool".to_string(), "bb8_redis".to_string())]);
        let unit = &file.units[0];
        assert_eq!(unit.slots[0].ty_home(), Some("deadpool_redis"));
        assert_eq!(unit.locals[0].ty_home(), Some("bb8_redis"));
    }

    #[test]
    fn return_and_impl_types_keep_the_path_before_their_names() {
        let src = "fn a() -> io::Result<crate::aio::Connection> { todo!() }\n\
                   fn b(&mut self) -> &mut super::Conn { todo!() }\n\
                   async fn c() -> Connection { todo!() }\n\
                   fn d() -> std::io::Result<u8> { todo!() }\n\
                   impl super::Conn { fn e(&self) {} }\n\
                   impl Conn { fn f(&self) {} }";
        let file = summarize_file(src, &Vocabulary::default()).expect("parses");
        let prefixes: Vec<&[String]> = file.units.iter().map(|u| &*u.ret_prefix).collect();
        assert_eq!(
            prefixes,
            [&["crate", "aio"][..], &["super"], &[], &[], &[], &[]]
        );
        assert_eq!(file.units[0].ret_ty.as_deref(), Some("Connection"));
        let impls: Vec<&[String]> = file.units.iter().map(|u| &*u.self_prefix).collect();
        assert_eq!(impls[4..], [&["super"][..], &[]]);
    }

    #[test]
    fn generic_arguments_are_kept_by_position() {
        let src = "impl<M, W> Pool<M, Conn, W> { async fn get(&self) -> Result<W, E> { todo!() } }\n\
                   async fn f(p: &Arc<Pool<Manager, Conn, Pooled>>) { let q: Pool<(), X> = make(); }";
        let file = summarize_file(src, &Vocabulary::default()).expect("parses");
        assert_eq!(file.units[0].self_args, ["M", "", "W"]);
        assert_eq!(
            file.units[1].slots[0].ty_args(),
            ["Manager", "Conn", "Pooled"]
        );
        assert_eq!(file.units[1].locals[0].ty_args(), ["", "X"]);
    }

    #[test]
    fn an_extractor_parameter_binds_what_it_holds() {
        let src = "async fn f(State(db): State<Db>, Extension(p): axum::Extension<Arc<Pool>>, \
                   Json(a): Json<A, B>) {}";
        let file = summarize_file(src, &Vocabulary::default()).expect("parses");
        let slots: Vec<_> = file.units[0]
            .slots
            .iter()
            .map(|s| (&*s.name, s.ty.as_deref()))
            .collect();
        assert_eq!(
            slots,
            [("db", Some("Db")), ("p", Some("Pool")), ("_", Some("Json"))]
        );
    }

    #[test]
    fn a_pooled_checkout_keeps_the_call_that_makes_it() {
        let src = "async fn f(pool: &Pool) { let conn = pool.get().await.ok()?; }";
        let file = summarize_file(src, &Vocabulary::default()).expect("parses");
        let conn = &file.units[0].locals[0];
        assert_eq!(conn.kind, RootKind::Local(Origin::Pooled));
        assert!(
            matches!(conn.made_by.as_deref(), Some(Target::Method { name, .. }) if name == "get")
        );
    }

    #[test]
    fn a_value_lent_a_connection_is_a_view_of_it() {
        let src = "impl C { async fn f(&mut self) { \
                   let ts = TokenStream::new(&mut self.conn); \
                   let rows = Rows::new(ts.try_unfold()); rows.next().await; } }";
        let file = summarize_file(src, &Vocabulary::default()).expect("parses");
        let unit = &file.units[0];
        let conn = Place {
            root: RootRef::Slot(0),
            fields: vec!["conn".into()],
        };
        for (name, ty) in [("ts", "TokenStream"), ("rows", "Rows")] {
            let local = unit.locals.iter().find(|l| &*l.name == name).expect(name);
            assert_eq!(
                local.kind,
                RootKind::Local(Origin::Alias(conn.clone())),
                "{name}"
            );
            assert_eq!(local.ty.as_deref(), Some(ty), "{name}");
        }
        let Some(Node::Await(read)) = unit.body.last() else {
            panic!("the read is awaited last: {:?}", unit.body);
        };
        let Target::Method {
            recv, recv_view, ..
        } = &read.target
        else {
            panic!("a method call: {:?}", read.target);
        };
        assert_eq!(
            recv.as_ref(),
            Some(&conn),
            "the read acts on the connection"
        );
        assert_eq!(recv_view, &Some(1), "and is typed by `rows`");
    }
}
