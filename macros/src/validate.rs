//! Check the attribute against the fn it is on. Every mistake gets its own spanned error,
//! and all of them are reported together.

use proc_macro2::{TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::{Expr, FnArg, Ident, ItemFn, Pat, Path, ReturnType, Type};

use crate::args::{self, push, Args, Policy};

/// What the expansion needs, all of it checked.
pub(crate) struct Guard {
    /// `::cancelsafe` or the `crate = ".."` path.
    pub krate: TokenStream,
    /// The user's `CancelState` place, e.g. `self.cancel`.
    pub state: Expr,
    /// The connection passed to the drain/reconnect fn, e.g. `&mut *self`.
    pub conn: TokenStream,
    pub policy: Repair,
    /// Replies owed once written (`None`: the default, 1).
    pub replies: Option<Expr>,
    /// Extra write method names (`write = [..]`).
    pub writes: Vec<Ident>,
    /// Names whose completed awaits pay one reply.
    pub reads: Vec<Ident>,
    /// For a fn that returns no `Result`: what it returns while its connection cannot be
    /// repaired (a refusal, a failed drain or reconnect). `None`: it returns the error.
    pub fallback: Option<TokenStream>,
}

pub(crate) enum Repair {
    Poison,
    Drain(Path),
    Reconnect(Path),
}

pub(crate) fn check(args: Args, func: &ItemFn) -> Result<Guard, syn::Error> {
    let mut errors = None;
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        push(
            &mut errors,
            syn::Error::new_spanned(
                sig.fn_token,
                "`#[cancelsafe::guard]` requires an `async fn`",
            ),
        );
    }
    if let Some(ident) = tracing_expanded(&func.block.to_token_stream()) {
        push(
            &mut errors,
            syn::Error::new(
                ident.span(),
                "`#[tracing::instrument]` was expanded first: put `#[cancelsafe::guard]` above it",
            ),
        );
    }
    let conn = match &args.state {
        None => {
            push(
                &mut errors,
                syn::Error::new(
                    args::attribute_span(),
                    "missing `state = ..`: name the connection's `CancelState`, e.g. `state = self.cancel`",
                ),
            );
            None
        }
        Some(state) => match connection(state, func) {
            Ok(conn) => Some(conn),
            Err(e) => {
                push(&mut errors, e);
                None
            }
        },
    };
    let returns_result = returns_result(&sig.output);
    let policy = match args.policy {
        None | Some(Policy::Poison(_)) => Repair::Poison,
        Some(Policy::Drain(_, f)) => Repair::Drain(f),
        Some(Policy::Reconnect(_, f)) => Repair::Reconnect(f),
    };
    let fallback = match fallback(&args.fallback, &policy, &sig.output, returns_result) {
        Ok(f) => f,
        Err(msg) => {
            let e = match (&args.fallback, &sig.output) {
                (Some(f), _) if returns_result => syn::Error::new_spanned(f, msg),
                (_, ReturnType::Type(_, ty)) => syn::Error::new_spanned(ty, msg),
                (_, ReturnType::Default) => syn::Error::new_spanned(&sig.ident, msg),
            };
            push(&mut errors, e);
            None
        }
    };
    let (state, conn) = match (errors, args.state, conn) {
        (None, Some(state), Some(conn)) => (state, conn),
        (Some(e), _, _) => return Err(e),
        // A missing or malformed `state` always pushed an error above.
        (None, _, _) => return Err(syn::Error::new(args::attribute_span(), "invalid `state`")),
    };
    let reads = match (&args.read, &policy) {
        (Some(names), _) => names.clone(),
        (None, Repair::Drain(f)) => f
            .segments
            .last()
            .map(|s| s.ident.clone())
            .into_iter()
            .collect(),
        (None, _) => Vec::new(),
    };
    Ok(Guard {
        krate: args
            .krate
            .map_or_else(|| quote!(::cancelsafe), |p| p.to_token_stream()),
        state,
        conn,
        policy,
        replies: args.replies,
        writes: args.write.unwrap_or_default(),
        reads,
        fallback,
    })
}

/// What a fn without a `Result` return gives back when its connection cannot be repaired:
/// the `fallback = ..` given, or for `drain`/`reconnect` (which retry on the next call)
/// `()` and `None`. `poison` never recovers, so it needs a `Result` or an explicit fallback.
fn fallback(
    given: &Option<Expr>,
    policy: &Repair,
    output: &ReturnType,
    returns_result: bool,
) -> Result<Option<TokenStream>, &'static str> {
    if returns_result {
        return match given {
            Some(_) => Err(
                "`fallback` is for fns that do not return a `Result`; this one returns the error",
            ),
            None => Ok(None),
        };
    }
    if let Some(value) = given {
        return Ok(Some(value.to_token_stream()));
    }
    let retries = !matches!(policy, Repair::Poison);
    match output {
        ReturnType::Default => {}
        ReturnType::Type(_, ty) if matches!(&**ty, Type::Tuple(t) if t.elems.is_empty()) => {}
        ReturnType::Type(_, ty) if retries && last_segment_is(ty, "Option") => {
            return Ok(Some(quote!(::core::option::Option::None)));
        }
        _ if retries => {
            return Err("`drain`/`reconnect` can fail, and this return type cannot say so: add \
                        `fallback = <value>` (returned while the connection cannot be repaired), \
                        or return a `Result` whose error implements `From<cancelsafe::Interrupted>`");
        }
        _ => {}
    }
    if retries {
        return Ok(Some(quote!(())));
    }
    Err(
        "policy `poison` needs a `Result` return type whose error implements \
         `From<cancelsafe::Interrupted>`, or `fallback = <value>` to return once the \
         connection is poisoned; or use `drain = ..` or `reconnect = ..`",
    )
}

fn last_segment_is(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

/// `self.cancel` → `&mut *self`; `conn.cancel` → `&mut *conn`; `self.inner.cancel` →
/// `&mut self.inner`. The root must be a `&mut self` receiver or a `&mut` parameter.
fn connection(state: &Expr, func: &ItemFn) -> syn::Result<TokenStream> {
    let shape = || {
        syn::Error::new_spanned(
            state,
            "`state` must be a field of the connection, like `self.cancel` or `conn.cancel`",
        )
    };
    let Expr::Field(field) = state else {
        return Err(shape());
    };
    let mut root = &*field.base;
    while let Expr::Field(inner) = root {
        root = &inner.base;
    }
    let Expr::Path(root_path) = root else {
        return Err(shape());
    };
    let Some(root_ident) = root_path.path.get_ident() else {
        return Err(shape());
    };
    check_root(root_ident, state, func)?;
    let owner = &field.base;
    Ok(match &**owner {
        Expr::Path(_) => quote!(&mut *#owner),
        _ => quote!(&mut #owner),
    })
}

fn check_root(root: &Ident, state: &Expr, func: &ItemFn) -> syn::Result<()> {
    let sig = &func.sig;
    if root == "self" {
        let Some(receiver) = sig.receiver() else {
            return Err(syn::Error::new_spanned(
                state,
                format!(
                    "`{}` needs a `&mut self` receiver, but `{}` has none; for a free fn name a `&mut` parameter, e.g. `state = conn.cancel`",
                    state.to_token_stream().to_string().replace(' ', ""),
                    sig.ident
                ),
            ));
        };
        if !is_mut_ref(&receiver.ty) {
            return Err(syn::Error::new_spanned(
                receiver,
                "`#[cancelsafe::guard]` needs `&mut self` to record progress in the state",
            ));
        }
        return Ok(());
    }
    let param = sig.inputs.iter().find_map(|arg| match arg {
        FnArg::Typed(t) => match &*t.pat {
            Pat::Ident(p) if p.ident == *root => Some(t),
            _ => None,
        },
        FnArg::Receiver(_) => None,
    });
    match param {
        None => Err(syn::Error::new_spanned(
            root,
            format!("`{root}` is not a parameter of `{}`", sig.ident),
        )),
        Some(p) if !is_mut_ref(&p.ty) => Err(syn::Error::new_spanned(
            &p.ty,
            format!("`{root}` must be a `&mut` reference to the connection"),
        )),
        Some(_) => Ok(()),
    }
}

fn is_mut_ref(ty: &Type) -> bool {
    matches!(ty, Type::Reference(r) if r.mutability.is_some())
}

/// By name, since macros see no types: `Result`, `io::Result`, `RedisResult`, ...
fn returns_result(output: &ReturnType) -> bool {
    match output {
        ReturnType::Type(_, ty) => match &**ty {
            Type::Path(p) => p
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident.to_string().ends_with("Result")),
            _ => false,
        },
        ReturnType::Default => false,
    }
}

/// `#[tracing::instrument]` above us moves the body into an `async move` block we cannot
/// see into; its expansion names these locals.
fn tracing_expanded(tokens: &TokenStream) -> Option<Ident> {
    tokens.clone().into_iter().find_map(|tt| match tt {
        TokenTree::Ident(i) if i.to_string().starts_with("__tracing_attr") => Some(i),
        TokenTree::Group(g) => tracing_expanded(&g.stream()),
        _ => None,
    })
}

/// Whether `ty` mentions `impl Trait` (then it cannot annotate a `let`).
pub(crate) fn has_impl_trait(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == "impl",
        TokenTree::Group(g) => has_impl_trait(g.stream()),
        _ => false,
    })
}
