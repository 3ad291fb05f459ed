//! Builds [`FileSummary`]s from a parsed file: one [`Unit`] per fn, method and `async`
//! block, each body reduced to [`Node`]s in source order.
//!
//! Visitors here never descend into nested items or closures' bodies as part of the
//! enclosing unit: a nested `async` block becomes a unit of its own, as does a nested fn.

use std::collections::{HashMap, HashSet};

use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, ImplItem, Item, Pat, Stmt, Token, TraitItem, Type};

use super::bounds::Refusal;
use super::macros::{parse_body, parse_items, MacroBody};
use sites::{
    call_args, combinator_operands, combinator_site, handler_of, registration_fn,
    registration_method, service_trait,
};

mod drain;
mod sites;
use super::*;
use crate::source::LineIndex;
use crate::vocab::Vocabulary;

/// Parses `text` within [`super::bounds`] and summarises every function in it.
pub fn summarize_file(text: &str, vocab: &Vocabulary) -> Result<FileSummary, Refusal> {
    let file = super::bounds::parse_file(text)?;
    let lines = LineIndex::new(text);
    let mut cx = FileCx {
        lines: &lines,
        vocab,
        out: FileSummary::default(),
        borrowing_methods: borrowing_methods(&file.items),
        taking_methods: drain::taking_methods(&file.items),
        inline_mods: Vec::new(),
    };
    cx.items(&file.items, &Scope::default());
    cx.out.crate_names = crate::deps::crate_names(text).into_iter().collect();
    Ok(cx.out)
}

struct FileCx<'a> {
    lines: &'a LineIndex<'a>,
    vocab: &'a Vocabulary,
    out: FileSummary,
    /// Methods of this file that return a borrow of their receiver
    /// (`async fn connection(&mut self) -> Result<&mut Conn>`): accessors.
    borrowing_methods: HashSet<String>,
    /// Methods of this file that take owed replies off a count on `self`, by the count's
    /// field (`fn handle_ready(&mut self) { self.pending -= 1 }`).
    taking_methods: HashMap<String, HashSet<String>>,
    /// Inline `mod a { .. }` blocks around the current item.
    inline_mods: Vec<String>,
}

/// The impl or trait a fn sits in.
#[derive(Default, Clone)]
struct Scope {
    self_ty: Option<String>,
    trait_name: Option<String>,
    generics: Vec<String>,
    in_trait_impl: bool,
    /// A service trait whose methods are request handlers (`impl Service<Request<B>>`).
    service: Option<Framework>,
}

impl<'a> FileCx<'a> {
    fn items(&mut self, items: &[Item], scope: &Scope) {
        for item in items {
            self.item(item, scope);
        }
    }

    fn item(&mut self, item: &Item, scope: &Scope) {
        match item {
            Item::Fn(f) => {
                let is_pub = matches!(f.vis, syn::Visibility::Public(_));
                self.function(
                    &f.sig,
                    &f.block,
                    &f.attrs,
                    is_pub,
                    &Scope {
                        self_ty: None,
                        trait_name: None,
                        generics: vec![],
                        in_trait_impl: false,
                        service: None,
                    },
                );
            }
            Item::Impl(imp) => {
                let scope = Scope {
                    self_ty: type_name(&imp.self_ty),
                    trait_name: imp.trait_.as_ref().and_then(|(_, p, _)| last_segment(p)),
                    generics: generic_names(&imp.generics),
                    in_trait_impl: imp.trait_.is_some(),
                    service: imp
                        .trait_
                        .as_ref()
                        .and_then(|(_, p, _)| service_trait(p, &imp.attrs)),
                };
                if scope.trait_name.as_deref() == Some("Drop") {
                    if let Some(t) = &scope.self_ty {
                        self.out.drop_types.push(t.clone());
                    }
                }
                if let Some(header) = impl_header(imp) {
                    self.out.impls.push(header);
                }
                self.impl_items(&imp.items, &scope);
            }
            Item::Trait(t) => {
                let scope = Scope {
                    self_ty: Some(t.ident.to_string()),
                    trait_name: Some(t.ident.to_string()),
                    generics: generic_names(&t.generics),
                    in_trait_impl: false,
                    service: None,
                };
                for it in &t.items {
                    if let TraitItem::Fn(m) = it {
                        if let Some(block) = &m.default {
                            self.function(&m.sig, block, &m.attrs, true, &scope);
                        }
                    }
                }
            }
            Item::Mod(m) => match &m.content {
                Some((_, items)) => {
                    self.inline_mods.push(m.ident.to_string());
                    self.items(items, scope);
                    self.inline_mods.pop();
                }
                None => self.out.mods.push(ModDecl {
                    name: m.ident.to_string(),
                    path_attr: path_attr(&m.attrs),
                    inline_parents: self.inline_mods.clone(),
                }),
            },
            Item::Struct(s) => self.structure(s),
            Item::Enum(e) => self.enumeration(e),
            Item::Use(u) => type_renames(&u.tree, &mut self.out.type_renames),
            Item::Type(t) if t.generics.params.is_empty() => {
                if let Some(target) = type_name(&t.ty) {
                    self.out.type_aliases.push((t.ident.to_string(), target));
                }
            }
            Item::Macro(m) if m.mac.path.is_ident("macro_rules") => {
                for items in super::templates::transcribers(&m.mac) {
                    self.items(&items, scope);
                }
            }
            Item::Macro(m) => {
                let name = path_segments(&m.mac.path)
                    .last()
                    .cloned()
                    .unwrap_or_default();
                if name == "include" {
                    if let Ok(path) = m.mac.parse_body::<syn::LitStr>() {
                        self.out.includes.push(path.value());
                    }
                }
                self.items(&parse_items::<Item>(&name, m.mac.tokens.clone()), scope);
            }
            _ => {}
        }
    }

    fn impl_items(&mut self, items: &[ImplItem], scope: &Scope) {
        for it in items {
            match it {
                ImplItem::Fn(m) => {
                    let is_pub = scope.in_trait_impl || matches!(m.vis, syn::Visibility::Public(_));
                    self.function(&m.sig, &m.block, &m.attrs, is_pub, scope);
                }
                ImplItem::Macro(m) => {
                    let name = path_segments(&m.mac.path)
                        .last()
                        .cloned()
                        .unwrap_or_default();
                    self.impl_items(&parse_items(&name, m.mac.tokens.clone()), scope);
                }
                _ => {}
            }
        }
    }

    fn structure(&mut self, s: &syn::ItemStruct) {
        self.out.structs.push(StructDef {
            name: s.ident.to_string(),
            fields: field_types(&s.fields, ""),
        });
    }

    /// An enum's variant fields are fields named `Variant.0` / `Variant.name`, so a match
    /// arm's binding (`Conn::Tcp(s) => ..`) is typed like a struct field.
    fn enumeration(&mut self, e: &syn::ItemEnum) {
        let fields = e
            .variants
            .iter()
            .flat_map(|v| field_types(&v.fields, &format!("{}.", v.ident)))
            .collect();
        self.out.structs.push(StructDef {
            name: e.ident.to_string(),
            fields,
        });
    }

    fn function(
        &mut self,
        sig: &syn::Signature,
        block: &syn::Block,
        attrs: &[syn::Attribute],
        is_pub: bool,
        scope: &Scope,
    ) {
        let mut generics = scope.generics.clone();
        generics.extend(generic_names(&sig.generics));
        let mut slots = Vec::new();
        let mut has_self = false;
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(r) => {
                    has_self = true;
                    let by_ref = r.reference.is_some()
                        || !matches!(&*r.ty, Type::Path(p) if p.path.is_ident("Self"));
                    slots.push(Root {
                        name: "self".into(),
                        kind: if by_ref {
                            RootKind::SelfRef
                        } else {
                            RootKind::SelfOwned
                        },
                        ty: scope.self_ty.clone(),
                        generic: false,
                        bound_io: None,
                        made_by: None,
                    });
                }
                FnArg::Typed(pt) => {
                    let name = pat_ident(&pt.pat).unwrap_or_else(|| "_".into());
                    let mut root = self.param_root(name, &pt.ty, &generics);
                    root.bound_io = io_bound(&pt.ty, &sig.generics);
                    slots.push(root);
                }
            }
        }
        let unit = Unit {
            name: sig.ident.to_string(),
            self_ty: scope.self_ty.clone(),
            trait_name: scope.trait_name.clone(),
            kind: UnitKind::Fn {
                is_async: sig.asyncness.is_some(),
            },
            is_pub,
            span: self.lines.span(sig.ident.span()),
            slots,
            has_self,
            locals: Vec::new(),
            captured_locals: 0,
            body: Vec::new(),
            guard_attr: attrs
                .iter()
                .any(|a| self.vocab.is_guard_attribute(&path_segments(a.path()))),
            declared_safe: declares_cancel_safe(attrs),
            ret_ty: return_type(&sig.output, scope.self_ty.as_deref()),
            handler: handler_of(sig, attrs, scope),
            site_roots: Vec::new(),
            guarded_sites: Vec::new(),
        };
        let idx = self.out.units.len();
        self.out.units.push(unit.clone());
        let mut b = BodyBuilder::new(self, idx, unit, generics);
        let mut nodes = Vec::new();
        b.block(block, &mut nodes);
        let mut unit = b.finish();
        if unit.guard_attr {
            GuardedSite::collect(&nodes, &mut unit.guarded_sites);
        }
        unit.body = nodes;
        self.out.units[idx] = unit;
    }

    fn param_root(&self, name: String, ty: &Type, generics: &[String]) -> Root {
        let is_ref = matches!(strip_group(ty), Type::Reference(_));
        let outer = outer_type_name(ty);
        let shared = outer
            .as_deref()
            .is_some_and(|t| self.vocab.is_shared_type(t));
        Root {
            name,
            kind: if is_ref || shared {
                RootKind::ParamRef
            } else {
                RootKind::ParamOwned
            },
            ty: type_name(ty),
            generic: is_generic(ty, generics),
            bound_io: None,
            made_by: None,
        }
    }
}

/// Walks one body, appending nodes; `async` blocks met on the way become units of their own.
struct BodyBuilder<'c, 'a> {
    cx: &'c mut FileCx<'a>,
    idx: usize,
    unit: Unit,
    generics: Vec<String>,
    scopes: Vec<HashMap<String, RootRef>>,
    pending: HashMap<String, Target>,
    /// Inside the arguments of a spawner call.
    spawned: bool,
    /// Task handles bound by `let h = spawn(..)`, with the futures they run; `h.abort()`
    /// makes those futures droppable.
    spawn_handles: HashMap<String, Vec<Target>>,
}

impl<'c, 'a> BodyBuilder<'c, 'a> {
    fn new(cx: &'c mut FileCx<'a>, idx: usize, unit: Unit, generics: Vec<String>) -> Self {
        let mut scope = HashMap::new();
        for (i, s) in unit.slots.iter().enumerate() {
            scope.insert(s.name.clone(), RootRef::Slot(i));
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
        }
    }

    fn finish(self) -> Unit {
        self.unit
    }

    fn lookup(&self, name: &str) -> Option<RootRef> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
    }

    fn bind(&mut self, name: String, origin: Origin, ty: Option<String>) {
        self.unit.locals.push(Root {
            name: name.clone(),
            kind: RootKind::Local(origin),
            ty,
            generic: false,
            bound_io: None,
            made_by: None,
        });
        let r = RootRef::Local(self.unit.locals.len() - 1);
        self.scopes.last_mut().expect("scope").insert(name, r);
    }

    fn block(&mut self, block: &syn::Block, out: &mut Vec<Node>) {
        self.scopes.push(HashMap::new());
        for stmt in &block.stmts {
            self.stmt(stmt, out);
        }
        self.scopes.pop();
    }

    fn stmt(&mut self, stmt: &Stmt, out: &mut Vec<Node>) {
        match stmt {
            Stmt::Local(local) => {
                if let Some(init) = &local.init {
                    let before = self.cx.out.units.len();
                    self.expr(&init.expr, out);
                    self.remember_spawn(&local.pat, &init.expr, before);
                    if let Some((_, diverge)) = &init.diverge {
                        self.expr(diverge, out);
                    }
                    self.let_binding(&local.pat, &init.expr, out);
                } else {
                    for name in pat_names(&local.pat) {
                        self.bind(name, Origin::Owned, None);
                    }
                }
            }
            Stmt::Item(item) => self.cx.item(item, &Scope::default()),
            Stmt::Expr(e, _) => self.expr(e, out),
            Stmt::Macro(m) => self.mac(&m.mac, out),
        }
    }

    fn let_binding(&mut self, pat: &Pat, init: &Expr, out: &mut Vec<Node>) {
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
                let aliased = &mut self.unit.locals[i];
                if aliased.ty.is_none() {
                    aliased.ty = Some(t.clone());
                }
            }
        }
        if let Some(t) = ty.clone().or(annotated.clone()) {
            let droppy = names.iter().any(|n| n != "_");
            if droppy && matches!(origin, Origin::Owned) {
                out.push(Node::Guard(GuardEvent::DropGuard(t)));
            }
        }
        let made_by = match (&origin, names.len(), &annotated, &ty) {
            (Origin::Owned | Origin::LockGuard, 1, None, None) => {
                call_shape(self, strip_value(init), 0).map(Box::new)
            }
            _ => None,
        };
        for name in names {
            self.bind(name, origin.clone(), annotated.clone().or(ty.clone()));
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
                }
                (Origin::Owned, None)
            }
            Expr::Struct(s) => (Origin::Owned, last_segment(&s.path)),
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
                    if segs.len() >= 2
                        && segs.last().is_some_and(|l| {
                            l == "new" || l.starts_with("new_") || l.starts_with("with_")
                        })
                    {
                        return (Origin::Owned, Some(segs[segs.len() - 2].clone()));
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

    /// The place an expression denotes, looking through borrows, derefs and accessors.
    fn place_of(&self, e: &Expr) -> Option<Place> {
        match e {
            Expr::Path(p) => {
                let id = p.path.get_ident()?.to_string();
                let root = self.lookup(&id)?;
                // Aliases resolve to what they alias, so one stream has one name.
                if let RootRef::Local(i) = root {
                    if let RootKind::Local(Origin::Alias(target)) = &self.unit.locals[i].kind {
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

    /// What awaiting `e` runs.
    fn target_of(&mut self, e: &Expr) -> Target {
        match e {
            Expr::Paren(p) => self.target_of(&p.expr),
            Expr::Group(g) => self.target_of(&g.expr),
            Expr::Reference(r) => self.target_of(&r.expr),
            Expr::Try(t) => self.target_of(&t.expr),
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if self.cx.vocab.is_transparent(&name) {
                    return self.target_of(&m.receiver);
                }
                let recv = self.place_of(&m.receiver);
                let recv_generic = recv
                    .as_ref()
                    .is_some_and(|p| p.fields.is_empty() && self.unit.root(p.root).generic);
                let recv_call = match recv {
                    None => call_shape(self, strip_value(&m.receiver), 0).map(Box::new),
                    Some(_) => None,
                };
                Target::Method {
                    recv,
                    recv_generic,
                    recv_call,
                    name,
                    args: m.args.iter().map(|a| self.place_of(a)).collect(),
                }
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return Target::Opaque;
                };
                let segments = path_segments(&p.path);
                let last = segments.last().cloned().unwrap_or_default();
                if self.cx.vocab.is_transparent(&last) || (last == "pin" && segments.len() >= 2) {
                    return self.wrapped_future(&c.args);
                }
                if self.cx.vocab.is_spawner(&last) {
                    return Target::Opaque;
                }
                Target::Path {
                    segments,
                    args: c.args.iter().map(|a| self.place_of(a)).collect(),
                }
            }
            Expr::Async(a) => Target::Block(self.async_block(&a.block, a.async_token.span)),
            Expr::Path(p) => match p
                .path
                .get_ident()
                .and_then(|id| self.pending.get(&id.to_string()))
            {
                Some(t) => t.clone(),
                None => Target::Opaque,
            },
            _ => Target::Opaque,
        }
    }

    /// The future among a wrapper's arguments (`timeout(d, fut)`, `timeout(fut, d)`): a
    /// method call or `async` block, else a call that does not build a duration.
    fn wrapped_future<'e>(&mut self, args: impl IntoIterator<Item = &'e Expr>) -> Target {
        let args: Vec<&Expr> = args.into_iter().collect();
        if let Some(fut) = self.wrapped_future_expr(&args) {
            return self.target_of(fut);
        }
        // No method call or block: a call by path that does not build a time.
        for a in args {
            if let Target::Path { segments, args } = self.target_of(a) {
                let duration = segments
                    .iter()
                    .any(|s| s == "Duration" || s.starts_with("from_") || s == "Instant");
                if !duration {
                    return Target::Path { segments, args };
                }
            }
        }
        Target::Opaque
    }

    /// The argument of a wrapper (`timeout(d, fut)`) that is the future: a method call or
    /// `async` block, one written in place before one stored in a variable, and one that is
    /// not a deadline or duration (`timeout_at(deadline, conn.get(k))`, fred's
    /// `timeout(fut, inner.timeout())`) before one that is.
    fn wrapped_future_expr<'e>(&mut self, args: &[&'e Expr]) -> Option<&'e Expr> {
        // Judged from the syntax (and the futures stored in variables): making targets here
        // would summarise an `async` block twice.
        let mut futures = Vec::new();
        for a in args {
            let mut core = strip_postfix(a);
            while let Expr::Reference(r) = core {
                core = strip_postfix(&r.expr);
            }
            let (inline, timeish) = match core {
                Expr::Async(_) => (true, false),
                Expr::MethodCall(m) => (true, is_time_word(&m.method.to_string())),
                Expr::Call(c) => match &*c.func {
                    Expr::Path(p)
                        if last_segment(&p.path)
                            .is_some_and(|l| self.cx.vocab.is_transparent(&l) || l == "pin") =>
                    {
                        (true, false)
                    }
                    _ => continue,
                },
                Expr::Path(p) => match p
                    .path
                    .get_ident()
                    .and_then(|id| self.pending.get(&id.to_string()))
                {
                    Some(Target::Method { name, .. }) => (false, is_time_word(name)),
                    Some(Target::Block(_)) => (false, false),
                    _ => continue,
                },
                _ => continue,
            };
            futures.push((inline, timeish, *a));
        }
        futures.sort_by_key(|(inline, timeish, _)| (!inline, *timeish));
        futures.first().map(|(_, _, a)| *a)
    }

    /// The raced future's own text for a `timeout` site (`conn.get(k)`), else the await's.
    fn raced_text(&mut self, e: &Expr, whole: &Expr) -> String {
        let fut = match strip_postfix(e) {
            Expr::Call(c) => match &*c.func {
                Expr::Path(p)
                    if matches!(
                        last_segment(&p.path).as_deref(),
                        Some("timeout" | "timeout_at")
                    ) =>
                {
                    let args: Vec<&Expr> = c.args.iter().collect();
                    self.wrapped_future_expr(&args)
                }
                _ => None,
            },
            Expr::MethodCall(m) if m.method == "timeout" || m.method == "timeout_at" => {
                Some(&*m.receiver)
            }
            _ => None,
        };
        normalise(fut.unwrap_or(whole))
    }

    /// The names visible here, as one scope (inner ones shadow outer ones, as in `lookup`):
    /// a nested block gets one map, not a copy of every enclosing block's, so nesting costs
    /// what the names cost, not the depth squared.
    fn visible_names(&self) -> HashMap<String, RootRef> {
        let mut names = HashMap::new();
        for scope in &self.scopes {
            names.extend(scope.iter().map(|(name, r)| (name.clone(), *r)));
        }
        names
    }

    /// Makes an `async` block a unit of its own, capturing this unit's names.
    fn async_block(&mut self, block: &syn::Block, at: proc_macro2::Span) -> usize {
        let mut unit = self.unit.clone();
        unit.kind = UnitKind::AsyncBlock {
            parent: self.idx,
            spawned: self.spawned,
        };
        unit.span = self.cx.lines.span(at);
        unit.body = Vec::new();
        unit.guard_attr = false;
        unit.handler = None;
        unit.site_roots = Vec::new();
        unit.guarded_sites = Vec::new();
        unit.captured_locals = unit.locals.len();
        let idx = self.cx.out.units.len();
        self.cx.out.units.push(unit.clone());
        let names = self.visible_names();
        let mut child = BodyBuilder {
            cx: &mut *self.cx,
            idx,
            unit,
            generics: self.generics.clone(),
            scopes: vec![names],
            pending: self.pending.clone(),
            spawned: false,
            spawn_handles: HashMap::new(),
        };
        let mut nodes = Vec::new();
        child.block(block, &mut nodes);
        let mut unit = child.finish();
        unit.body = nodes;
        self.cx.out.units[idx] = unit;
        idx
    }

    /// An await of `e` (the whole expression `whole`, for spans and text). `built`: the
    /// `async` blocks built while evaluating its operands, which a site drops with it.
    fn push_await(
        &mut self,
        e: &Expr,
        whole: &Expr,
        site: Option<CancelSite>,
        built: &[usize],
        out: &mut Vec<Node>,
    ) {
        let span = self.cx.lines.span(whole.span());
        let site = site.or_else(|| combinator_site(e));
        if site.is_none() {
            if let Some(fut) = self.handed_future(e) {
                // The combinator polls the handed future and may drop it; the call itself
                // is awaited as usual below.
                let target = self.target_of(fut);
                out.push(Node::Await(Box::new(Await {
                    span,
                    text: normalise(whole),
                    target,
                    site: Some(CancelSite::Handed),
                })));
            }
        }
        if let Some(site) = site {
            let blocks = built.iter().map(|&b| Target::Block(b)).collect();
            self.add_site_roots(site, span, blocks);
        }
        if let (Some(site), Some(operands)) = (site, combinator_operands(e)) {
            // `select(a, b)`, `try_join_all([..])`: each operand is raced on its own.
            let awaits: Vec<Node> = operands
                .into_iter()
                .map(|op| {
                    let fresh = self.dropped_when_it_loses(op);
                    Node::Await(Box::new(Await {
                        span: self.cx.lines.span(op.span()),
                        text: normalise(op),
                        target: self.target_of(op),
                        site: (fresh || site == CancelSite::TryJoin).then_some(site),
                    }))
                })
                .collect();
            match site {
                CancelSite::Select => {
                    out.push(Node::Branch(awaits.into_iter().map(|a| vec![a]).collect()))
                }
                _ => out.extend(awaits),
            }
            return;
        }
        let target = self.target_of(e);
        let text = match site {
            Some(CancelSite::Timeout) => self.raced_text(e, whole),
            _ => normalise(whole),
        };
        out.push(Node::Await(Box::new(Await {
            span,
            text,
            target,
            site,
        })));
    }

    fn expr(&mut self, e: &Expr, out: &mut Vec<Node>) {
        match e {
            Expr::Await(a) => {
                let before = self.cx.out.units.len();
                self.operands(&a.base, out);
                let built = self.blocks_since(before);
                self.push_await(&a.base, e, None, &built, out);
            }
            Expr::MethodCall(m) => {
                self.expr(&m.receiver, out);
                let name = m.method.to_string();
                let spawner = self.cx.vocab.is_spawner(&name);
                let before = self.cx.out.units.len();
                self.args(m.args.iter(), spawner, out);
                let span = self.cx.lines.span(m.method.span());
                if spawner && self.is_join_set(&m.receiver) {
                    // Dropping a `JoinSet` aborts every task in it.
                    let targets = self.spawned_targets(m.args.iter(), before);
                    self.add_site_roots(CancelSite::Abort, span, targets);
                }
                if let Some((fw, closures)) = registration_method(&name) {
                    self.register_handlers(fw, &m.args, before, span, closures);
                }
                self.abort_site(m, span);
                let target = self.target_of(e);
                out.push(Node::Call(Call {
                    span: self.cx.lines.span(m.method.span()),
                    target,
                }));
            }
            Expr::Call(c) => {
                let segments = match &*c.func {
                    Expr::Path(p) => path_segments(&p.path),
                    other => {
                        self.expr(other, out);
                        Vec::new()
                    }
                };
                let spawner = segments.last().is_some_and(|l| self.cx.vocab.is_spawner(l));
                let before = self.cx.out.units.len();
                self.args(c.args.iter(), spawner, out);
                if let Some(released) = self.dropped_guard(&segments, &c.args) {
                    out.push(Node::Guard(GuardEvent::Released(released)));
                }
                let span = self.cx.lines.span(c.func.span());
                if segments.iter().any(|s| s == "AbortOnDropHandle") {
                    let targets = self.spawned_targets(c.args.iter().flat_map(call_args), before);
                    self.add_site_roots(CancelSite::Abort, span, targets);
                }
                if let Some(fw) = segments.last().and_then(|l| registration_fn(l)) {
                    self.register_handlers(fw, &c.args, before, span, true);
                }
                let target = self.target_of(e);
                if !matches!(target, Target::Opaque) {
                    out.push(Node::Call(Call {
                        span: self.cx.lines.span(c.func.span()),
                        target,
                    }));
                }
            }
            Expr::Async(a) => {
                self.async_block(&a.block, a.async_token.span);
            }
            Expr::Closure(c) => {
                if c.asyncness.is_some() {
                    if let Expr::Block(b) = &*c.body {
                        self.async_block(&b.block, c.or1_token.span);
                        return;
                    }
                }
                // Closures run later (or never); only the `async` blocks inside matter.
                self.scopes.push(HashMap::new());
                for input in &c.inputs {
                    for name in pat_names(input) {
                        self.bind(name, Origin::Owned, None);
                    }
                }
                self.expr(&c.body, &mut Vec::new());
                self.scopes.pop();
            }
            Expr::Assign(a) => {
                self.expr(&a.right, out);
                if let (Some(place), Expr::Lit(lit)) = (self.place_of(&a.left), &*a.right) {
                    if let syn::Lit::Bool(b) = &lit.lit {
                        if let Some(field) = place.fields.last().cloned() {
                            out.push(Node::Guard(if b.value {
                                GuardEvent::FlagSet(place, field)
                            } else {
                                GuardEvent::FlagClear(place, field)
                            }));
                        }
                    }
                }
            }
            Expr::Binary(b) => {
                self.expr(&b.left, out);
                self.expr(&b.right, out);
                if matches!(b.op, syn::BinOp::AddAssign(_)) {
                    if let Some(place) = self.place_of(&b.left) {
                        if !place.fields.is_empty() {
                            out.push(Node::Guard(GuardEvent::Counter(place)));
                        }
                    }
                }
            }
            Expr::If(i) => {
                self.scopes.push(HashMap::new());
                self.expr(&i.cond, out);
                let mut then = Vec::new();
                self.block(&i.then_branch, &mut then);
                self.scopes.pop();
                let mut other = Vec::new();
                if let Some((_, e)) = &i.else_branch {
                    self.expr(e, &mut other);
                }
                out.push(Node::Branch(vec![then, other]));
            }
            Expr::Match(m) => {
                self.expr(&m.expr, out);
                let scrutinee = self.place_of(&m.expr);
                let mut arms = Vec::new();
                for arm in &m.arms {
                    self.scopes.push(HashMap::new());
                    self.bind_pattern(&arm.pat, scrutinee.as_ref());
                    let mut nodes = Vec::new();
                    if let Some((_, g)) = &arm.guard {
                        self.expr(g, &mut nodes);
                    }
                    self.expr(&arm.body, &mut nodes);
                    self.scopes.pop();
                    arms.push(nodes);
                }
                out.push(Node::Branch(arms));
            }
            Expr::While(w) => {
                self.scopes.push(HashMap::new());
                let mut body = Vec::new();
                self.expr(&w.cond, &mut body);
                if let Some(owed) = self.drain_counter(&w.cond, &w.body) {
                    body.push(Node::Guard(GuardEvent::Counter(owed)));
                }
                self.block(&w.body, &mut body);
                self.scopes.pop();
                out.push(Node::Loop(body));
            }
            Expr::ForLoop(f) => {
                self.expr(&f.expr, out);
                self.scopes.push(HashMap::new());
                for name in pat_names(&f.pat) {
                    self.bind(name, Origin::Owned, None);
                }
                let mut body = Vec::new();
                self.block(&f.body, &mut body);
                self.scopes.pop();
                out.push(Node::Loop(body));
            }
            Expr::Loop(l) => {
                let mut body = Vec::new();
                self.block(&l.body, &mut body);
                out.push(Node::Loop(body));
            }
            Expr::Block(b) => self.block(&b.block, out),
            Expr::Unsafe(u) => self.block(&u.block, out),
            Expr::TryBlock(t) => self.block(&t.block, out),
            Expr::Macro(m) => self.mac(&m.mac, out),
            Expr::Let(l) => {
                self.expr(&l.expr, out);
                let scrutinee = self.place_of(&l.expr);
                self.bind_pattern(&l.pat, scrutinee.as_ref());
            }
            _ => self.operands(e, out),
        }
    }

    /// A `while` loop that drains owed replies counted on `self` (see [`drain`]): the count.
    fn drain_counter(&self, cond: &Expr, body: &syn::Block) -> Option<Place> {
        if !self.unit.has_self {
            return None;
        }
        let field = drain::counted_field(cond, body, &self.cx.taking_methods)?;
        Some(Place {
            root: RootRef::Slot(0),
            fields: vec![field],
        })
    }

    /// `drop(guard)`: the type of the local dropped by hand, which ends what a drop guard of
    /// that type was covering.
    fn dropped_guard(
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
        self.unit.locals[l].ty.clone()
    }

    /// Binds a pattern's names to the parts of the scrutinee they take: `Conn::Tcp(s)` makes
    /// `s` the place `scrutinee.Tcp.0`; wrappers (`Some`, `Ok`, `Err`) are looked through.
    fn bind_pattern(&mut self, pat: &Pat, scrutinee: Option<&Place>) {
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

    fn args<'e>(
        &mut self,
        args: impl Iterator<Item = &'e Expr>,
        spawner: bool,
        out: &mut Vec<Node>,
    ) {
        let saved = self.spawned;
        self.spawned = spawner;
        for a in args {
            self.expr(a, out);
        }
        self.spawned = saved;
    }

    /// Evaluates the sub-expressions of `e` (everything but what `e` itself does).
    fn operands(&mut self, e: &Expr, out: &mut Vec<Node>) {
        match e {
            Expr::MethodCall(m) => {
                if self.cx.vocab.is_transparent(&m.method.to_string()) {
                    self.operands(&m.receiver, out);
                } else {
                    self.expr(&m.receiver, out);
                }
                for a in &m.args {
                    self.operand(a, out);
                }
            }
            Expr::Call(c) => {
                for a in &c.args {
                    self.operand(a, out);
                }
            }
            Expr::Paren(p) => self.operands(&p.expr, out),
            Expr::Group(g) => self.operands(&g.expr, out),
            Expr::Reference(r) => self.expr(&r.expr, out),
            Expr::Try(t) => self.expr(&t.expr, out),
            Expr::Unary(u) => self.expr(&u.expr, out),
            Expr::Field(f) => self.expr(&f.base, out),
            Expr::Index(i) => {
                self.expr(&i.expr, out);
                self.expr(&i.index, out);
            }
            Expr::Cast(c) => self.expr(&c.expr, out),
            Expr::Return(r) => {
                if let Some(e) = &r.expr {
                    self.expr(e, out);
                }
            }
            Expr::Break(b) => {
                if let Some(e) = &b.expr {
                    self.expr(e, out);
                }
            }
            Expr::Tuple(t) => t.elems.iter().for_each(|e| self.expr(e, out)),
            Expr::Array(a) => a.elems.iter().for_each(|e| self.expr(e, out)),
            Expr::Struct(s) => s.fields.iter().for_each(|f| self.expr(&f.expr, out)),
            Expr::Range(r) => {
                if let Some(s) = &r.start {
                    self.expr(s, out);
                }
                if let Some(s) = &r.end {
                    self.expr(s, out);
                }
            }
            Expr::Repeat(r) => self.expr(&r.expr, out),
            Expr::Yield(y) => {
                if let Some(e) = &y.expr {
                    self.expr(e, out);
                }
            }
            _ => {}
        }
    }

    /// An argument of an awaited call: a future handed to `timeout(d, fut)` is awaited by
    /// the call, not evaluated on its own, so only its operands run here.
    fn operand(&mut self, a: &Expr, out: &mut Vec<Node>) {
        match a {
            Expr::Async(_) => {}
            Expr::MethodCall(_) | Expr::Call(_) => self.operands(a, out),
            _ => self.expr(a, out),
        }
    }

    fn mac(&mut self, mac: &syn::Macro, out: &mut Vec<Node>) {
        let name = path_segments(&mac.path).last().cloned().unwrap_or_default();
        if name == "pin" || name == "pin_mut" {
            // `tokio::pin!(fut)` shadows `fut` with a pinned reference to it.
            let pinned: Punctuated<syn::Ident, Token![,]> = mac
                .parse_body_with(Punctuated::parse_terminated)
                .unwrap_or_default();
            for id in pinned {
                self.pending.remove(&id.to_string());
            }
            return;
        }
        match parse_body(&name, mac.tokens.clone()) {
            MacroBody::Select(branches) => {
                let mut arms = Vec::new();
                for b in branches {
                    let mut nodes = Vec::new();
                    if let Some(fut) = &b.future {
                        self.operands(fut, &mut nodes);
                        let fresh = self.dropped_when_it_loses(fut);
                        self.push_await(
                            fut,
                            fut,
                            fresh.then_some(CancelSite::Select),
                            &[],
                            &mut nodes,
                        );
                    }
                    self.expr(&b.handler, &mut nodes);
                    arms.push(nodes);
                }
                out.push(Node::Branch(arms));
            }
            MacroBody::Join(futs) => {
                // `try_join!` drops the other futures when one fails.
                let site = (name == "try_join").then_some(CancelSite::TryJoin);
                for f in futs {
                    let before = self.cx.out.units.len();
                    self.operands(&f, out);
                    let built = self.blocks_since(before);
                    self.push_await(&f, &f, site, &built, out);
                }
            }
            MacroBody::Exprs(exprs) => exprs.iter().for_each(|e| self.expr(e, out)),
            MacroBody::Stmts(stmts) => {
                self.scopes.push(HashMap::new());
                stmts.iter().for_each(|s| self.stmt(s, out));
                self.scopes.pop();
            }
            MacroBody::Opaque => {}
        }
    }
}

/// Names of methods that make a point or span of time, not a future.
fn is_time_word(name: &str) -> bool {
    [
        "deadline", "timeout", "duration", "instant", "delay", "elapsed", "interval",
    ]
    .iter()
    .any(|w| name.contains(w))
        || name == "now"
}

/// How many calls of a chain (`a().b().c()`) a call's shape keeps, counting back from it:
/// enough to type a builder chain's receiver, and every call of a chain keeps its own
/// shape, so a longer limit would cost memory quadratic in the chain's length.
const CALL_SHAPE_DEPTH: usize = 4;

/// The call an expression's value comes from, without summarising anything (no `async`
/// blocks are made here): `client.connect(..)`, `Client::open(..)`. `depth` calls of the
/// chain are already kept above it.
fn call_shape(b: &BodyBuilder<'_, '_>, e: &Expr, depth: usize) -> Option<Target> {
    if depth >= CALL_SHAPE_DEPTH {
        return None;
    }
    match e {
        Expr::MethodCall(m) => {
            let recv = b.place_of(&m.receiver);
            let recv_call = match recv {
                None => call_shape(b, strip_value(&m.receiver), depth + 1).map(Box::new),
                Some(_) => None,
            };
            Some(Target::Method {
                recv_generic: false,
                recv,
                recv_call,
                name: m.method.to_string(),
                args: m.args.iter().map(|a| b.place_of(a)).collect(),
            })
        }
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => {
                let segments = path_segments(&p.path);
                // `Arc::new(Mutex::new(x))` holds what `x` is.
                let n = segments.len();
                if n >= 2
                    && c.args.len() == 1
                    && segments[n - 1] == "new"
                    && WRAPPERS.contains(&segments[n - 2].as_str())
                {
                    return call_shape(b, strip_value(&c.args[0]), depth + 1);
                }
                Some(Target::Path {
                    segments,
                    args: c.args.iter().map(|a| b.place_of(a)).collect(),
                })
            }
            _ => None,
        },
        _ => None,
    }
}

/// Looks through `.await`, `?` and unwrapping to the expression that makes the value.
fn strip_value(e: &Expr) -> &Expr {
    match strip_postfix(e) {
        Expr::Await(a) => strip_value(&a.base),
        other => other,
    }
}

/// `use a::B as C;` renames of types (`C` -> `B`), which name a type as an alias does.
fn type_renames(tree: &syn::UseTree, out: &mut Vec<(String, String)>) {
    match tree {
        syn::UseTree::Path(p) => type_renames(&p.tree, out),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| type_renames(t, out)),
        syn::UseTree::Rename(r) if r.rename != "_" && r.ident != r.rename => {
            let name = r.ident.to_string();
            if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                out.push((r.rename.to_string(), name));
            }
        }
        _ => {}
    }
}

/// `impl Trait for Type`: its header; blanket impls keep their parameter's bounds.
fn impl_header(imp: &syn::ItemImpl) -> Option<ImplHeader> {
    let trait_name = imp.trait_.as_ref().and_then(|(_, p, _)| last_segment(p))?;
    let params = generic_names(&imp.generics);
    let self_param = match strip_group(&imp.self_ty) {
        Type::Path(p) if p.path.segments.len() == 1 => {
            let id = p.path.segments[0].ident.to_string();
            params.contains(&id).then_some(id)
        }
        _ => None,
    };
    let Some(param) = self_param else {
        let deref_target = (trait_name == "Deref")
            .then(|| {
                imp.items.iter().find_map(|item| match item {
                    syn::ImplItem::Type(t) if t.ident == "Target" => type_name(&t.ty),
                    _ => None,
                })
            })
            .flatten();
        return Some(ImplHeader {
            trait_name,
            self_ty: type_name(&imp.self_ty),
            bounds: Vec::new(),
            deref_target,
        });
    };
    let mut bounds = Vec::new();
    let mut push = |b: &syn::TypeParamBound| {
        if let syn::TypeParamBound::Trait(t) = b {
            bounds.extend(last_segment(&t.path));
        }
    };
    for tp in imp.generics.type_params().filter(|tp| tp.ident == param) {
        tp.bounds.iter().for_each(&mut push);
    }
    for pred in imp.generics.where_clause.iter().flat_map(|w| &w.predicates) {
        if let syn::WherePredicate::Type(pt) = pred {
            if matches!(&pt.bounded_ty, Type::Path(bp) if bp.path.is_ident(&param)) {
                pt.bounds.iter().for_each(&mut push);
            }
        }
    }
    Some(ImplHeader {
        trait_name,
        self_ty: None,
        bounds,
        deref_target: None,
    })
}

/// The type a fn hands back once awaited and unwrapped: `RedisResult<Connection>`,
/// `impl Future<Output = io::Result<Conn>>`, `Pin<Box<..>>` -> the inner name; `Self` is
/// the impl's type.
fn return_type(out: &syn::ReturnType, self_ty: Option<&str>) -> Option<String> {
    let syn::ReturnType::Type(_, ty) = out else {
        return None;
    };
    value_type(ty, self_ty)
}

fn value_type(ty: &Type, self_ty: Option<&str>) -> Option<String> {
    match strip_group(ty) {
        Type::Reference(r) => value_type(&r.elem, self_ty),
        Type::ImplTrait(it) => it.bounds.iter().find_map(|b| match b {
            syn::TypeParamBound::Trait(t) => {
                let seg = t.path.segments.last()?;
                let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
                    return None;
                };
                args.args.iter().find_map(|a| match a {
                    syn::GenericArgument::AssocType(at) if at.ident == "Output" => {
                        value_type(&at.ty, self_ty)
                    }
                    _ => None,
                })
            }
            _ => None,
        }),
        Type::Path(p) => {
            let seg = p.path.segments.last()?;
            let name = seg.ident.to_string();
            if name == "Self" {
                return self_ty.map(str::to_string);
            }
            let unwraps = name.ends_with("Result")
                || matches!(name.as_str(), "Option" | "Box" | "Pin" | "Poll" | "Arc");
            if unwraps {
                if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                    return args.args.iter().find_map(|a| match a {
                        syn::GenericArgument::Type(inner) => value_type(inner, self_ty),
                        _ => None,
                    });
                }
            }
            Some(name)
        }
        _ => None,
    }
}

/// The value of a `#[path = "..."]` attribute.
fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// Methods that hand back (a view of) their receiver.
const ACCESSORS: &[&str] = &[
    "as_mut",
    "as_ref",
    "get_mut",
    "get_ref",
    "deref_mut",
    "deref",
    "by_ref",
    "as_pin_mut",
    "borrow_mut",
    "borrow",
    "unwrap",
    "expect",
    "get_pin_mut",
    "as_deref_mut",
    "as_deref",
    "clone",
    "split",
    "split_mut",
    "inner_mut",
    "stream_mut",
    "get_inner_mut",
    "unwrap_or_else",
];

fn is_call_target(t: &Target) -> bool {
    matches!(
        t,
        Target::Method { .. } | Target::Path { .. } | Target::Block(_)
    )
}

/// Strips `?`, `.unwrap()`, `.expect(..)`, `.map_err(..)`, `.context(..)` from the end.
fn strip_postfix(e: &Expr) -> &Expr {
    match e {
        Expr::Try(t) => strip_postfix(&t.expr),
        Expr::Paren(p) => strip_postfix(&p.expr),
        Expr::MethodCall(m)
            if [
                "unwrap",
                "expect",
                "map_err",
                "context",
                "with_context",
                "unwrap_or_else",
                "ok_or",
                "ok_or_else",
            ]
            .contains(&m.method.to_string().as_str()) =>
        {
            strip_postfix(&m.receiver)
        }
        _ => e,
    }
}

/// Source text of an expression as a person writes it: `conn.get(&key).await`, not the
/// token printer's `conn . get (& key) . await`.
fn normalise(e: &Expr) -> String {
    let text = e.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split_whitespace().enumerate() {
        let glue = i > 0
            && part != "!"
            && !part.starts_with(['.', '(', ')', ',', '?', '[', ']', ';'])
            && !part.starts_with("::")
            && !part.starts_with("!(")
            && !out.ends_with(['.', '(', '&', '[', ':', '!']);
        if glue {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// `(name, fields)` for every name a pattern binds, with the fields of the matched value it
/// takes (`Conn::Tcp(s)` -> `s`, `["Tcp.0"]`).
fn pattern_parts(p: &Pat, at: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    let variant = |path: &syn::Path| last_segment(path).unwrap_or_default();
    let nested = |at: &mut Vec<String>, field: Option<String>, p: &Pat, out: &mut Vec<_>| {
        let pushed = field.is_some();
        if let Some(f) = field {
            at.push(f);
        }
        pattern_parts(p, at, out);
        if pushed {
            at.pop();
        }
    };
    match p {
        Pat::Ident(i) => {
            out.push((i.ident.to_string(), at.clone()));
            if let Some((_, sub)) = &i.subpat {
                pattern_parts(sub, at, out);
            }
        }
        Pat::Type(t) => pattern_parts(&t.pat, at, out),
        Pat::Reference(r) => pattern_parts(&r.pat, at, out),
        Pat::Paren(p) => pattern_parts(&p.pat, at, out),
        Pat::TupleStruct(t) => {
            let v = variant(&t.path);
            let wrapper = matches!(v.as_str(), "Some" | "Ok" | "Err");
            for (i, elem) in t.elems.iter().enumerate() {
                let field = (!wrapper).then(|| format!("{v}.{i}"));
                nested(at, field, elem, out);
            }
        }
        Pat::Struct(s) => {
            let v = variant(&s.path);
            for f in &s.fields {
                let member = match &f.member {
                    syn::Member::Named(id) => id.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                nested(at, Some(format!("{v}.{member}")), &f.pat, out);
            }
        }
        Pat::Tuple(t) => {
            for (i, elem) in t.elems.iter().enumerate() {
                nested(at, Some(i.to_string()), elem, out);
            }
        }
        // Alternatives bind the same names; the first one's parts stand for all.
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                pattern_parts(first, at, out);
            }
        }
        other => out.extend(pat_names(other).into_iter().map(|n| (n, Vec::new()))),
    }
}

/// Field names and types of a struct or enum variant (`prefix` names the variant).
fn field_types(fields: &syn::Fields, prefix: &str) -> Vec<(String, String)> {
    fields
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let name = f
                .ident
                .as_ref()
                .map(|id| id.to_string())
                .unwrap_or_else(|| i.to_string());
            type_name(&f.ty).map(|t| (format!("{prefix}{name}"), t))
        })
        .collect()
}

fn pat_ident(p: &Pat) -> Option<String> {
    match p {
        Pat::Ident(i) => Some(i.ident.to_string()),
        Pat::Type(t) => pat_ident(&t.pat),
        Pat::Reference(r) => pat_ident(&r.pat),
        _ => None,
    }
}

/// Every name a pattern binds.
fn pat_names(p: &Pat) -> Vec<String> {
    let mut names = Vec::new();
    collect_pat_names(p, &mut names);
    names
}

fn collect_pat_names(p: &Pat, names: &mut Vec<String>) {
    match p {
        Pat::Ident(i) => {
            names.push(i.ident.to_string());
            if let Some((_, sub)) = &i.subpat {
                collect_pat_names(sub, names);
            }
        }
        Pat::Type(t) => collect_pat_names(&t.pat, names),
        Pat::Reference(r) => collect_pat_names(&r.pat, names),
        Pat::Tuple(t) => t.elems.iter().for_each(|p| collect_pat_names(p, names)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| collect_pat_names(p, names)),
        Pat::Struct(s) => s
            .fields
            .iter()
            .for_each(|f| collect_pat_names(&f.pat, names)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| collect_pat_names(p, names)),
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                collect_pat_names(first, names);
            }
        }
        Pat::Paren(p) => collect_pat_names(&p.pat, names),
        _ => {}
    }
}

fn path_segments(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

fn last_segment(p: &syn::Path) -> Option<String> {
    p.segments.last().map(|s| s.ident.to_string())
}

fn strip_group(t: &Type) -> &Type {
    match t {
        Type::Group(g) => strip_group(&g.elem),
        Type::Paren(p) => strip_group(&p.elem),
        _ => t,
    }
}

/// Wrappers looked through to find the type that has the methods.
const WRAPPERS: &[&str] = &[
    "Box",
    "Pin",
    "Option",
    "Arc",
    "Rc",
    "Mutex",
    "RwLock",
    "RefCell",
    "ManuallyDrop",
    "MutexGuard",
    "OwnedMutexGuard",
    "RwLockWriteGuard",
];

/// The name of the type that holds the methods: `&mut Pin<Box<Conn<C>>>` -> `Conn`.
fn type_name(t: &Type) -> Option<String> {
    match strip_group(t) {
        Type::Reference(r) => type_name(&r.elem),
        Type::Path(p) => {
            let seg = p.path.segments.last()?;
            let name = seg.ident.to_string();
            if WRAPPERS.contains(&name.as_str()) {
                if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return type_name(inner).or(Some(name));
                    }
                }
            }
            Some(name)
        }
        Type::ImplTrait(_) | Type::TraitObject(_) => None,
        _ => None,
    }
}

/// The outermost type name (`Arc<Mutex<C>>` -> `Arc`).
fn outer_type_name(t: &Type) -> Option<String> {
    match strip_group(t) {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn is_generic(t: &Type, generics: &[String]) -> bool {
    match strip_group(t) {
        Type::Reference(r) => is_generic(&r.elem, generics),
        Type::ImplTrait(_) | Type::TraitObject(_) => true,
        Type::Path(p) => {
            let Some(seg) = p.path.segments.last() else {
                return false;
            };
            let name = seg.ident.to_string();
            if p.path.segments.len() == 1 && generics.contains(&name) {
                return true;
            }
            if WRAPPERS.contains(&name.as_str()) {
                if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return is_generic(inner, generics);
                    }
                }
            }
            false
        }
        _ => false,
    }
}

/// `R: AsyncRead` (inline, in a where clause, or `impl AsyncRead`) -> Read; write-only
/// bounds -> Write; both or neither -> None.
fn io_bound(ty: &Type, generics: &syn::Generics) -> Option<crate::vocab::Io> {
    use crate::vocab::Io;
    let mut bounds: Vec<String> = Vec::new();
    let inner = match strip_group(ty) {
        Type::Reference(r) => strip_group(&r.elem),
        t => t,
    };
    match inner {
        Type::ImplTrait(it) => {
            bounds.extend(it.bounds.iter().map(|b| b.to_token_stream().to_string()))
        }
        Type::Path(p) if p.path.segments.len() == 1 => {
            let id = &p.path.segments[0].ident;
            for tp in generics.type_params().filter(|tp| &tp.ident == id) {
                bounds.extend(tp.bounds.iter().map(|b| b.to_token_stream().to_string()));
            }
            for pred in generics.where_clause.iter().flat_map(|w| &w.predicates) {
                if let syn::WherePredicate::Type(pt) = pred {
                    if matches!(&pt.bounded_ty, Type::Path(bp) if bp.path.is_ident(id)) {
                        bounds.extend(pt.bounds.iter().map(|b| b.to_token_stream().to_string()));
                    }
                }
            }
        }
        _ => {}
    }
    let text = bounds.join(" + ");
    let reads = ["AsyncRead", "AsyncBufRead", "Stream"]
        .iter()
        .any(|t| text.contains(t));
    let writes = ["AsyncWrite", "Sink"].iter().any(|t| text.contains(t));
    match (reads, writes) {
        (true, false) => Some(Io::Read),
        (false, true) => Some(Io::Write),
        _ => None,
    }
}

fn generic_names(g: &syn::Generics) -> Vec<String> {
    g.type_params().map(|t| t.ident.to_string()).collect()
}

/// `# Cancel safety` doc sections that say the fn is cancel safe.
fn declares_cancel_safe(attrs: &[syn::Attribute]) -> bool {
    let doc: String = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value() + "\n"),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let Some(at) = doc.find("# Cancel safety") else {
        return false;
    };
    let section = doc[at + 15..]
        .split("\n#")
        .next()
        .unwrap_or("")
        .to_lowercase();
    let safe = [
        "is cancel safe",
        "is cancel-safe",
        "is cancellation safe",
        "is cancellation-safe",
    ]
    .iter()
    .any(|s| section.contains(s));
    safe && !section.contains("not cancel")
}

/// Names of methods in `items` (and nested modules) that take `&self`/`&mut self` and return
/// a borrow with an elided lifetime, bare or in `Result`/`Option`: by the elision rules the
/// borrow is of the receiver.
fn borrowing_methods(items: &[Item]) -> HashSet<String> {
    impl_methods(items)
        .into_iter()
        .filter(|m| takes_self_by_ref(&m.sig) && returns_elided_borrow(&m.sig.output))
        .map(|m| m.sig.ident.to_string())
        .collect()
}

/// Every method of the impls among `items`, inline modules included.
fn impl_methods(items: &[Item]) -> Vec<&syn::ImplItemFn> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Impl(imp) => out.extend(imp.items.iter().filter_map(|it| match it {
                ImplItem::Fn(m) => Some(m),
                _ => None,
            })),
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    out.extend(impl_methods(inner));
                }
            }
            _ => {}
        }
    }
    out
}

fn takes_self_by_ref(sig: &syn::Signature) -> bool {
    matches!(sig.inputs.first(), Some(FnArg::Receiver(r)) if r.reference.is_some())
}

fn returns_elided_borrow(output: &syn::ReturnType) -> bool {
    fn borrow(t: &Type) -> bool {
        match strip_group(t) {
            Type::Reference(r) => r.lifetime.as_ref().is_none_or(|l| l.ident == "_"),
            Type::Path(p) => p.path.segments.last().is_some_and(|seg| {
                ["Result", "Option"].contains(&seg.ident.to_string().as_str())
                    && matches!(&seg.arguments, syn::PathArguments::AngleBracketed(a)
                        if matches!(a.args.first(), Some(syn::GenericArgument::Type(t)) if borrow(t)))
            }),
            _ => false,
        }
    }
    matches!(output, syn::ReturnType::Type(_, t) if borrow(t))
}

#[cfg(test)]
mod tests {
    use super::normalise;
    use crate::summary::{summarize_file, Origin, RootKind};
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
            .find(|l| l.name == "pooled")
            .expect("pooled");
        assert_eq!(pooled.ty.as_deref(), Some("Connection"));
        let conn = unit.locals.iter().find(|l| l.name == "conn").expect("conn");
        assert!(matches!(conn.kind, RootKind::Local(Origin::Alias(_))));
    }

    fn text(src: &str) -> String {
        normalise(&syn::parse_str(src).expect("expression parses"))
    }

    #[test]
    fn awaited_text_reads_as_written() {
        assert_eq!(text("conn . get (& key) . await"), "conn.get(&key).await");
        assert_eq!(
            text("timeout_at(deadline, conn.set(&key, &secret)).await"),
            "timeout_at(deadline, conn.set(&key, &secret)).await"
        );
        assert_eq!(
            text("self.con.get(format!(\"user:{id}\"))"),
            "self.con.get(format!(\"user:{id}\"))"
        );
        assert_eq!(text("tokio::time::sleep(d)"), "tokio::time::sleep(d)");
        assert_eq!(
            text("sock.read_exact(&mut buf)"),
            "sock.read_exact(&mut buf)"
        );
    }
}
