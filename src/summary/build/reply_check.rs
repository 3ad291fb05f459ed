//! Pool checks that tell their own reply from a stale one: `let n = cmd("PING").arg(&token)
//! .query_async(conn).await?; if n == token { .. }`. A check that compares what it awaited
//! with a value its request carried fails on a reply left by an earlier, cut exchange; one
//! that only looks at the reply's kind (`PONG`, `Success`) takes that reply for its own.

use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::{BinOp, Expr, Local};

use super::patterns::pat_ident;

/// The body compares a value bound from an awaited expression with a local that the same
/// expression used (the request's unique token).
pub(super) fn compares_reply_with_request(body: &syn::Block) -> bool {
    let mut seen = Seen::default();
    seen.visit_block(body);
    seen.comparisons.iter().any(|(left, right)| {
        let matches = |reply: &HashSet<String>, token: &HashSet<String>| {
            reply.iter().any(|r| {
                let sent = seen.awaited.get(r);
                sent.is_some_and(|sent| token.iter().any(|t| t != r && sent.contains(t)))
            })
        };
        matches(left, right) || matches(right, left)
    })
}

#[derive(Default)]
struct Seen {
    /// `let reply = <awaited expr>`: `reply` -> the single-name paths the expression reads.
    awaited: HashMap<String, HashSet<String>>,
    /// The single-name paths on each side of every `==` and `!=`.
    comparisons: Vec<(HashSet<String>, HashSet<String>)>,
}

impl<'ast> Visit<'ast> for Seen {
    fn visit_local(&mut self, local: &'ast Local) {
        if let Some(init) = &local.init {
            let mut awaits = Awaits::default();
            awaits.visit_expr(&init.expr);
            if let (true, Some(name)) = (awaits.any, pat_ident(&local.pat)) {
                self.awaited.insert(name, awaits.names);
            }
        }
        syn::visit::visit_local(self, local);
    }

    fn visit_expr_binary(&mut self, e: &'ast syn::ExprBinary) {
        if matches!(e.op, BinOp::Eq(_) | BinOp::Ne(_)) {
            let names = |side: &Expr| {
                let mut n = Awaits::default();
                n.visit_expr(side);
                n.names
            };
            self.comparisons.push((names(&e.left), names(&e.right)));
        }
        syn::visit::visit_expr_binary(self, e);
    }

    // Nested items and closures are other bodies.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Whether an expression awaits, and the single-name paths it reads.
#[derive(Default)]
struct Awaits {
    any: bool,
    names: HashSet<String>,
}

impl<'ast> Visit<'ast> for Awaits {
    fn visit_expr_await(&mut self, e: &'ast syn::ExprAwait) {
        self.any = true;
        syn::visit::visit_expr_await(self, e);
    }

    fn visit_expr_path(&mut self, e: &'ast syn::ExprPath) {
        if let Some(id) = e.path.get_ident() {
            self.names.insert(id.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compares(body: &str) -> bool {
        let block: syn::Block = syn::parse_str(body).expect("block");
        compares_reply_with_request(&block)
    }

    #[test]
    fn a_reply_compared_with_the_token_it_sent_is_told_from_a_stale_one() {
        assert!(compares(
            "{ let token = next(); \
               let n: String = cmd(\"PING\").arg(&token).query_async(conn).await?; \
               if n == token { Ok(()) } else { Err(Stale) } }"
        ));
        assert!(compares(
            "{ let id = self.ids.next(); let echo = conn.ping(id).await?; \
               if id != echo { return Err(Stale); } Ok(()) }"
        ));
    }

    #[test]
    fn a_reply_checked_only_for_its_kind_is_not() {
        // A stale `PONG` passes a check that compares with a constant.
        assert!(!compares(
            "{ let pong: String = cmd(\"PING\").query_async(conn).await?; \
               if pong == \"PONG\" { Ok(()) } else { Err(Bad) } }"
        ));
        assert!(!compares("{ Ok(conn.reset().await?) }"));
        // Compared with a local the request did not carry.
        assert!(!compares(
            "{ let want = expected(); let got = conn.ping().await?; \
               if got == want { Ok(()) } else { Err(Bad) } }"
        ));
        // Not awaited: nothing was read from the connection into `n`.
        assert!(!compares(
            "{ let n = token.clone(); if n == token { Ok(()) } else { Err(Bad) } }"
        ));
    }
}
