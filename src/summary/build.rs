//! Builds [`FileSummary`]s from a parsed file: one [`Unit`] per fn, method and `async`
//! block, each body reduced to [`Node`]s in source order.
//!
//! Visitors here never descend into nested items or closures' bodies as part of the
//! enclosing unit: a nested `async` block becomes a unit of its own, as does a nested fn.

use std::collections::HashMap;

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, ImplItem, Item, Pat, Stmt, TraitItem, Type};

use super::macros::{parse_body, parse_items, MacroBody};
use super::*;
use crate::source::LineIndex;
use crate::vocab::Vocabulary;

/// Parses `text` and summarises every function in it.
pub fn summarize_file(text: &str, vocab: &Vocabulary) -> Result<FileSummary, syn::Error> {
    let file = syn::parse_file(text)?;
    let lines = LineIndex::new(text);
    let mut cx = FileCx {
        lines: &lines,
        vocab,
        out: FileSummary::default(),
        inline_mods: Vec::new(),
    };
    cx.items(&file.items, &Scope::default());
    Ok(cx.out)
}

struct FileCx<'a> {
    lines: &'a LineIndex<'a>,
    vocab: &'a Vocabulary,
    out: FileSummary,
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
                    },
                );
            }
            Item::Impl(imp) => {
                let scope = Scope {
                    self_ty: type_name(&imp.self_ty),
                    trait_name: imp.trait_.as_ref().and_then(|(_, p, _)| last_segment(p)),
                    generics: generic_names(&imp.generics),
                    in_trait_impl: imp.trait_.is_some(),
                };
                if scope.trait_name.as_deref() == Some("Drop") {
                    if let Some(t) = &scope.self_ty {
                        self.out.drop_types.push(t.clone());
                    }
                }
                self.impl_items(&imp.items, &scope);
            }
            Item::Trait(t) => {
                let scope = Scope {
                    self_ty: Some(t.ident.to_string()),
                    trait_name: Some(t.ident.to_string()),
                    generics: generic_names(&t.generics),
                    in_trait_impl: false,
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
        let fields = s
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let name = f
                    .ident
                    .as_ref()
                    .map(|id| id.to_string())
                    .unwrap_or_else(|| i.to_string());
                type_name(&f.ty).map(|t| (name, t))
            })
            .collect();
        self.out.structs.push(StructDef {
            name: s.ident.to_string(),
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
        };
        let idx = self.out.units.len();
        self.out.units.push(unit.clone());
        let mut b = BodyBuilder::new(self, idx, unit, generics);
        let mut nodes = Vec::new();
        b.block(block, &mut nodes);
        let mut unit = b.finish();
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
                    self.expr(&init.expr, out);
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
        if let Some(t) = ty.clone().or(annotated.clone()) {
            let droppy = names.iter().any(|n| n != "_");
            if droppy && matches!(origin, Origin::Owned) {
                out.push(Node::Guard(GuardEvent::DropGuard(t)));
            }
        }
        for name in names {
            self.bind(name, origin.clone(), annotated.clone().or(ty.clone()));
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
                    if segs.last().is_some_and(|l| {
                        l == "guard" || l == "guard_on_unwind" || l == "guard_on_success"
                    }) {
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
                    if self.cx.vocab.is_lock(&m.method.to_string()) && m.args.is_empty() =>
                {
                    self.place_of(&m.receiver)
                }
                _ => None,
            },
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if ACCESSORS.contains(&name.as_str())
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
                Target::Method {
                    recv,
                    recv_generic,
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
        let mut fallback = Target::Opaque;
        for a in args {
            match self.target_of(a) {
                t @ (Target::Method { .. } | Target::Block(_)) => return t,
                Target::Path { segments, args } => {
                    let duration = segments
                        .iter()
                        .any(|s| s == "Duration" || s.starts_with("from_") || s == "Instant");
                    if !duration && matches!(fallback, Target::Opaque) {
                        fallback = Target::Path { segments, args };
                    }
                }
                Target::Opaque => {}
            }
        }
        fallback
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
        unit.captured_locals = unit.locals.len();
        let idx = self.cx.out.units.len();
        self.cx.out.units.push(unit.clone());
        let mut child = BodyBuilder {
            cx: &mut *self.cx,
            idx,
            unit,
            generics: self.generics.clone(),
            scopes: self.scopes.clone(),
            pending: self.pending.clone(),
            spawned: false,
        };
        let mut nodes = Vec::new();
        child.block(block, &mut nodes);
        let mut unit = child.finish();
        unit.body = nodes;
        self.cx.out.units[idx] = unit;
        idx
    }

    fn push_await(
        &mut self,
        e: &Expr,
        whole: &Expr,
        site: Option<CancelSite>,
        out: &mut Vec<Node>,
    ) {
        let target = self.target_of(e);
        let site = site.or_else(|| timeout_site(e));
        out.push(Node::Await(Await {
            span: self.cx.lines.span(whole.span()),
            text: normalise(whole),
            target,
            site,
        }));
    }

    fn expr(&mut self, e: &Expr, out: &mut Vec<Node>) {
        match e {
            Expr::Await(a) => {
                self.operands(&a.base, out);
                self.push_await(&a.base, e, None, out);
            }
            Expr::MethodCall(m) => {
                self.expr(&m.receiver, out);
                let spawner = self.cx.vocab.is_spawner(&m.method.to_string());
                self.args(m.args.iter(), spawner, out);
                let target = self.target_of(e);
                out.push(Node::Call(Call {
                    span: self.cx.lines.span(m.method.span()),
                    target,
                }));
            }
            Expr::Call(c) => {
                let spawner = match &*c.func {
                    Expr::Path(p) => path_segments(&p.path)
                        .last()
                        .is_some_and(|l| self.cx.vocab.is_spawner(l)),
                    other => {
                        self.expr(other, out);
                        false
                    }
                };
                self.args(c.args.iter(), spawner, out);
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
                    for name in pat_names(&arm.pat) {
                        let origin = scrutinee
                            .clone()
                            .map(Origin::Alias)
                            .unwrap_or(Origin::Owned);
                        self.bind(name, origin, None);
                    }
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
                for name in pat_names(&l.pat) {
                    let origin = scrutinee
                        .clone()
                        .map(Origin::Alias)
                        .unwrap_or(Origin::Owned);
                    self.bind(name, origin, None);
                }
            }
            _ => self.operands(e, out),
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
        match parse_body(&name, mac.tokens.clone()) {
            MacroBody::Select(branches) => {
                let mut arms = Vec::new();
                for b in branches {
                    let mut nodes = Vec::new();
                    if let Some(fut) = &b.future {
                        self.operands(fut, &mut nodes);
                        // `&mut fut` polls a future made before the select; losing the race
                        // does not drop it.
                        let fresh =
                            !matches!(strip_postfix(fut), Expr::Reference(_) | Expr::Path(_));
                        self.push_await(fut, fut, fresh.then_some(CancelSite::Select), &mut nodes);
                    }
                    self.expr(&b.handler, &mut nodes);
                    arms.push(nodes);
                }
                out.push(Node::Branch(arms));
            }
            MacroBody::Join(futs) => {
                for f in futs {
                    self.operands(&f, out);
                    self.push_await(&f, &f, None, out);
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

/// `timeout(d, fut)`, `timeout_at(t, fut)`, `fut.timeout(d)`, `select(a, b)`.
fn timeout_site(e: &Expr) -> Option<CancelSite> {
    match strip_postfix(e) {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => match last_segment(&p.path).as_deref() {
                Some("timeout" | "timeout_at") => Some(CancelSite::Timeout),
                Some("select" | "select_all" | "select_ok") => Some(CancelSite::Select),
                _ => None,
            },
            _ => None,
        },
        Expr::MethodCall(m) if m.method == "timeout" || m.method == "timeout_at" => {
            Some(CancelSite::Timeout)
        }
        Expr::MethodCall(m)
            if ["boxed", "instrument", "map_err", "fuse"]
                .contains(&m.method.to_string().as_str()) =>
        {
            timeout_site(&m.receiver)
        }
        _ => None,
    }
}

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

fn normalise(e: &Expr) -> String {
    let text = e.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split_whitespace().enumerate() {
        let glue = i > 0
            && !matches!(part, "." | "(" | ")" | "," | "?" | "::" | "[" | "]" | ";")
            && !out.ends_with(['.', '(', '&', '[', ':', '!']);
        if glue {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
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
