//! Item ranges and attribute directives, from a light `syn` parse of one file:
//! `#[cfg_attr(any(), cancelsafe::allow(RULE, .., reason = "..."))]` on a fn, impl, trait
//! or mod. The `any()` predicate is always false, so the compiler drops the attribute
//! without resolving `cancelsafe::allow`, and the code builds on stable.

use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Attribute, Expr, Lit, Meta, Token};

use crate::source::{LineIndex, Span};

/// A fn, impl, trait or mod: its lines (attributes included) and the line of its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// `Type::method`, `fn_name`, `impl Type`, `mod name`, `trait Name`.
    pub name: String,
    pub start_line: u32,
    /// The line of `fn`/`impl`/`mod`/`trait`: a comment between `start_line` and here is
    /// about the item.
    pub head_line: u32,
    pub end_line: u32,
}

/// A `cancelsafe::allow(..)` inside `cfg_attr`, on item `item` (an index into the items).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrDirective {
    pub span: Span,
    pub item: usize,
    /// `None` when the attribute's arguments cannot be read.
    pub names: Option<Vec<String>>,
    pub reason: Option<String>,
}

/// Items and attribute directives of a file; `None` when it does not parse within the
/// engine's limits.
pub fn scan(text: &str) -> Option<(Vec<Item>, Vec<AttrDirective>)> {
    let file = crate::summary::bounds::parse_file(text).ok()?;
    let mut v = Collector {
        lines: LineIndex::new(text),
        impl_names: Vec::new(),
        items: Vec::new(),
        directives: Vec::new(),
    };
    v.visit_file(&file);
    Some((v.items, v.directives))
}

struct Collector<'a> {
    lines: LineIndex<'a>,
    /// Self types of the impls being visited, innermost last.
    impl_names: Vec<String>,
    items: Vec<Item>,
    directives: Vec<AttrDirective>,
}

impl Collector<'_> {
    fn record(
        &mut self,
        name: String,
        whole: proc_macro2::Span,
        head: proc_macro2::Span,
        attrs: &[Attribute],
    ) {
        let whole = self.lines.span(whole);
        let item = self.items.len();
        self.items.push(Item {
            name,
            start_line: whole.line,
            head_line: self.lines.span(head).line,
            end_line: whole.end_line,
        });
        for attr in attrs {
            if let Some((names, reason)) = allow_in_cfg_attr(attr) {
                self.directives.push(AttrDirective {
                    span: self.lines.span(attr.span()),
                    item,
                    names,
                    reason,
                });
            }
        }
    }

    fn method_name(&self, ident: &syn::Ident) -> String {
        match self.impl_names.last() {
            Some(owner) => format!("{owner}::{ident}"),
            None => ident.to_string(),
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_fn(&mut self, node: &'ast syn::ItemFn) {
        self.record(
            node.sig.ident.to_string(),
            node.span(),
            node.sig.ident.span(),
            &node.attrs,
        );
        syn::visit::visit_item_fn(self, node);
    }

    fn visit_item_impl(&mut self, node: &'ast syn::ItemImpl) {
        let owner = match &*node.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        }
        .unwrap_or_else(|| node.self_ty.to_token_stream().to_string());
        self.record(
            format!("impl {owner}"),
            node.span(),
            node.impl_token.span,
            &node.attrs,
        );
        self.impl_names.push(owner);
        syn::visit::visit_item_impl(self, node);
        self.impl_names.pop();
    }

    fn visit_impl_item_fn(&mut self, node: &'ast syn::ImplItemFn) {
        let name = self.method_name(&node.sig.ident);
        self.record(name, node.span(), node.sig.ident.span(), &node.attrs);
        syn::visit::visit_impl_item_fn(self, node);
    }

    fn visit_item_trait(&mut self, node: &'ast syn::ItemTrait) {
        let owner = node.ident.to_string();
        self.record(
            format!("trait {owner}"),
            node.span(),
            node.ident.span(),
            &node.attrs,
        );
        self.impl_names.push(owner);
        syn::visit::visit_item_trait(self, node);
        self.impl_names.pop();
    }

    fn visit_trait_item_fn(&mut self, node: &'ast syn::TraitItemFn) {
        let name = self.method_name(&node.sig.ident);
        self.record(name, node.span(), node.sig.ident.span(), &node.attrs);
        syn::visit::visit_trait_item_fn(self, node);
    }

    fn visit_item_mod(&mut self, node: &'ast syn::ItemMod) {
        self.record(
            format!("mod {}", node.ident),
            node.span(),
            node.ident.span(),
            &node.attrs,
        );
        syn::visit::visit_item_mod(self, node);
    }
}

type Args = (Option<Vec<String>>, Option<String>);

/// `cfg_attr(<predicate>, .., cancelsafe::allow(..), ..)`: the allow's rule names and reason.
fn allow_in_cfg_attr(attr: &Attribute) -> Option<Args> {
    if !attr.path().is_ident("cfg_attr") {
        return None;
    }
    let metas = attr
        .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
        .ok()?;
    metas.iter().skip(1).find_map(|meta| match meta {
        Meta::List(list) if is_cancelsafe_allow(&list.path) => Some(
            list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .map_or((None, None), |args| allow_args(&args)),
        ),
        Meta::Path(path) if is_cancelsafe_allow(path) => Some((None, None)),
        _ => None,
    })
}

fn is_cancelsafe_allow(path: &syn::Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments == ["cancelsafe", "allow"]
}

/// Rule paths and `reason = ".."`; names `None` if anything else is in the list.
fn allow_args(args: &Punctuated<Meta, Token![,]>) -> Args {
    let mut names = Vec::new();
    let mut reason = None;
    let mut well_formed = true;
    for arg in args {
        match arg {
            Meta::Path(p) => names.push(
                p.segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect::<Vec<_>>()
                    .join("::"),
            ),
            Meta::NameValue(nv) if nv.path.is_ident("reason") => match &nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => reason = Some(s.value().trim().to_string()).filter(|r| !r.is_empty()),
                _ => well_formed = false,
            },
            _ => well_formed = false,
        }
    }
    let names = (well_formed && !names.is_empty()).then_some(names);
    (names, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_attribute_directives() {
        let text = r#"
impl Conn {
    /// Docs.
    #[cfg_attr(any(), cancelsafe::allow(CS001, reason = "drained on reuse"))]
    pub async fn get(&mut self) {
        fn inner() {}
    }
}

#[cfg_attr(any(), cancelsafe::allow(unguarded_write_then_read))]
mod m {}
"#;
        let (items, directives) = scan(text).expect("parses");
        let summary: Vec<(&str, u32, u32, u32)> = items
            .iter()
            .map(|i| (i.name.as_str(), i.start_line, i.head_line, i.end_line))
            .collect();
        assert_eq!(
            summary,
            [
                ("impl Conn", 2, 2, 8),
                ("Conn::get", 3, 5, 7),
                ("inner", 6, 6, 6),
                ("mod m", 10, 11, 11),
            ]
        );
        assert_eq!(directives.len(), 2);
        assert_eq!(directives[0].item, 1);
        assert_eq!(directives[0].names, Some(vec!["CS001".to_string()]));
        assert_eq!(directives[0].reason.as_deref(), Some("drained on reuse"));
        assert_eq!(directives[1].span.line, 10);
        assert_eq!(directives[1].reason, None);
    }
}
