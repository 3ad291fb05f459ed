//! Awaits: the node an `.await` records, with its target, its text as written and the
//! cancellation site that may drop it (a `select`, `timeout` or `try_join` operand).

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::Expr;

use super::paths::last_segment;
use super::places::strip_postfix;
use super::sites::{combinator_operands, combinator_site};
use super::BodyBuilder;
use crate::summary::{Await, CancelSite, Node, OnElapsed, Target};

impl BodyBuilder<'_, '_> {
    /// An await of `e` (the whole expression `whole`, for spans and text). `built`: the
    /// `async` blocks built while evaluating its operands, which a site drops with it.
    pub(super) fn push_await(
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
                    on_elapsed: OnElapsed::GoesOn,
                    err_arm: None,
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
                        on_elapsed: OnElapsed::GoesOn,
                        err_arm: None,
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
            // A `select!` branch may race a `timeout(..)` too: either way the future that
            // loses something is the one inside.
            Some(CancelSite::Timeout | CancelSite::Select) => self.raced_text(e, whole),
            _ => normalise(whole),
        };
        out.push(Node::Await(Box::new(Await {
            span,
            text,
            target,
            site,
            on_elapsed: OnElapsed::GoesOn,
            err_arm: None,
        })));
    }

    /// The raced future's own text for a `timeout` (`conn.get(k)`, the last argument of
    /// `timeout(d, fut)` even when it is a stored future), else the await's.
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
                    self.wrapped_future_expr(&args).or(args.last().copied())
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

#[cfg(test)]
mod tests {
    use super::normalise;

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
