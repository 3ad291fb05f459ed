//! Drain loops: `while self.pending > 0 { read; self.pending -= 1 }` or `while
//! !self.waiting.is_empty() { read; self.waiting.pop_front() }`. The loop reads owed replies
//! while a count on `self` says some are owed, and takes each off the count as it goes, so a
//! drop mid-loop leaves the count right and the next call drains the rest: the count guards
//! the reads (sqlx's `wait_until_ready`).

use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::{Expr, Item, Member};

/// Methods that take one owed reply off a queue (not buffer draining: `drain`, `clear`).
const TAKING: &[&str] = &["pop_front", "pop_back", "pop"];

/// The `self` field a loop counts owed replies in, when its condition reads the field and
/// its body takes from it, directly or through a method of `self` in `taking`.
pub(super) fn counted_field(
    cond: &Expr,
    body: &syn::Block,
    taking: &HashMap<String, HashSet<String>>,
) -> Option<String> {
    let mut read = Fields::default();
    read.visit_expr(cond);
    let mut taken = Fields::default();
    taken.visit_block(body);
    let through_methods: HashSet<&String> = taken
        .self_calls
        .iter()
        .filter_map(|m| taking.get(m))
        .flatten()
        .collect();
    read.read
        .iter()
        .find(|f| taken.taken.contains(*f) || through_methods.contains(f))
        .cloned()
}

/// Per method of this file's impls: the `self` fields its body takes from.
pub(super) fn taking_methods(items: &[Item]) -> HashMap<String, HashSet<String>> {
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for m in super::items::impl_methods(items) {
        let mut f = Fields::default();
        f.visit_block(&m.block);
        if !f.taken.is_empty() {
            out.entry(m.sig.ident.to_string())
                .or_default()
                .extend(f.taken);
        }
    }
    out
}

/// `self.<field>` reads, takes (`-=`, `pop_front()`..) and `self.method(..)` calls.
#[derive(Default)]
struct Fields {
    read: Vec<String>,
    taken: HashSet<String>,
    self_calls: Vec<String>,
}

impl<'e> Visit<'e> for Fields {
    fn visit_expr(&mut self, e: &'e Expr) {
        match e {
            Expr::Field(_) => self.read.extend(self_field(e)),
            Expr::Binary(b) if matches!(b.op, syn::BinOp::SubAssign(_)) => {
                self.taken.extend(self_field(&b.left))
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if TAKING.contains(&name.as_str()) {
                    self.taken.extend(self_field(&m.receiver));
                }
                if is_self(&m.receiver) {
                    self.self_calls.push(name);
                }
            }
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }

    // Nested items and closures do not run as part of the loop.
    fn visit_item(&mut self, _: &'e Item) {}
    fn visit_expr_closure(&mut self, _: &'e syn::ExprClosure) {}
}

/// `field` for `self.field` (through `&`, `*` and parentheses).
fn self_field(e: &Expr) -> Option<String> {
    match e {
        Expr::Field(f) if is_self(&f.base) => match &f.member {
            Member::Named(id) => Some(id.to_string()),
            Member::Unnamed(i) => Some(i.index.to_string()),
        },
        Expr::Reference(r) => self_field(&r.expr),
        Expr::Unary(u) => self_field(&u.expr),
        Expr::Paren(p) => self_field(&p.expr),
        _ => None,
    }
}

fn is_self(e: &Expr) -> bool {
    matches!(e, Expr::Path(p) if p.path.is_ident("self"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(src: &str) -> Option<String> {
        let e: syn::ExprWhile = syn::parse_str(src).expect("a while loop");
        let file: syn::File = syn::parse_str(
            "impl C { fn ready(&mut self) { self.pending -= 1; } fn other(&mut self) {} }",
        )
        .expect("file");
        counted_field(&e.cond, &e.body, &taking_methods(&file.items))
    }

    #[test]
    fn a_loop_that_takes_off_the_count_it_checks_drains() {
        assert_eq!(
            field(
                "while !self.waiting.is_empty() { self.s.read().await; self.waiting.pop_front(); }"
            ),
            Some("waiting".into())
        );
        assert_eq!(
            field("while self.pending > 0 { let m = self.s.recv().await; self.ready(); }"),
            Some("pending".into())
        );
    }

    #[test]
    fn a_loop_that_never_takes_off_the_count_does_not() {
        assert_eq!(
            field("while self.pending > 0 { self.s.recv().await; self.other(); }"),
            None
        );
        assert_eq!(
            field("while self.pending > 0 { self.s.recv().await; self.unrelated -= 1; }"),
            None
        );
    }
}
