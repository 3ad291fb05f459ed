//! Items: fns, impls, traits, modules, structs and enums, `use` renames and aliases. Each
//! fn becomes a [`Unit`] whose body [`BodyBuilder`] fills; the file-wide facts (impl
//! headers, field types, accessors) are read from the items alone.

use std::collections::{HashMap, HashSet};

use syn::{FnArg, ImplItem, Item, TraitItem, Type};

use super::attrs::{declares_cancel_safe, path_attr};
use super::homes::{is_std, prefix};
use super::paths::{last_segment, path_segments, use_tree};
use super::patterns::pat_ident;
use super::reply_check;
use super::sites::{handler_of, service_trait};
use super::types::{
    generic_names, io_bound, is_generic, outer_type_name, output_type, return_args, return_prefix,
    return_type, returned_wrapper, strip_group, type_args, type_name,
};
use super::{BodyBuilder, FileCx, Scope};
use crate::summary::macros::parse_items;
use crate::summary::*;
use crate::vocab::Vocabulary;

impl<'a> FileCx<'a> {
    pub(super) fn items(&mut self, items: &[Item], scope: &Scope) {
        for item in items {
            self.item(item, scope);
        }
    }

    pub(super) fn item(&mut self, item: &Item, scope: &Scope) {
        match item {
            Item::Fn(f) => {
                let is_pub = matches!(f.vis, syn::Visibility::Public(_));
                self.function(
                    &f.sig,
                    &f.block,
                    &f.attrs,
                    is_pub,
                    head_start(&f.vis, None, &f.sig),
                    &Scope {
                        self_ty: None,
                        self_args: Vec::new(),
                        self_prefix: Vec::new(),
                        trait_name: None,
                        generics: vec![],
                        in_trait_impl: false,
                        self_is_ref: false,
                        service: None,
                    },
                );
            }
            Item::Impl(imp) => {
                let generics = generic_names(&imp.generics);
                // Only the impl's own parameters are placeholders (`impl<M> Pool<M, Conn>`
                // -> `[M, ""]`).
                let self_args = type_args(&imp.self_ty)
                    .into_iter()
                    .map(|a| {
                        if generics.contains(&a) {
                            a
                        } else {
                            String::new()
                        }
                    })
                    .collect();
                let scope = Scope {
                    self_ty: type_name(&imp.self_ty),
                    self_args,
                    self_prefix: prefix(&imp.self_ty),
                    trait_name: imp.trait_.as_ref().and_then(|(_, p, _)| last_segment(p)),
                    generics,
                    in_trait_impl: imp.trait_.is_some(),
                    self_is_ref: matches!(strip_group(&imp.self_ty), Type::Reference(_)),
                    service: imp
                        .trait_
                        .as_ref()
                        .and_then(|(_, p, _)| service_trait(p, &imp.attrs)),
                };
                if scope.trait_name.as_deref() == Some("Drop") {
                    if let Some(t) = &scope.self_ty {
                        self.out.drop_types.push(t.clone());
                    }
                }
                if let Some(header) = impl_header(imp) {
                    self.out.impls.push(header);
                }
                self.impl_items(&imp.items, &scope);
            }
            Item::Trait(t) => {
                let scope = Scope {
                    self_ty: Some(t.ident.to_string()),
                    self_args: Vec::new(),
                    self_prefix: Vec::new(),
                    trait_name: Some(t.ident.to_string()),
                    generics: generic_names(&t.generics),
                    in_trait_impl: false,
                    self_is_ref: false,
                    service: None,
                };
                for it in &t.items {
                    if let TraitItem::Fn(m) = it {
                        if let Some(block) = &m.default {
                            let start = head_start(&syn::Visibility::Inherited, None, &m.sig);
                            self.function(&m.sig, block, &m.attrs, true, start, &scope);
                        }
                    }
                }
            }
            Item::Mod(m) => {
                let private = usize::from(!matches!(m.vis, syn::Visibility::Public(_)));
                match &m.content {
                    Some((_, items)) => {
                        self.inline_mods.push(m.ident.to_string());
                        self.inline_private += private;
                        self.items(items, scope);
                        self.inline_private -= private;
                        self.inline_mods.pop();
                    }
                    None => self.out.mods.push(ModDecl {
                        name: m.ident.to_string(),
                        path_attr: path_attr(&m.attrs),
                        inline_parents: self.inline_mods.clone(),
                        is_pub: private == 0 && self.inline_private == 0,
                    }),
                }
            }
            Item::Struct(s) => self.structure(s),
            Item::Enum(e) => self.enumeration(e),
            Item::Use(u) => {
                type_renames(&u.tree, &mut self.out.type_renames);
                self.imports(&u.tree);
                if matches!(u.vis, syn::Visibility::Public(_)) {
                    use_names(&u.tree, &mut self.out.reexported);
                }
            }
            Item::Type(t) if t.generics.params.is_empty() => {
                if let Some(target) = type_name(&t.ty) {
                    self.out.type_aliases.push((t.ident.to_string(), target));
                    let args = self.type_homes.args(&t.ty);
                    if !args.is_empty() {
                        self.out.alias_args.push(AliasArgs {
                            name: t.ident.to_string(),
                            args,
                            home: self.type_homes.home(&t.ty),
                        });
                    }
                }
            }
            Item::Macro(m) if m.mac.path.is_ident("macro_rules") => {
                for items in crate::summary::templates::transcribers(&m.mac) {
                    self.items(&items, scope);
                }
            }
            Item::Macro(m) => {
                let name = path_segments(&m.mac.path)
                    .last()
                    .cloned()
                    .unwrap_or_default();
                if name == "include" {
                    if let Ok(path) = m.mac.parse_body::<syn::LitStr>() {
                        self.out.includes.push(path.value());
                    }
                }
                self.items(&parse_items::<Item>(&name, m.mac.tokens.clone()), scope);
            }
            _ => {}
        }
    }

    fn impl_items(&mut self, items: &[ImplItem], scope: &Scope) {
        for it in items {
            match it {
                ImplItem::Fn(m) => {
                    let is_pub = scope.in_trait_impl || matches!(m.vis, syn::Visibility::Public(_));
                    let start = head_start(&m.vis, m.defaultness, &m.sig);
                    self.function(&m.sig, &m.block, &m.attrs, is_pub, start, scope);
                }
                ImplItem::Macro(m) => {
                    let name = path_segments(&m.mac.path)
                        .last()
                        .cloned()
                        .unwrap_or_default();
                    self.impl_items(&parse_items(&name, m.mac.tokens.clone()), scope);
                }
                _ => {}
            }
        }
    }

    fn structure(&mut self, s: &syn::ItemStruct) {
        let named = || {
            let named = s.fields.iter();
            named.filter_map(|f| Some((f.ident.as_ref()?.to_string(), &f.ty)))
        };
        self.out.structs.push(StructDef {
            name: s.ident.to_string(),
            module: self.inline_mods.clone(),
            fields: field_types(&s.fields, ""),
            // `pool: bb8::Pool<M>` -> `bb8`.
            homes: named()
                .filter_map(|(name, ty)| Some((name, self.type_homes.home(ty)?)))
                .collect(),
            prefixes: named()
                .map(|(name, ty)| (name, prefix(ty)))
                .filter(|(_, prefix)| !prefix.is_empty())
                .collect(),
        });
    }

    /// An enum's variant fields are fields named `Variant.0` / `Variant.name`, so a match
    /// arm's binding (`Conn::Tcp(s) => ..`) is typed like a struct field.
    fn enumeration(&mut self, e: &syn::ItemEnum) {
        let fields = e
            .variants
            .iter()
            .flat_map(|v| field_types(&v.fields, &format!("{}.", v.ident)))
            .collect();
        self.out.structs.push(StructDef {
            name: e.ident.to_string(),
            module: self.inline_mods.clone(),
            fields,
            homes: Vec::new(),
            prefixes: Vec::new(),
        });
    }

    pub(super) fn function(
        &mut self,
        sig: &syn::Signature,
        block: &syn::Block,
        attrs: &[syn::Attribute],
        is_pub: bool,
        head_start: proc_macro2::Span,
        scope: &Scope,
    ) {
        let mut generics = scope.generics.clone();
        generics.extend(generic_names(&sig.generics));
        let mut slots = Vec::new();
        let mut has_self = false;
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(r) => {
                    has_self = true;
                    let by_ref = r.reference.is_some()
                        || scope.self_is_ref
                        || !matches!(&*r.ty, Type::Path(p) if p.path.is_ident("Self"));
                    slots.push(Root {
                        name: "self".into(),
                        kind: if by_ref {
                            RootKind::SelfRef
                        } else {
                            RootKind::SelfOwned
                        },
                        ty: scope.self_ty.as_deref().map(Box::from),
                        written: None,
                        generic: false,
                        bound_io: None,
                        made_by: None,
                        last_mention: 0,
                        loop_depth: 0,
                    });
                }
                FnArg::Typed(pt) => {
                    let (pat, ty) = newtype_unwrapped(&pt.pat, &pt.ty);
                    let name = pat_ident(pat).unwrap_or_else(|| "_".into());
                    let mut root = self.param_root(name, ty, &generics);
                    root.bound_io = io_bound(ty, &sig.generics);
                    slots.push(root);
                }
            }
        }
        let unit = Unit {
            name: sig.ident.to_string(),
            self_ty: scope.self_ty.clone(),
            self_args: scope.self_args.clone(),
            self_prefix: scope.self_prefix.clone().into(),
            trait_name: scope.trait_name.clone(),
            kind: UnitKind::Fn {
                is_async: sig.asyncness.is_some(),
            },
            is_pub,
            span: self.lines.span(sig.ident.span()),
            slots,
            has_self,
            locals: Vec::new(),
            captured_locals: 0,
            body: Vec::new(),
            guard_attr: attrs
                .iter()
                .any(|a| self.vocab.is_guard_attribute(&path_segments(a.path()))),
            declared_safe: declares_cancel_safe(attrs),
            matches_reply: scope
                .trait_name
                .as_deref()
                .is_some_and(|t| self.vocab.is_pool_check(t, &sig.ident.to_string()))
                && reply_check::compares_reply_with_request(block),
            ret_ty: return_type(&sig.output, scope.self_ty.as_deref()),
            ret_args: return_args(&sig.output),
            ret_prefix: return_prefix(&sig.output).into(),
            handler: handler_of(sig, attrs, scope),
            site_roots: Vec::new(),
            guarded_sites: Vec::new(),
            head: self.fn_head(sig, attrs, head_start),
            module: self.inline_mods.clone(),
        };
        let idx = self.out.units.len();
        self.out.units.push(unit.clone());
        let wrappers: Vec<_> = sig
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(i, input)| match input {
                FnArg::Typed(pt) => Some((RootRef::slot(i), self.wrapped(&pt.ty)?)),
                FnArg::Receiver(_) => None,
            })
            .collect();
        let mut b = BodyBuilder::new(self, idx, unit, generics);
        b.wrappers.extend(wrappers);
        let mut nodes = Vec::new();
        b.block(block, &mut nodes);
        b.tail_returns_on_elapsed(block, &mut nodes);
        let mut unit = b.finish();
        if unit.guard_attr {
            GuardedSite::collect(&nodes, &mut unit.guarded_sites);
        }
        unit.body = nodes;
        self.out.units[idx] = unit;
    }

    /// The head of an `async fn` on one line (see [`FnHead`]); `None` for a sync fn or a
    /// head spread over lines or preceded by code.
    fn fn_head(
        &self,
        sig: &syn::Signature,
        attrs: &[syn::Attribute],
        start: proc_macro2::Span,
    ) -> Option<Box<FnHead>> {
        sig.asyncness?;
        let (span, text) = self.lines.line_through(start, sig.ident.span())?;
        let mut_self = sig
            .receiver()
            .is_some_and(|r| r.reference.is_some() && r.mutability.is_some());
        Some(Box::new(FnHead {
            span,
            text: text.to_string(),
            mut_self,
            other_macros: attrs.iter().any(|a| !is_inert(a)),
            crlf: self.lines.ends_with_crlf(span.line),
            returns: returns(&sig.output),
        }))
    }

    fn param_root(&self, name: String, ty: &Type, generics: &[String]) -> Root {
        let is_ref = matches!(strip_group(ty), Type::Reference(_));
        let outer = outer_type_name(ty);
        let shared = outer
            .as_deref()
            .is_some_and(|t| self.vocab.is_shared_type(t));
        Root {
            name: name.into_boxed_str(),
            kind: if is_ref || shared {
                RootKind::ParamRef
            } else {
                RootKind::ParamOwned
            },
            ty: type_name(ty).map(String::into_boxed_str),
            written: self.type_homes.written(ty),
            generic: is_generic(ty, generics),
            bound_io: None,
            made_by: None,
            last_mention: 0,
            loop_depth: 0,
        }
    }
}

/// A parameter destructuring a newtype of its own type, as web extractors are taken
/// (`State(db): State<Db>`, `Extension(pool): Extension<Pool>`): the binding and the type
/// it holds. Any other parameter as it is.
fn newtype_unwrapped<'p>(pat: &'p syn::Pat, ty: &'p Type) -> (&'p syn::Pat, &'p Type) {
    let (syn::Pat::TupleStruct(ts), Type::Path(tp)) = (pat, strip_group(ty)) else {
        return (pat, ty);
    };
    let (Some(wrapper), Some(seg), [inner]) = (
        ts.path.segments.last(),
        tp.path.segments.last(),
        &ts.elems.iter().collect::<Vec<_>>()[..],
    ) else {
        return (pat, ty);
    };
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return (pat, ty);
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    match (types.next(), types.next()) {
        (Some(held), None) if wrapper.ident == seg.ident => (inner, held),
        _ => (pat, ty),
    }
}

impl FileCx<'_> {
    /// The names (fns, modules, types) and globs a `use` tree brings into the scope of the
    /// module it sits in; not the standard library's, whose definitions are never read: a
    /// lookup through one finds nothing, as it does with no import.
    fn imports(&mut self, tree: &syn::UseTree) {
        use_tree(tree, &mut |name, path| {
            let std = path.first().is_some_and(|f| is_std(f));
            if !std && name.as_deref().is_none_or(|n| n != "self" && n != "_") {
                let import = Import::new(self.inline_mods.clone(), name, &path);
                self.out.imports.push(import);
            }
        });
    }
}

/// `use a::B as C;` renames of types (`C` -> `B`), which name a type as an alias does.
fn type_renames(tree: &syn::UseTree, out: &mut Vec<(String, String)>) {
    match tree {
        syn::UseTree::Path(p) => type_renames(&p.tree, out),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| type_renames(t, out)),
        syn::UseTree::Rename(r) if r.rename != "_" && r.ident != r.rename => {
            let name = r.ident.to_string();
            if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                out.push((r.rename.to_string(), name));
            }
        }
        _ => {}
    }
}

/// What a `pub use` tree makes public: each item it names (a module named so is public
/// whole), and the module of each glob (`a::{b, c as d, e::*}` gives `b`, `c`, `e`).
fn use_names(tree: &syn::UseTree, out: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(p) if matches!(&*p.tree, syn::UseTree::Glob(_)) => {
            out.push(p.ident.to_string())
        }
        syn::UseTree::Path(p) => use_names(&p.tree, out),
        syn::UseTree::Name(n) => out.push(n.ident.to_string()),
        syn::UseTree::Rename(r) => out.push(r.ident.to_string()),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| use_names(t, out)),
        syn::UseTree::Glob(_) => {}
    }
}

/// `impl Trait for Type`: its header; blanket impls keep their parameter's bounds.
fn impl_header(imp: &syn::ItemImpl) -> Option<ImplHeader> {
    let trait_name = imp.trait_.as_ref().and_then(|(_, p, _)| last_segment(p))?;
    let params = generic_names(&imp.generics);
    let self_param = match strip_group(&imp.self_ty) {
        Type::Path(p) if p.path.segments.len() == 1 => {
            let id = p.path.segments[0].ident.to_string();
            params.contains(&id).then_some(id)
        }
        _ => None,
    };
    let Some(param) = self_param else {
        let assoc = |trait_: &str, ty: &str, name: fn(&syn::Type) -> Option<String>| {
            (trait_name == trait_)
                .then(|| {
                    imp.items.iter().find_map(|item| match item {
                        syn::ImplItem::Type(t) if t.ident == ty => name(&t.ty),
                        _ => None,
                    })
                })
                .flatten()
        };
        return Some(ImplHeader {
            self_ty: type_name(&imp.self_ty),
            bounds: Vec::new(),
            deref_target: assoc("Deref", "Target", type_name),
            deref_projection: (trait_name == "Deref")
                .then(|| deref_projection(imp, &params))
                .flatten(),
            assoc_types: assoc_types(imp),
            future_output: assoc("Future", "Output", output_type),
            trait_name,
        });
    };
    let mut bounds = Vec::new();
    let mut push = |b: &syn::TypeParamBound| {
        if let syn::TypeParamBound::Trait(t) = b {
            bounds.extend(last_segment(&t.path));
        }
    };
    for tp in imp.generics.type_params().filter(|tp| tp.ident == param) {
        tp.bounds.iter().for_each(&mut push);
    }
    for pred in imp.generics.where_clause.iter().flat_map(|w| &w.predicates) {
        if let syn::WherePredicate::Type(pt) = pred {
            if matches!(&pt.bounded_ty, Type::Path(bp) if bp.path.is_ident(&param)) {
                pt.bounds.iter().for_each(&mut push);
            }
        }
    }
    Some(ImplHeader {
        trait_name,
        self_ty: None,
        bounds,
        deref_target: None,
        deref_projection: None,
        assoc_types: Vec::new(),
        future_output: None,
    })
}

/// `impl<M: Manager> Deref for Object<M> { type Target = M::Type; }` (or `<M as
/// Manager>::Type`): the position of `M` among `Object`'s arguments, and `Type`.
fn deref_projection(imp: &syn::ItemImpl, params: &[String]) -> Option<(u32, String)> {
    let target = imp.items.iter().find_map(|item| match item {
        syn::ImplItem::Type(t) if t.ident == "Target" => Some(&t.ty),
        _ => None,
    })?;
    let Type::Path(p) = strip_group(target) else {
        return None;
    };
    let [param, assoc] = p.path.segments.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let param = match &p.qself {
        // `<M as Manager>::Type`: the path is `Manager::Type`, `M` the qualified self.
        Some(q) => match strip_group(&q.ty) {
            Type::Path(qp) => qp.path.get_ident()?.to_string(),
            _ => return None,
        },
        None => param.ident.to_string(),
    };
    if !params.contains(&param) {
        return None;
    }
    let position = type_args(&imp.self_ty).iter().position(|a| *a == param)?;
    Some((u32::try_from(position).ok()?, assoc.ident.to_string()))
}

/// The associated types a trait impl sets, by name (`type Type = Conn;` -> (`Type`, `Conn`)).
fn assoc_types(imp: &syn::ItemImpl) -> Vec<(String, String)> {
    imp.items
        .iter()
        .filter_map(|item| match item {
            syn::ImplItem::Type(t) => Some((t.ident.to_string(), type_name(&t.ty)?)),
            _ => None,
        })
        .collect()
}

/// Field names and types of a struct or enum variant (`prefix` names the variant).
fn field_types(fields: &syn::Fields, prefix: &str) -> Vec<(String, String)> {
    fields
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let name = f
                .ident
                .as_ref()
                .map(|id| id.to_string())
                .unwrap_or_else(|| i.to_string());
            type_name(&f.ty).map(|t| (format!("{prefix}{name}"), t))
        })
        .collect()
}

/// Names of methods in `items` (and nested modules) that take `&self`/`&mut self` and return
/// a borrow with an elided lifetime, bare or in `Result`/`Option`: by the elision rules the
/// borrow is of the receiver.
pub(super) fn borrowing_methods(items: &[Item]) -> HashSet<String> {
    impl_methods(items)
        .into_iter()
        .filter(|m| takes_self_by_ref(&m.sig) && returns_elided_borrow(&m.sig.output))
        .map(|m| m.sig.ident.to_string())
        .collect()
}

/// Methods in `items` that take `&self`/`&mut self` and hand back a guard of something
/// their receiver shares (`async fn conn(&self) -> Result<MutexGuard<'_, Conn>>`, a pooled
/// checkout), by name, with whether the guard is a pool's.
pub(super) fn guard_methods(items: &[Item], vocab: &Vocabulary) -> HashMap<String, bool> {
    impl_methods(items)
        .into_iter()
        .filter(|m| takes_self_by_ref(&m.sig))
        .filter_map(|m| {
            let syn::ReturnType::Type(_, ty) = &m.sig.output else {
                return None;
            };
            let guard = returned_wrapper(ty)?;
            let shared = vocab.is_shared_type(&guard) && !matches!(guard.as_str(), "Arc" | "Rc");
            shared.then(|| (m.sig.ident.to_string(), is_pool_guard(&guard)))
        })
        .collect()
}

/// A guard a pool hands out, by its type's name (`PooledConnection`, deadpool's `Object`).
fn is_pool_guard(name: &str) -> bool {
    name.contains("Pool") || name == "Object"
}

/// Every method of the impls among `items`, inline modules included.
pub(super) fn impl_methods(items: &[Item]) -> Vec<&syn::ImplItemFn> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Impl(imp) => out.extend(imp.items.iter().filter_map(|it| match it {
                ImplItem::Fn(m) => Some(m),
                _ => None,
            })),
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    out.extend(impl_methods(inner));
                }
            }
            _ => {}
        }
    }
    out
}

fn takes_self_by_ref(sig: &syn::Signature) -> bool {
    matches!(sig.inputs.first(), Some(FnArg::Receiver(r)) if r.reference.is_some())
}

fn returns_elided_borrow(output: &syn::ReturnType) -> bool {
    fn borrow(t: &Type) -> bool {
        match strip_group(t) {
            Type::Reference(r) => r.lifetime.as_ref().is_none_or(|l| l.ident == "_"),
            Type::Path(p) => p.path.segments.last().is_some_and(|seg| {
                ["Result", "Option"].contains(&seg.ident.to_string().as_str())
                    && matches!(&seg.arguments, syn::PathArguments::AngleBracketed(a)
                        if matches!(a.args.first(), Some(syn::GenericArgument::Type(t)) if borrow(t)))
            }),
            _ => false,
        }
    }
    matches!(output, syn::ReturnType::Type(_, t) if borrow(t))
}

/// The first token of a fn item after its attributes: its visibility, `default`, or the
/// signature's first qualifier or `fn`.
fn head_start(
    vis: &syn::Visibility,
    defaultness: Option<syn::Token![default]>,
    sig: &syn::Signature,
) -> proc_macro2::Span {
    match vis {
        syn::Visibility::Public(p) => return p.span,
        syn::Visibility::Restricted(r) => return r.pub_token.span,
        syn::Visibility::Inherited => {}
    }
    let qualifiers = [
        defaultness.map(|t| t.span),
        sig.constness.map(|t| t.span),
        sig.asyncness.map(|t| t.span),
        sig.unsafety.map(|t| t.span),
        sig.abi.as_ref().map(|a| a.extern_token.span),
    ];
    qualifiers
        .into_iter()
        .flatten()
        .next()
        .unwrap_or(sig.fn_token.span)
}

/// `io::Result<T>` (`std::io::`, `tokio::io::`) and `Result<T, io::Error>` return what a
/// guard's refusal converts into; see [`Returns`].
fn returns(output: &syn::ReturnType) -> Returns {
    let syn::ReturnType::Type(_, ty) = output else {
        return Returns::Other;
    };
    let Type::Path(p) = strip_group(ty) else {
        return Returns::Other;
    };
    let names: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let Some(last) = p.path.segments.last().filter(|s| s.ident == "Result") else {
        return Returns::Other;
    };
    let in_io = names.len() >= 2 && names[names.len() - 2] == "io";
    let error_is_io = match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => match args.args.iter().nth(1) {
            Some(syn::GenericArgument::Type(Type::Path(e))) => {
                let segs: Vec<String> = e
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                segs.len() >= 2 && segs[segs.len() - 2..] == ["io", "Error"]
            }
            Some(_) => false,
            None => in_io,
        },
        _ => in_io,
    };
    if error_is_io {
        Returns::IoResult
    } else {
        Returns::OtherResult
    }
}

/// A built-in attribute that expands nothing (docs, lint levels, `cfg`, hints).
fn is_inert(attr: &syn::Attribute) -> bool {
    const INERT: &[&str] = &[
        "doc",
        "cfg",
        "allow",
        "warn",
        "deny",
        "forbid",
        "expect",
        "must_use",
        "inline",
        "cold",
        "track_caller",
        "deprecated",
    ];
    attr.path()
        .get_ident()
        .is_some_and(|name| INERT.iter().any(|i| name == i))
}
