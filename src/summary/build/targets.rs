//! Targets: what awaiting or calling an expression runs (a method on a place, a fn by path,
//! an `async` block, a future stored earlier), looking through transparent wrappers
//! (`timeout(d, fut)`) to the future they hand on.

use syn::Expr;

use super::paths::{last_segment, path_segments};
use super::places::{strip_postfix, strip_value};
use super::BodyBuilder;
use crate::summary::Target;
use crate::vocab::words::{is_time_word, WRAPPERS};

impl BodyBuilder<'_, '_> {
    /// What awaiting `e` runs.
    pub(super) fn target_of(&mut self, e: &Expr) -> Target {
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
                if recv
                    .as_ref()
                    .is_some_and(|p| self.is_guard_wrapper_call(p, &name))
                {
                    // `cancelsafe::Guarded::exchange` (or a checkout of a pool of them): the
                    // wrapper marks the exchange and discards a connection it was cut on,
                    // so nothing is left on the wire.
                    return Target::Opaque;
                }
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
                    recv_view: self.view_of(&m.receiver),
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
    pub(super) fn wrapped_future_expr<'e>(&mut self, args: &[&'e Expr]) -> Option<&'e Expr> {
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
}

pub(super) fn is_call_target(t: &Target) -> bool {
    matches!(
        t,
        Target::Method { .. } | Target::Path { .. } | Target::Block(_)
    )
}

/// How many calls of a chain (`a().b().c()`) a call's shape keeps, counting back from it:
/// enough to type a builder chain's receiver, and every call of a chain keeps its own
/// shape, so a longer limit would cost memory quadratic in the chain's length.
const CALL_SHAPE_DEPTH: usize = 4;

/// The call an expression's value comes from, without summarising anything (no `async`
/// blocks are made here): `client.connect(..)`, `Client::open(..)`. `depth` calls of the
/// chain are already kept above it.
pub(super) fn call_shape(b: &BodyBuilder<'_, '_>, e: &Expr, depth: usize) -> Option<Target> {
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
                recv_view: b.view_of(&m.receiver),
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
