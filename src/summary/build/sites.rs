//! Where futures can be dropped: the cancellation sites a body builds (`select`/`timeout`
//! calls, combinators handed a stored future, `try_join`, aborted tasks) and request
//! handlers registered with a router or recognised by their shape.

use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Expr, FnArg, Pat, Token};

use super::paths::{last_segment, path_segments};
use super::patterns::pat_ident;
use super::places::strip_postfix;
use super::targets::is_call_target;
use super::types::outer_type_name;
use super::{BodyBuilder, Scope};
use crate::source::Span;
use crate::summary::{CancelSite, Framework, SiteRoot, Target, UnitKind};

impl BodyBuilder<'_, '_> {
    /// Whether a raced operand is dropped when it loses: a future written in place, or a
    /// stored one moved in by value. `&mut fut` and a pinned `fut` (`tokio::pin!(fut)`) are
    /// polled by reference and survive the race.
    pub(super) fn dropped_when_it_loses(&self, op: &Expr) -> bool {
        match strip_postfix(op) {
            Expr::Reference(_) => false,
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|id| self.pending.contains_key(&id.to_string())),
            _ => true,
        }
    }

    /// The future handed to a combinator that can finish without it: the argument of
    /// `token.run_until_cancelled(fut)`, or a stored future handed by value to an awaited
    /// call that is not a join, a spawner or a transparent adapter
    /// (`close_event.do_until(next_message)`).
    pub(super) fn handed_future<'e>(&self, e: &'e Expr) -> Option<&'e Expr> {
        if let Expr::MethodCall(m) = strip_postfix(e) {
            if CANCELLED_BY_TOKEN.contains(&m.method.to_string().as_str()) {
                return m.args.first();
            }
        }
        let (name, args): (String, Vec<&Expr>) = match strip_postfix(e) {
            Expr::MethodCall(m) => (m.method.to_string(), m.args.iter().collect()),
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => (last_segment(&p.path)?, c.args.iter().collect()),
                _ => return None,
            },
            _ => return None,
        };
        let vocab = self.cx.vocab;
        if name.contains("join")
            || vocab.is_spawner(&name)
            || vocab.is_transparent(&name)
            || vocab.io_of(&name).is_some()
        {
            return None;
        }
        args.into_iter().find(|a| match a {
            Expr::Path(p) => p.path.get_ident().is_some_and(|id| {
                self.pending
                    .get(&id.to_string())
                    .is_some_and(looks_like_a_future)
            }),
            _ => false,
        })
    }

    /// The `async` blocks of this unit built since unit index `before`.
    pub(super) fn blocks_since(&self, before: usize) -> Vec<usize> {
        (before..self.cx.out.units.len())
            .filter(|&i| {
                matches!(self.cx.out.units[i].kind,
                    UnitKind::AsyncBlock { parent, .. } if parent == self.idx)
            })
            .collect()
    }

    pub(super) fn add_site_roots(&mut self, site: CancelSite, span: Span, targets: Vec<Target>) {
        for target in targets {
            self.unit.site_roots.push(SiteRoot { site, span, target });
        }
    }

    /// The futures handed to a spawner: `async` blocks built in its arguments since
    /// `before`, and calls (`spawn(worker(conn))`).
    pub(super) fn spawned_targets<'e>(
        &mut self,
        args: impl Iterator<Item = &'e Expr>,
        before: usize,
    ) -> Vec<Target> {
        let mut targets: Vec<Target> = (before..self.cx.out.units.len())
            .filter(|&i| {
                matches!(self.cx.out.units[i].kind,
                    UnitKind::AsyncBlock { parent, spawned: true } if parent == self.idx)
            })
            .map(Target::Block)
            .collect();
        for a in args {
            if matches!(strip_postfix(a), Expr::Call(_) | Expr::MethodCall(_)) {
                let t = self.target_of(strip_postfix(a));
                if is_call_target(&t) {
                    targets.push(t);
                }
            }
        }
        targets
    }

    /// `let h = tokio::spawn(..)`: remembers what `h` runs, for a later `h.abort()`.
    pub(super) fn remember_spawn(&mut self, pat: &Pat, init: &Expr, before: usize) {
        let Some(name) = pat_ident(pat) else { return };
        let spawn_args: Vec<&Expr> = match strip_postfix(init) {
            Expr::Call(c)
                if matches!(&*c.func, Expr::Path(p)
                if last_segment(&p.path).is_some_and(|l| self.cx.vocab.is_spawner(&l))) =>
            {
                c.args.iter().collect()
            }
            Expr::MethodCall(m) if self.cx.vocab.is_spawner(&m.method.to_string()) => {
                m.args.iter().collect()
            }
            _ => return,
        };
        let targets = self.spawned_targets(spawn_args.into_iter(), before);
        self.spawn_handles.insert(name, targets);
    }

    /// `h.abort()` / `h.abort_handle()` on a handle of a task spawned here.
    pub(super) fn abort_site(&mut self, m: &syn::ExprMethodCall, span: Span) {
        if !matches!(m.method.to_string().as_str(), "abort" | "abort_handle") {
            return;
        }
        let Expr::Path(p) = strip_postfix(&m.receiver) else {
            return;
        };
        let Some(targets) = p
            .path
            .get_ident()
            .and_then(|id| self.spawn_handles.get(&id.to_string()))
        else {
            return;
        };
        let targets = targets.clone();
        self.add_site_roots(CancelSite::Abort, span, targets);
    }

    /// A receiver whose type is a task set that aborts its tasks when dropped.
    pub(super) fn is_join_set(&self, recv: &Expr) -> bool {
        self.place_of(recv)
            .filter(|p| p.fields.is_empty())
            .and_then(|p| self.unit.root(p.root).ty.as_deref())
            .is_some_and(|t| JOIN_SETS.contains(&t))
    }

    /// Handlers given to a router: crate fns named in the arguments and `async` blocks
    /// (closures) built in them since `before`.
    pub(super) fn register_handlers(
        &mut self,
        fw: Framework,
        args: &Punctuated<Expr, Token![,]>,
        before: usize,
        span: Span,
        closures: bool,
    ) {
        let mut targets: Vec<Target> = Vec::new();
        if closures {
            targets.extend(self.blocks_since(before).into_iter().map(Target::Block));
        }
        for a in args {
            // `service_fn(move |req| handle(db.clone(), req))`: the closure returns the
            // handler's future.
            if let (true, Expr::Closure(c)) = (closures, a) {
                if let body @ (Expr::Call(_) | Expr::MethodCall(_)) = strip_postfix(&c.body) {
                    let t = self.target_of(body);
                    if is_call_target(&t) {
                        targets.push(t);
                    }
                }
                continue;
            }
            let Expr::Path(p) = a else { continue };
            let segments = path_segments(&p.path);
            let is_local = p
                .path
                .get_ident()
                .is_some_and(|id| self.lookup(&id.to_string()).is_some());
            let fn_like = segments
                .last()
                .is_some_and(|l| l.chars().next().is_some_and(|c| c.is_lowercase()));
            if !is_local && fn_like {
                targets.push(Target::Path {
                    segments,
                    args: Vec::new(),
                });
            }
        }
        self.add_site_roots(CancelSite::Handler(fw), span, targets);
    }
}

/// `timeout(d, fut)`, `timeout_at(t, fut)`, `fut.timeout(d)`, `select(a, b)`,
/// `try_join_all(futs)`.
pub(super) fn combinator_site(e: &Expr) -> Option<CancelSite> {
    match strip_postfix(e) {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => match last_segment(&p.path).as_deref() {
                Some("timeout" | "timeout_at") => Some(CancelSite::Timeout),
                Some(name) if SELECTS.contains(&name) => Some(CancelSite::Select),
                Some(name) if TRY_JOINS.contains(&name) => Some(CancelSite::TryJoin),
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
            combinator_site(&m.receiver)
        }
        _ => None,
    }
}

/// `futures::future` functions that race their operands.
const SELECTS: &[&str] = &["select", "select_all", "select_ok"];

/// `futures::future` functions that drop the other operands when one fails.
const TRY_JOINS: &[&str] = &["try_join", "try_join3", "try_join4", "try_join_all"];

/// The futures a `select(a, b)` / `select_all([a, b])` / `try_join(a, b)` call races: its
/// arguments, looking into array literals. `None` for other calls.
pub(super) fn combinator_operands(e: &Expr) -> Option<Vec<&Expr>> {
    let Expr::Call(c) = strip_postfix(e) else {
        return None;
    };
    let Expr::Path(p) = &*c.func else { return None };
    let name = last_segment(&p.path)?;
    if !SELECTS.contains(&name.as_str()) && !TRY_JOINS.contains(&name.as_str()) {
        return None;
    }
    let mut ops = Vec::new();
    for a in &c.args {
        match a {
            Expr::Array(arr) => ops.extend(arr.elems.iter()),
            Expr::Call(_)
            | Expr::MethodCall(_)
            | Expr::Async(_)
            | Expr::Reference(_)
            | Expr::Path(_) => ops.push(a),
            _ => {}
        }
    }
    Some(ops)
}

/// Router functions that take a handler (`axum::routing::get(h)`,
/// `hyper::service::service_fn(h)`).
pub(super) fn registration_fn(name: &str) -> Option<Framework> {
    match name {
        "get" | "post" | "put" | "delete" | "patch" | "head" | "options" | "trace" | "any"
        | "on" => Some(Framework::Axum),
        "service_fn" => Some(Framework::Hyper),
        _ => None,
    }
}

/// Router methods that take a handler: actix-web `.to(h)`, warp `.and_then(h)` /
/// `.then(h)`, axum `get(a).post(b)`. The flag says whether closures count.
pub(super) fn registration_method(name: &str) -> Option<(Framework, bool)> {
    match name {
        "to" => Some((Framework::ActixWeb, true)),
        // `Option::and_then(|x| ..)` and `FutureExt::then(|x| ..)` take closures too:
        // only named fns count here.
        "and_then" | "then" => Some((Framework::Warp, false)),
        "post" | "put" | "delete" | "patch" => Some((Framework::Axum, false)),
        _ => None,
    }
}

/// A stored call that may be a future: not a constructor (`Command::new(..)`,
/// `Packet::with_len(..)`, `Frame::from(..)`), whose value is plain data.
fn looks_like_a_future(t: &Target) -> bool {
    let name = match t {
        Target::Method { name, .. } => name,
        Target::Path { segments, .. } => match segments.last() {
            Some(n) => n,
            None => return false,
        },
        Target::Block(_) => return true,
        Target::Opaque => return false,
    };
    !(name == "new"
        || name == "default"
        || name == "clone"
        || name.starts_with("new_")
        || name.starts_with("with_")
        || name.starts_with("from")
        || name.starts_with("into")
        || name.starts_with("to_")
        || name.starts_with("as_")
        || name.chars().next().is_some_and(char::is_uppercase))
}

/// tokio-util `CancellationToken` methods that drop their future when the token is cancelled.
const CANCELLED_BY_TOKEN: &[&str] = &["run_until_cancelled", "run_until_cancelled_owned"];

/// Task sets that abort their tasks when dropped (tokio `JoinSet`, tokio-util `JoinMap`).
const JOIN_SETS: &[&str] = &["JoinSet", "JoinMap", "JoinQueue"];

/// The arguments of a call expression, or nothing.
pub(super) fn call_args(e: &Expr) -> Vec<&Expr> {
    match strip_postfix(e) {
        Expr::Call(c) => c.args.iter().collect(),
        Expr::MethodCall(m) => m.args.iter().collect(),
        _ => Vec::new(),
    }
}

/// The framework whose request handlers an implemented trait's methods are:
/// `Service<Request<B>>` (hyper, tower), axum's `Handler`, a tonic service
/// (`#[tonic::async_trait]` / `#[async_trait]` impls whose methods take `Request<_>`).
pub(super) fn service_trait(p: &syn::Path, attrs: &[syn::Attribute]) -> Option<Framework> {
    let last = p.segments.last()?;
    let args = last.arguments.to_token_stream().to_string();
    match last.ident.to_string().as_str() {
        "Service" if args.contains("Request") => Some(Framework::Hyper),
        "Handler" => Some(Framework::Axum),
        _ if attrs
            .iter()
            .any(|a| last_segment(a.path()).is_some_and(|l| l == "async_trait")) =>
        {
            Some(Framework::Tonic)
        }
        _ => None,
    }
}

/// HTTP-method attributes of actix-web (`#[get("/")]`, `#[actix_web::post("/x")]`).
const ROUTE_ATTRIBUTES: &[&str] = &[
    "get", "post", "put", "delete", "patch", "head", "options", "trace", "connect", "route",
];

/// Whether a fn is a request handler by its own shape.
pub(super) fn handler_of(
    sig: &syn::Signature,
    attrs: &[syn::Attribute],
    scope: &Scope,
) -> Option<Framework> {
    let routed = attrs.iter().any(|a| {
        let segs = path_segments(a.path());
        matches!(a.meta, syn::Meta::List(_))
            && segs
                .last()
                .is_some_and(|l| ROUTE_ATTRIBUTES.contains(&l.as_str()))
            && (segs.len() == 1 || segs[0] == "actix_web")
    });
    if routed && sig.asyncness.is_some() {
        return Some(Framework::ActixWeb);
    }
    match scope.service? {
        f @ (Framework::Hyper | Framework::Axum) if sig.ident == "call" => Some(f),
        Framework::Tonic if sig.asyncness.is_some() && takes_request(sig) => Some(Framework::Tonic),
        _ => None,
    }
}

/// A parameter of type `Request<_>` (`tonic::Request<HelloRequest>`).
fn takes_request(sig: &syn::Signature) -> bool {
    sig.inputs.iter().any(|i| match i {
        FnArg::Typed(pt) => outer_type_name(&pt.ty).is_some_and(|t| t == "Request"),
        FnArg::Receiver(_) => false,
    })
}
