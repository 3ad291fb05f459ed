//! What the code does when a `timeout` fires ([`OnElapsed`]), read from how the awaited
//! result is used. It panics: `timeout(d, f).await.expect("..")`, `.unwrap()`, or the result
//! asserted `Ok` right after (`let r = timeout(d, f).await; assert!(r.is_ok())`,
//! `assert!(matches!(r, Ok(..)))`); the thread unwinds and nothing uses what the dropped
//! future was working on again (a test's watchdog). It returns: `timeout(d, f).await?`,
//! `.map_err(..)?`, `.context(..)?`, a `match` whose `Err` arm is a `return`, or the await
//! as a fn body's value; what the unit owns is dropped with it. It continues: the `Err` arm
//! is a `continue`; what the loop's turn made is dropped with it. Which arm of a `match` on
//! any awaited result its `Err` takes is kept too ([`Await::err_arm`]): what a caller does
//! when a call fails.

use proc_macro2::{TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::Expr;

use super::BodyBuilder;
use crate::source::Span;
use crate::summary::{Await, CancelSite, Node, OnElapsed};

/// Methods that panic on an `Err` (the timeout's `Elapsed`).
const PANICKING: &[&str] = &["unwrap", "expect"];

/// Methods that map a `Result`'s error, and leave `?` to return it.
const ERROR_MAPS: &[&str] = &[
    "map_err",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
];

/// Macros that panic when their condition is false.
const ASSERTS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "assert_matches",
];

impl BodyBuilder<'_, '_> {
    /// `timeout(..).await.expect(..)`: called once the receiver's nodes are in `out`.
    pub(super) fn panics_on_elapsed(&mut self, m: &syn::ExprMethodCall, out: &mut [Node]) {
        if !PANICKING.contains(&m.method.to_string().as_str()) {
            return;
        }
        let awaited = strip_parens(&m.receiver);
        if matches!(awaited, Expr::Await(_)) {
            mark(out, self.cx.lines.span(awaited.span()), OnElapsed::Panics);
        }
    }

    /// `timeout(..).await?`, `.map_err(..)?`: called once the operand's nodes are in `out`.
    pub(super) fn returns_on_elapsed(&mut self, tried: &Expr, out: &mut [Node]) {
        let mut e = strip_parens(tried);
        while let Expr::MethodCall(m) = e {
            if !ERROR_MAPS.contains(&m.method.to_string().as_str()) {
                return;
            }
            e = strip_parens(&m.receiver);
        }
        if matches!(e, Expr::Await(_)) {
            mark(out, self.cx.lines.span(e.span()), OnElapsed::Returns);
        }
    }

    /// `async fn f() -> Result<..> { ..; timeout(d, f).await }`: the body's value is the
    /// awaited result, so the elapsed error is returned from the fn as with `?`. Called once
    /// the body's nodes are in `out`.
    pub(super) fn tail_returns_on_elapsed(&mut self, body: &syn::Block, out: &mut [Node]) {
        if let Some(syn::Stmt::Expr(tail, None)) = body.stmts.last() {
            self.returns_on_elapsed(tail, out);
        }
    }

    /// `match x.await { .., Err(..) => arm }`: the await's [`Await::err_arm`]; a `timeout`
    /// whose `Err` arm returns from the fn returns as with `?`. Called once the scrutinee's
    /// nodes are in `out`, before the arms'.
    pub(super) fn err_arm_of_match(&mut self, m: &syn::ExprMatch, out: &mut [Node]) {
        let awaited = strip_parens(&m.expr);
        if !matches!(awaited, Expr::Await(_)) {
            return;
        }
        // A guarded `Err(e) if ..` arm takes only some errors.
        let Some(k) = m
            .arms
            .iter()
            .position(|a| a.guard.is_none() && is_err_pattern(&a.pat))
        else {
            return;
        };
        let span = self.cx.lines.span(awaited.span());
        if let Some(a) = last_await_at(out, span) {
            a.err_arm = u8::try_from(k).ok();
        }
        match leaves(&m.arms[k].body) {
            Some(Leaves::Fn) => mark(out, span, OnElapsed::Returns),
            Some(Leaves::LoopTurn) => mark(out, span, OnElapsed::Continues),
            None => {}
        }
    }

    /// `if let Err(e) = x.await { .. }`: the `then` arm (0) is the await's `Err` arm.
    pub(super) fn err_arm_of_if_let(&mut self, cond: &Expr, out: &mut [Node]) {
        let Expr::Let(l) = strip_parens(cond) else {
            return;
        };
        let awaited = strip_parens(&l.expr);
        if matches!(awaited, Expr::Await(_)) && is_err_pattern(&l.pat) {
            let span = self.cx.lines.span(awaited.span());
            if let Some(a) = last_await_at(out, span) {
                a.err_arm = Some(0);
            }
        }
    }

    /// `let r = timeout(..).await;`: remembers `r` and the await, for an assert that follows.
    pub(super) fn remember_timeout_result(&mut self, pat: &syn::Pat, init: &Expr, out: &[Node]) {
        self.timeout_result = None;
        let awaited = strip_parens(init);
        let (syn::Pat::Ident(id), Expr::Await(_)) = (pat, awaited) else {
            return;
        };
        let span = self.cx.lines.span(awaited.span());
        if last_timeout(out).is_some_and(|s| s == span) {
            self.timeout_result = Some((id.ident.to_string(), span));
        }
    }

    /// `assert!(r.is_ok())`, `assert!(matches!(r, Ok(..)))` on the remembered result.
    pub(super) fn asserted_ok(&mut self, name: &str, tokens: &TokenStream, out: &mut [Node]) {
        if !ASSERTS.contains(&name) {
            return;
        }
        let Some((result, span)) = self.timeout_result.take() else {
            return;
        };
        let mut idents = Vec::new();
        idents_of(tokens.clone(), &mut idents);
        let names_result = idents.contains(&result);
        let wants_ok = idents.iter().any(|i| i == "is_ok" || i == "Ok");
        if names_result && wants_ok {
            mark(out, span, OnElapsed::Panics);
        }
    }
}

/// The await at `span` when it is the last in `out`.
fn last_await_at(out: &mut [Node], span: Span) -> Option<&mut Await> {
    match out.iter_mut().rev().find(|n| matches!(n, Node::Await(_)))? {
        Node::Await(a) if a.span == span => Some(a),
        _ => None,
    }
}

/// `Err(..)` (any path ending in `Err`), the arm a failed result takes.
fn is_err_pattern(pat: &syn::Pat) -> bool {
    let path = match pat {
        syn::Pat::TupleStruct(t) => &t.path,
        _ => return false,
    };
    path.segments.last().is_some_and(|s| s.ident == "Err")
}

/// Where an arm goes when it is done.
enum Leaves {
    /// `return ..`: out of the fn.
    Fn,
    /// `continue` (no label): to the next turn of the innermost loop.
    LoopTurn,
}

/// How the arm ends: `return ..` or an unlabelled `continue`, or a block whose last
/// statement is one.
fn leaves(body: &Expr) -> Option<Leaves> {
    match strip_parens(body) {
        Expr::Return(_) => Some(Leaves::Fn),
        Expr::Continue(c) if c.label.is_none() => Some(Leaves::LoopTurn),
        Expr::Block(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(e, _)) => leaves(e),
            _ => None,
        },
        _ => None,
    }
}

/// Marks the `timeout` await at `span`, the last await in `out`; a panic, once seen, stays.
fn mark(out: &mut [Node], span: Span, then: OnElapsed) {
    if let Some(Node::Await(a)) = out.iter_mut().rev().find(|n| matches!(n, Node::Await(_))) {
        if a.span == span
            && a.site == Some(CancelSite::Timeout)
            && a.on_elapsed != OnElapsed::Panics
        {
            a.on_elapsed = then;
        }
    }
}

/// The span of the last await in `out` when it is a `timeout`.
fn last_timeout(out: &[Node]) -> Option<Span> {
    match out.iter().rev().find(|n| matches!(n, Node::Await(_)))? {
        Node::Await(a) if a.site == Some(CancelSite::Timeout) => Some(a.span),
        _ => None,
    }
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        // A macro's `$expr`, substituted as an invisible group.
        Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

fn idents_of(tokens: TokenStream, out: &mut Vec<String>) {
    for t in tokens {
        match t {
            TokenTree::Ident(i) => out.push(i.to_string()),
            TokenTree::Group(g) => idents_of(g.stream(), out),
            _ => {}
        }
    }
}
