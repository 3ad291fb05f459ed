//! Types: the name of the type that holds the methods, through references and std wrappers;
//! whether a type is generic; what an I/O bound or a fn's return type says.

use quote::ToTokens;
use syn::Type;

use crate::summary::DYN_PREFIX;
use crate::vocab::words::WRAPPERS;

/// The type a fn hands back once awaited and unwrapped: `RedisResult<Connection>`,
/// `impl Future<Output = io::Result<Conn>>`, `Pin<Box<..>>` -> the inner name; `Self` is
/// the impl's type.
pub(super) fn return_type(out: &syn::ReturnType, self_ty: Option<&str>) -> Option<String> {
    let syn::ReturnType::Type(_, ty) = out else {
        return None;
    };
    value_type(ty, self_ty)
}

/// The type a value of type `ty` holds once unwrapped (`Result<Conn, E>` -> `Conn`).
pub(super) fn output_type(ty: &Type) -> Option<String> {
    value_type(ty, None)
}

fn value_type(ty: &Type, self_ty: Option<&str>) -> Option<String> {
    let Type::Path(p) = value_node(ty)? else {
        return None;
    };
    let name = p.path.segments.last()?.ident.to_string();
    if name == "Self" {
        return self_ty.map(str::to_string);
    }
    Some(name)
}

/// The path before the name of what a fn hands back once awaited and unwrapped
/// (`-> io::Result<crate::aio::Connection>` -> `[crate, aio]`; see
/// [`crate::summary::WrittenType::prefix`]).
pub(super) fn return_prefix(out: &syn::ReturnType) -> Vec<String> {
    let syn::ReturnType::Type(_, ty) = out else {
        return Vec::new();
    };
    value_node(ty).map(super::homes::prefix).unwrap_or_default()
}

/// The generic type arguments of what a fn hands back once awaited and unwrapped
/// (`Result<PooledConnection<'_, M>, E>` -> `[M]`), as [`type_args`] gives them.
pub(super) fn return_args(out: &syn::ReturnType) -> Vec<String> {
    let syn::ReturnType::Type(_, ty) = out else {
        return Vec::new();
    };
    value_node(ty).map(type_args).unwrap_or_default()
}

/// The type node a value of type `ty` holds once unwrapped: through references,
/// `impl Future<Output = ..>`, `Result`, `Option`, `Box`, `Pin`, `Poll` and `Arc`.
fn value_node(ty: &Type) -> Option<&Type> {
    match strip_group(ty) {
        Type::Reference(r) => value_node(&r.elem),
        Type::ImplTrait(it) => it.bounds.iter().find_map(|b| match b {
            syn::TypeParamBound::Trait(t) => {
                let seg = t.path.segments.last()?;
                let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
                    return None;
                };
                args.args.iter().find_map(|a| match a {
                    syn::GenericArgument::AssocType(at) if at.ident == "Output" => {
                        value_node(&at.ty)
                    }
                    _ => None,
                })
            }
            _ => None,
        }),
        t @ Type::Path(p) => {
            let seg = p.path.segments.last()?;
            let name = seg.ident.to_string();
            let unwraps = name.ends_with("Result")
                || matches!(name.as_str(), "Option" | "Box" | "Pin" | "Poll" | "Arc");
            if unwraps {
                if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                    return args.args.iter().find_map(|a| match a {
                        syn::GenericArgument::Type(inner) => value_node(inner),
                        _ => None,
                    });
                }
            }
            Some(t)
        }
        _ => None,
    }
}

pub(super) fn strip_group(t: &Type) -> &Type {
    match t {
        Type::Group(g) => strip_group(&g.elem),
        Type::Paren(p) => strip_group(&p.elem),
        _ => t,
    }
}

/// The name of the type that holds the methods: `&mut Pin<Box<Conn<C>>>` -> `Conn`.
pub(super) fn type_name(t: &Type) -> Option<String> {
    match strip_group(t) {
        Type::Reference(r) => type_name(&r.elem),
        Type::Path(p) => {
            let seg = p.path.segments.last()?;
            let name = seg.ident.to_string();
            if WRAPPERS.contains(&name.as_str()) {
                if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return type_name(inner).or(Some(name));
                    }
                }
            }
            Some(name)
        }
        Type::TraitObject(t) => trait_object_name(t),
        _ => None,
    }
}

/// The generic type arguments of the type that holds the methods, by their type names
/// (`&Pool<Manager, Conn>` -> `[Manager, Conn]`; `""` for an argument with no name, such as
/// a tuple). Lifetimes and const arguments are not type arguments.
pub(super) fn type_args(t: &Type) -> Vec<String> {
    match strip_group(t) {
        Type::Reference(r) => type_args(&r.elem),
        Type::Path(p) => {
            let Some(seg) = p.path.segments.last() else {
                return Vec::new();
            };
            let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
                return Vec::new();
            };
            let types = args.args.iter().filter_map(|a| match a {
                syn::GenericArgument::Type(inner) => Some(inner),
                _ => None,
            });
            let types: Vec<&Type> = types.collect();
            if WRAPPERS.contains(&seg.ident.to_string().as_str()) {
                if let Some(inner) = types.first() {
                    if type_name(inner).is_some() {
                        return type_args(inner);
                    }
                }
            }
            types
                .into_iter()
                .map(|t| type_name(t).unwrap_or_default())
                .collect()
        }
        _ => Vec::new(),
    }
}

/// `dyn Client + Send` -> `dyn Client`: a call on it runs any impl of the trait's method.
fn trait_object_name(t: &syn::TypeTraitObject) -> Option<String> {
    t.bounds.iter().find_map(|b| match b {
        syn::TypeParamBound::Trait(tr) => {
            let name = tr.path.segments.last()?.ident.to_string();
            Some(format!("{DYN_PREFIX}{name}"))
        }
        _ => None,
    })
}

/// The outermost type name of what a fn returns, once its `Result`/`Option` is unwrapped
/// (`io::Result<MutexGuard<'_, Conn>>` -> `MutexGuard`).
pub(super) fn returned_wrapper(ty: &Type) -> Option<String> {
    let Type::Path(p) = strip_group(ty) else {
        return None;
    };
    let seg = p.path.segments.last()?;
    let name = seg.ident.to_string();
    if name.ends_with("Result") || name == "Option" {
        if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
            return args.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(inner) => returned_wrapper(inner),
                _ => None,
            });
        }
    }
    Some(name)
}

/// The outermost type name (`Arc<Mutex<C>>` -> `Arc`).
pub(super) fn outer_type_name(t: &Type) -> Option<String> {
    match strip_group(t) {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

pub(super) fn is_generic(t: &Type, generics: &[String]) -> bool {
    match strip_group(t) {
        Type::Reference(r) => is_generic(&r.elem, generics),
        Type::ImplTrait(_) | Type::TraitObject(_) => true,
        Type::Path(p) => {
            let Some(seg) = p.path.segments.last() else {
                return false;
            };
            let name = seg.ident.to_string();
            if p.path.segments.len() == 1 && generics.contains(&name) {
                return true;
            }
            if WRAPPERS.contains(&name.as_str()) {
                if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return is_generic(inner, generics);
                    }
                }
            }
            false
        }
        _ => false,
    }
}

/// `R: AsyncRead` (inline, in a where clause, or `impl AsyncRead`) -> Read; write-only
/// bounds -> Write; both or neither -> None.
pub(super) fn io_bound(ty: &Type, generics: &syn::Generics) -> Option<crate::vocab::Io> {
    use crate::vocab::Io;
    let mut bounds: Vec<String> = Vec::new();
    let inner = match strip_group(ty) {
        Type::Reference(r) => strip_group(&r.elem),
        t => t,
    };
    match inner {
        Type::ImplTrait(it) => {
            bounds.extend(it.bounds.iter().map(|b| b.to_token_stream().to_string()))
        }
        Type::Path(p) if p.path.segments.len() == 1 => {
            let id = &p.path.segments[0].ident;
            for tp in generics.type_params().filter(|tp| &tp.ident == id) {
                bounds.extend(tp.bounds.iter().map(|b| b.to_token_stream().to_string()));
            }
            for pred in generics.where_clause.iter().flat_map(|w| &w.predicates) {
                if let syn::WherePredicate::Type(pt) = pred {
                    if matches!(&pt.bounded_ty, Type::Path(bp) if bp.path.is_ident(id)) {
                        bounds.extend(pt.bounds.iter().map(|b| b.to_token_stream().to_string()));
                    }
                }
            }
        }
        _ => {}
    }
    let text = bounds.join(" + ");
    let reads = ["AsyncRead", "AsyncBufRead", "Stream"]
        .iter()
        .any(|t| text.contains(t));
    let writes = ["AsyncWrite", "Sink"].iter().any(|t| text.contains(t));
    match (reads, writes) {
        (true, false) => Some(Io::Read),
        (false, true) => Some(Io::Write),
        _ => None,
    }
}

pub(super) fn generic_names(g: &syn::Generics) -> Vec<String> {
    g.type_params().map(|t| t.ident.to_string()).collect()
}
