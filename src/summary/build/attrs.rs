//! Attributes: `#[path = ".."]` on a module, and a `# Cancel safety` doc section that says
//! a fn is cancel safe.

use syn::Expr;

use crate::vocab::words::CANCEL_SAFE_PHRASES;

/// The value of a `#[path = "..."]` attribute.
pub(super) fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// `# Cancel safety` doc sections that say the fn is cancel safe.
pub(super) fn declares_cancel_safe(attrs: &[syn::Attribute]) -> bool {
    let doc: String = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value() + "\n"),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let Some(at) = doc.find("# Cancel safety") else {
        return false;
    };
    let section = doc[at + 15..]
        .split("\n#")
        .next()
        .unwrap_or("")
        .to_lowercase();
    let safe = CANCEL_SAFE_PHRASES.iter().any(|s| section.contains(s));
    safe && !section.contains("not cancel")
}
