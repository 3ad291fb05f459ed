//! Statements and expressions, walked in evaluation order into [`Node`]s: awaits and calls,
//! branches and loops, guard events (flags, counters, dropped guards), and the `async`
//! blocks and closures met on the way.

use std::collections::HashMap;

use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Stmt, Token};

use super::paths::path_segments;
use super::patterns::pat_names;
use super::sites::{call_args, registration_fn, registration_method};
use super::{drain, BodyBuilder, Scope};
use crate::summary::macros::{parse_body, MacroBody};
use crate::summary::*;

/// Methods that put an owed reply on a queue (see [`GuardEvent::Queued`]).
const QUEUING: &[&str] = &["push_back", "push_front"];

impl BodyBuilder<'_, '_> {
    pub(super) fn block(&mut self, block: &syn::Block, out: &mut Vec<Node>) {
        self.scopes.push(HashMap::new());
        for stmt in &block.stmts {
            self.stmt(stmt, out);
        }
        self.scopes.pop();
    }

    fn stmt(&mut self, stmt: &Stmt, out: &mut Vec<Node>) {
        // A timeout's result is asserted by the statement right after its `let`, if at all.
        let timeout_result = self.timeout_result.take();
        match stmt {
            Stmt::Local(local) => {
                if let Some(init) = &local.init {
                    let before = self.cx.out.units.len();
                    self.expr(&init.expr, out);
                    self.remember_timeout_result(&local.pat, &init.expr, out);
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
            Stmt::Expr(e, _) => {
                self.timeout_result = timeout_result;
                self.expr(e, out)
            }
            Stmt::Macro(m) => {
                self.timeout_result = timeout_result;
                self.mac(&m.mac, out)
            }
        }
    }

    /// Makes an `async` block a unit of its own, capturing this unit's names.
    pub(super) fn async_block(&mut self, block: &syn::Block, at: proc_macro2::Span) -> usize {
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
        unit.head = None;
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
            wrappers: self.wrappers.clone(),
            timeout_result: None,
            loop_depth: 0,
        };
        let mut nodes = Vec::new();
        child.block(block, &mut nodes);
        let mut unit = child.finish();
        // Naming a captured root inside the block is naming it where the block is.
        let captured = unit
            .slots
            .iter()
            .chain(&unit.locals[..unit.captured_locals]);
        let ours = self.unit.slots.iter_mut().chain(&mut self.unit.locals);
        for (root, inner) in ours.zip(captured) {
            root.last_mention = root.last_mention.max(inner.last_mention);
        }
        unit.body = nodes;
        self.cx.out.units[idx] = unit;
        idx
    }

    pub(super) fn expr(&mut self, e: &Expr, out: &mut Vec<Node>) {
        match e {
            Expr::Path(p) => {
                if let Some(id) = p.path.get_ident() {
                    let end = self.cx.lines.span(id.span()).end_byte;
                    self.mention(&id.to_string(), end);
                }
            }
            Expr::Await(a) => {
                let before = self.cx.out.units.len();
                self.operands(&a.base, out);
                let built = self.blocks_since(before);
                self.push_await(&a.base, e, None, &built, out);
            }
            Expr::MethodCall(m) => {
                self.expr(&m.receiver, out);
                self.panics_on_elapsed(m, out);
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
                if QUEUING.contains(&name.as_str()) {
                    if let Some(place) = self.place_of(&m.receiver) {
                        if !place.fields.is_empty() {
                            out.push(Node::Guard(GuardEvent::Queued(place)));
                        }
                    }
                }
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
                let Some(place) = self.place_of(&a.left) else {
                    return;
                };
                let flag = match &*a.right {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Bool(b),
                        ..
                    }) => Some(b.value),
                    _ => None,
                };
                match (flag, place.fields.last().cloned()) {
                    (Some(true), Some(field)) => {
                        out.push(Node::Guard(GuardEvent::FlagSet(place, field)))
                    }
                    (Some(false), Some(field)) => {
                        out.push(Node::Guard(GuardEvent::FlagClear(place, field)))
                    }
                    (None, Some(_)) => out.push(Node::Guard(GuardEvent::Replaced(place))),
                    _ => {}
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
                self.err_arm_of_if_let(&i.cond, out);
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
                self.err_arm_of_match(m, out);
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
                self.loop_depth += 1;
                self.scopes.push(HashMap::new());
                let mut body = Vec::new();
                self.expr(&w.cond, &mut body);
                if let Some(owed) = self.drain_counter(&w.cond, &w.body) {
                    body.push(Node::Guard(GuardEvent::Counter(owed)));
                }
                self.block(&w.body, &mut body);
                self.scopes.pop();
                self.loop_depth -= 1;
                out.push(Node::Loop(body));
            }
            Expr::ForLoop(f) => {
                self.expr(&f.expr, out);
                self.loop_depth += 1;
                self.scopes.push(HashMap::new());
                for name in pat_names(&f.pat) {
                    self.bind(name, Origin::Owned, None);
                }
                let mut body = Vec::new();
                self.block(&f.body, &mut body);
                self.scopes.pop();
                self.loop_depth -= 1;
                out.push(Node::Loop(body));
            }
            Expr::Loop(l) => {
                self.loop_depth += 1;
                let mut body = Vec::new();
                self.block(&l.body, &mut body);
                self.loop_depth -= 1;
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

    pub(super) fn args<'e>(
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
    pub(super) fn operands(&mut self, e: &Expr, out: &mut Vec<Node>) {
        match e {
            Expr::MethodCall(m) => {
                if self.cx.vocab.is_transparent(&m.method.to_string()) {
                    self.operands(&m.receiver, out);
                } else {
                    self.expr(&m.receiver, out);
                }
                self.panics_on_elapsed(m, out);
                for a in &m.args {
                    self.operand(a, out);
                }
            }
            Expr::Call(c) => {
                for a in &c.args {
                    self.operand(a, out);
                }
            }
            Expr::Path(_) => self.expr(e, out),
            Expr::Paren(p) => self.operands(&p.expr, out),
            Expr::Group(g) => self.operands(&g.expr, out),
            Expr::Reference(r) => self.expr(&r.expr, out),
            Expr::Try(t) => {
                self.expr(&t.expr, out);
                self.returns_on_elapsed(&t.expr, out);
            }
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
    pub(super) fn operand(&mut self, a: &Expr, out: &mut Vec<Node>) {
        match a {
            Expr::Async(_) => {}
            Expr::MethodCall(_) | Expr::Call(_) => self.operands(a, out),
            _ => self.expr(a, out),
        }
    }

    pub(super) fn mac(&mut self, mac: &syn::Macro, out: &mut Vec<Node>) {
        let name = path_segments(&mac.path).last().cloned().unwrap_or_default();
        self.asserted_ok(&name, &mac.tokens, out);
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
