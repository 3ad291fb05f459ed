//! Mark progress at every `.await` of the body, and note what the body visibly does.
//!
//! Classification is by the awaited call's name (macros see no types), but safety does not
//! rest on it: an await that is neither a write nor a reply read is marked `unknown`, which
//! makes the owed-reply count untrusted, so the next call poisons or reconnects instead
//! of draining. Only the drain depends on the names being right.
//!
//! ```text
//! Input:   self.stream.write_all(&buf).await?
//! Output:  {
//!              ::cancelsafe::__private::write_start(&mut self.cancel);
//!              let __cancelsafe_r = self.stream.write_all(&buf).await;
//!              let __cancelsafe_failed = /* `__cancelsafe_r` is `Err` or `None` */;
//!              ::cancelsafe::__private::write_end(&mut self.cancel, __cancelsafe_failed);
//!              __cancelsafe_r
//!          }?
//!
//! Input:   self.read_reply().await?        (the same, with `read_start` / `read_end`)
//!
//! Input:   self.helper().await
//! Output:  {
//!              ::cancelsafe::__private::unknown(&mut self.cancel);
//!              let __cancelsafe_r = ::cancelsafe::__private::Polled::new(
//!                  __cancelsafe_at,
//!                  ::core::future::IntoFuture::into_future(self.helper()),
//!              ).await;
//!              __cancelsafe_cut |= /* `__cancelsafe_r` is `Err` or `None` */;
//!              __cancelsafe_r
//!          }
//! ```
//!
//! `__cancelsafe_cut` (a local of the guarded fn) tells `finish` that something failed on
//! the way, e.g. `timeout(d, self.read_reply())` expired and the body answered `Ok` anyway:
//! such a success does not end the exchange unless every reply was read.
//!
//! `Polled` notes, while it is polled, that a call on this state is running, so a guarded
//! call awaited in there on the same state (a nested call) is refused instead of taking
//! these marks for an interruption. Writes and reads are not wrapped: it would cost every
//! call a thread-local write per poll, and they are not guarded calls.
//!
//! An await of a future stored earlier (`let f = self.read_reply(); f.await`) gets no
//! mark, since the future may borrow the whole connection, state included: such a body
//! counts as having entered an unknown await from its start (`Seen::stored`).
//!
//! A macro invocation may await inside (`select!`, `join!`) or hide an `.await` in its
//! tokens, so it is marked `unknown` too, unless it is one of std's formatting and
//! assertion macros with no `await` in its tokens.
//!
//! The mark comes before the awaited expression is evaluated, so the future being built
//! may borrow all of `self` without clashing with the state's borrow.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{BinOp, Block, Expr, ExprAwait, Ident, Macro, Stmt};

/// Awaited calls that write (part of) a request, besides every `write_*`.
const WRITES: &[&str] = &["write", "flush", "send", "feed", "send_all"];

/// std macros that expand to no `.await` of their own; their tokens are checked for one.
const STD_MACROS: &[&str] = &[
    "format",
    "format_args",
    "write",
    "writeln",
    "print",
    "println",
    "eprint",
    "eprintln",
    "vec",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
    "matches",
    "concat",
    "stringify",
    "dbg",
];

pub(crate) struct Marker<'a> {
    pub krate: &'a TokenStream,
    pub state: &'a Expr,
    pub writes: &'a [Ident],
    pub reads: &'a [Ident],
    /// What the body visibly does, for the compile-time checks.
    pub seen: Seen,
    /// An unknown await was wrapped in `Polled`, which names `__cancelsafe_at` and
    /// `__cancelsafe_cut`.
    pub framed: bool,
    /// Inside an `if`/`match` arm, the right of `&&`/`||`, or a loop.
    conditional: usize,
}

/// Reply reads and writes the body shows, in source order.
#[derive(Default)]
pub(crate) struct Seen {
    /// Reply-read awaits that run on every successful path (not in a branch or a loop).
    pub reads: Vec<Span>,
    /// A reply-read await in a branch or a loop.
    pub conditional_reads: bool,
    /// A write await after a read await, or both in one loop: a reply read does not mean
    /// every request was written.
    pub interleaved: bool,
    /// An await of something other than a call (a stored future): it cannot be marked.
    pub stored: bool,
    writes_so_far: usize,
    reads_so_far: usize,
}

enum Kind {
    Write,
    Read,
    Unknown,
    /// Not built in place: marking it could clash with the future's borrow.
    Stored,
}

impl<'a> Marker<'a> {
    pub fn new(
        krate: &'a TokenStream,
        state: &'a Expr,
        writes: &'a [Ident],
        reads: &'a [Ident],
    ) -> Self {
        Marker {
            krate,
            state,
            writes,
            reads,
            seen: Seen::default(),
            framed: false,
            conditional: 0,
        }
    }

    fn classify(&self, aw: &ExprAwait) -> Kind {
        let mut base = &*aw.base;
        while let Expr::Paren(syn::ExprParen { expr, .. })
        | Expr::Group(syn::ExprGroup { expr, .. }) = base
        {
            base = expr;
        }
        let name = match base {
            Expr::MethodCall(m) => &m.method,
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => match p.path.segments.last() {
                    Some(s) => &s.ident,
                    None => return Kind::Unknown,
                },
                _ => return Kind::Unknown,
            },
            Expr::Macro(_) => return Kind::Unknown,
            _ => return Kind::Stored,
        };
        let text = name.to_string();
        if WRITES.contains(&text.as_str())
            || text.starts_with("write_")
            || self.writes.contains(name)
        {
            Kind::Write
        } else if self.reads.contains(name) {
            Kind::Read
        } else {
            Kind::Unknown
        }
    }

    fn note(&mut self, kind: &Kind, span: Span) {
        let seen = &mut self.seen;
        match kind {
            Kind::Write => {
                seen.interleaved |= seen.reads_so_far > 0;
                seen.writes_so_far += 1;
            }
            Kind::Read => {
                seen.reads_so_far += 1;
                if self.conditional == 0 {
                    seen.reads.push(span);
                } else {
                    seen.conditional_reads = true;
                }
            }
            Kind::Unknown => {}
            Kind::Stored => self.seen.stored = true,
        }
    }

    fn mark(&mut self, span: Span, kind: &Kind, aw: &ExprAwait) -> Expr {
        let (krate, state) = (self.krate, self.state);
        let awaited = aw.to_token_stream();
        let (start, end) = match kind {
            Kind::Stored => return syn::parse_quote_spanned!(span=> #awaited),
            Kind::Unknown => {
                self.framed = true;
                let base = &aw.base;
                // The failure goes to a local, not the state: the value may borrow the
                // whole connection.
                return syn::parse_quote_spanned! {span=>
                    {
                        #krate::__private::unknown(&mut #state);
                        let __cancelsafe_r = #krate::__private::Polled::new(
                            __cancelsafe_at,
                            ::core::future::IntoFuture::into_future(#base),
                        )
                        .await;
                        #[allow(clippy::needless_borrow)]
                        {
                            #[allow(unused_imports)]
                            use #krate::__private::{Failed as _, Succeeded as _};
                            __cancelsafe_cut |= (&__cancelsafe_r).__cancelsafe_failed();
                        }
                        __cancelsafe_r
                    }
                };
            }
            Kind::Write => (
                quote_spanned!(span=> write_start),
                quote_spanned!(span=> write_end),
            ),
            Kind::Read => (
                quote_spanned!(span=> read_start),
                quote_spanned!(span=> read_end),
            ),
        };
        syn::parse_quote_spanned! {span=>
            {
                #krate::__private::#start(&mut #state);
                let __cancelsafe_r = #awaited;
                #[allow(clippy::needless_borrow)]
                let __cancelsafe_failed = {
                    #[allow(unused_imports)]
                    use #krate::__private::{Failed as _, Succeeded as _};
                    (&__cancelsafe_r).__cancelsafe_failed()
                };
                #krate::__private::#end(&mut #state, __cancelsafe_failed);
                __cancelsafe_r
            }
        }
    }

    fn unknown_stmt(&self, span: Span) -> Stmt {
        let (krate, state) = (self.krate, self.state);
        syn::parse_quote_spanned!(span=> #krate::__private::unknown(&mut #state);)
    }

    fn in_branch(&mut self, f: impl FnOnce(&mut Self)) {
        self.conditional += 1;
        f(self);
        self.conditional -= 1;
    }

    fn in_loop(&mut self, f: impl FnOnce(&mut Self)) {
        let (writes, reads) = (self.seen.writes_so_far, self.seen.reads_so_far);
        self.in_branch(f);
        self.seen.interleaved |= self.seen.writes_so_far > writes && self.seen.reads_so_far > reads;
    }
}

/// Whether a macro may await where the marks cannot see it.
fn opaque(mac: &Macro) -> bool {
    let segments = &mac.path.segments;
    let std_path = match segments.len() {
        1 => true,
        2 => ["std", "core", "alloc"]
            .iter()
            .any(|k| segments[0].ident == k),
        _ => false,
    };
    let known = std_path
        && segments
            .last()
            .is_some_and(|s| STD_MACROS.iter().any(|m| s.ident == m));
    !known || mentions_await(mac.tokens.clone())
}

fn mentions_await(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == "await",
        TokenTree::Group(g) => mentions_await(g.stream()),
        _ => false,
    })
}

impl VisitMut for Marker<'_> {
    fn visit_block_mut(&mut self, block: &mut Block) {
        let stmts = std::mem::take(&mut block.stmts);
        for mut stmt in stmts {
            if let Stmt::Macro(m) = &stmt {
                // A statement macro may declare locals (`pin!`), so the mark goes before it.
                if opaque(&m.mac) {
                    block.stmts.push(self.unknown_stmt(m.mac.path.span()));
                }
            } else {
                self.visit_stmt_mut(&mut stmt);
            }
            block.stmts.push(stmt);
        }
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::If(e) => {
                self.visit_expr_mut(&mut e.cond);
                self.in_branch(|m| {
                    m.visit_block_mut(&mut e.then_branch);
                    if let Some((_, other)) = &mut e.else_branch {
                        m.visit_expr_mut(other);
                    }
                });
                return;
            }
            Expr::Match(e) => {
                self.visit_expr_mut(&mut e.expr);
                self.in_branch(|m| {
                    for arm in &mut e.arms {
                        m.visit_arm_mut(arm);
                    }
                });
                return;
            }
            Expr::Binary(e) if matches!(e.op, BinOp::And(_) | BinOp::Or(_)) => {
                self.visit_expr_mut(&mut e.left);
                self.in_branch(|m| m.visit_expr_mut(&mut e.right));
                return;
            }
            Expr::ForLoop(e) => {
                self.visit_expr_mut(&mut e.expr);
                self.in_loop(|m| m.visit_block_mut(&mut e.body));
                return;
            }
            Expr::While(e) => {
                self.in_loop(|m| {
                    m.visit_expr_mut(&mut e.cond);
                    m.visit_block_mut(&mut e.body);
                });
                return;
            }
            Expr::Loop(e) => {
                self.in_loop(|m| m.visit_block_mut(&mut e.body));
                return;
            }
            Expr::Macro(e) => {
                if opaque(&e.mac) {
                    let stmt = self.unknown_stmt(e.mac.path.span());
                    *expr = syn::parse_quote_spanned!(e.mac.path.span()=> { #stmt #expr });
                }
                return;
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
        // Inner awaits were marked first (e.g. an awaited argument), then this one.
        let Expr::Await(aw) = expr else { return };
        let kind = self.classify(aw);
        let span = aw.span();
        self.note(&kind, span);
        *expr = self.mark(span, &kind, aw);
    }

    // Not part of this call's straight-line progress: they may run later, or never. If
    // the body awaits them, that await is marked `unknown`.
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_expr_async_mut(&mut self, _: &mut syn::ExprAsync) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

#[cfg(test)]
mod tests {
    use quote::quote;
    use syn::visit_mut::VisitMut;

    use super::{Marker, Seen};

    /// What the marker notes about a body whose reply reader is `read_reply`.
    fn seen(body: proc_macro2::TokenStream) -> Seen {
        let krate = quote!(::cancelsafe);
        let state: syn::Expr = syn::parse_quote!(self.cancel);
        let reads = [syn::parse_quote!(read_reply)];
        let mut block: syn::Block = syn::parse2(quote!({ #body })).expect("a block");
        let mut marker = Marker::new(&krate, &state, &[], &reads);
        marker.visit_block_mut(&mut block);
        marker.seen
    }

    #[test]
    fn reads_on_every_path_are_counted_and_branches_are_not() {
        let s = seen(quote! {
            self.stream.write_all(b"a").await?;
            let a = self.read_reply().await?;
            let b = (self.read_reply()).await?;
            if a == b { self.read_reply().await?; }
        });
        assert_eq!(s.reads.len(), 2);
        assert!(s.conditional_reads && !s.interleaved && !s.stored);
    }

    #[test]
    fn a_write_after_a_read_or_both_in_a_loop_is_interleaved() {
        let after = seen(quote! {
            self.stream.write_all(b"a").await?;
            self.read_reply().await?;
            self.stream.write_all(b"b").await?;
        });
        assert!(after.interleaved);
        let looped = seen(quote! {
            for k in keys { self.stream.write_all(k).await?; self.read_reply().await?; }
        });
        assert!(looped.interleaved && looped.reads.is_empty() && looped.conditional_reads);
        let pipelined = seen(quote! {
            for k in keys { self.stream.write_all(k).await?; }
            for _ in keys { self.read_reply().await?; }
        });
        assert!(!pipelined.interleaved);
    }

    #[test]
    fn a_stored_future_cannot_be_marked() {
        assert!(seen(quote! { let f = self.stream.flush(); f.await?; }).stored);
        assert!(!seen(quote! { tokio::task::yield_now().await; }).stored);
    }

    #[test]
    fn only_std_macros_without_await_are_transparent() {
        use super::opaque;
        let mac = |t: proc_macro2::TokenStream| -> syn::Macro { syn::parse2(t).expect("a macro") };
        assert!(!opaque(&mac(quote!(format!("GET {}", key)))));
        assert!(!opaque(&mac(quote!(std::assert_eq!(a, b)))));
        assert!(opaque(&mac(quote!(assert!(self
            .read_reply()
            .await
            .is_ok())))));
        assert!(opaque(&mac(quote!(tokio::select! { _ = a => {} }))));
        assert!(opaque(&mac(quote!(my::format!("x")))));
        assert!(opaque(&mac(quote!(join!(a, b)))));
    }
}
