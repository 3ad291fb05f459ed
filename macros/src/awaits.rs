//! Mark progress at each `.await` of the body that writes a request or reads a reply.
//!
//! Classification is by the awaited call's name (macros see no types):
//!
//! ```text
//! Input:   self.stream.write_all(&buf).await?
//! Output:  {
//!              ::cancelsafe::__private::write_start(&mut self.cancel);
//!              let __cancelsafe_r = self.stream.write_all(&buf).await;
//!              ::cancelsafe::__private::write_end(&mut self.cancel);
//!              __cancelsafe_r
//!          }?
//!
//! Input:   self.read_reply().await?
//! Output:  {
//!              let __cancelsafe_r = self.read_reply().await;
//!              ::cancelsafe::__private::read_end(&mut self.cancel);
//!              __cancelsafe_r
//!          }?
//! ```
//!
//! The mark comes before the awaited expression is evaluated, so the future being built
//! may borrow all of `self` without clashing with the state's borrow.

use proc_macro2::TokenStream;
use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprAwait, Ident};

/// Awaited calls that write (part of) a request, besides every `write_*`.
const WRITES: &[&str] = &["write", "flush", "send", "feed", "send_all"];

pub(crate) struct Marker<'a> {
    pub krate: &'a TokenStream,
    pub state: &'a Expr,
    pub writes: &'a [Ident],
    pub reads: &'a [Ident],
}

enum Kind {
    Write,
    Read,
}

impl Marker<'_> {
    fn classify(&self, aw: &ExprAwait) -> Option<Kind> {
        let name = match &*aw.base {
            Expr::MethodCall(m) => &m.method,
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => &p.path.segments.last()?.ident,
                _ => return None,
            },
            _ => return None,
        };
        let text = name.to_string();
        if WRITES.contains(&text.as_str())
            || text.starts_with("write_")
            || self.writes.contains(name)
        {
            Some(Kind::Write)
        } else if self.reads.contains(name) {
            Some(Kind::Read)
        } else {
            None
        }
    }
}

impl VisitMut for Marker<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        // Inner awaits first (e.g. an awaited argument), then this one.
        visit_mut::visit_expr_mut(self, expr);
        let Expr::Await(aw) = expr else { return };
        let Some(kind) = self.classify(aw) else {
            return;
        };
        let (krate, state) = (self.krate, self.state);
        let span = aw.span();
        let awaited = aw.to_token_stream();
        let before = match kind {
            Kind::Write => quote_spanned!(span=> #krate::__private::write_start(&mut #state);),
            Kind::Read => TokenStream::new(),
        };
        let after = match kind {
            Kind::Write => quote_spanned!(span=> #krate::__private::write_end(&mut #state);),
            Kind::Read => quote_spanned!(span=> #krate::__private::read_end(&mut #state);),
        };
        *expr = syn::parse_quote_spanned! {span=>
            {
                #before
                #[allow(clippy::let_and_return)]
                let __cancelsafe_r = #awaited;
                #after
                __cancelsafe_r
            }
        };
    }

    // Not part of this call's straight-line progress: they may run later, or never.
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_expr_async_mut(&mut self, _: &mut syn::ExprAsync) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
