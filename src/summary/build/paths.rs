//! Paths: the segments of a `syn::Path` as strings.

pub(super) fn path_segments(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

pub(super) fn last_segment(p: &syn::Path) -> Option<String> {
    p.segments.last().map(|s| s.ident.to_string())
}

/// Each name a `use` tree brings in, with the path it stands for (`use a::b::{C as D}`:
/// `D` -> `a::b::C`); globs bring in no name.
pub(super) fn use_imports(tree: &syn::UseTree, out: &mut impl FnMut(String, Vec<String>)) {
    use_tree(tree, &mut |name, path| {
        if let Some(name) = name {
            out(name, path)
        }
    });
}

/// Like [`use_imports`], with each glob as `None` and the module it brings in whole
/// (`use super::*`: `super`).
pub(super) fn use_tree(tree: &syn::UseTree, out: &mut impl FnMut(Option<String>, Vec<String>)) {
    fn walk(
        tree: &syn::UseTree,
        prefix: &mut Vec<String>,
        out: &mut impl FnMut(Option<String>, Vec<String>),
    ) {
        let path = |prefix: &[String], last: &syn::Ident| {
            let mut path = prefix.to_vec();
            path.push(last.to_string());
            path
        };
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                walk(&p.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| walk(t, prefix, out)),
            syn::UseTree::Name(n) => out(Some(n.ident.to_string()), path(prefix, &n.ident)),
            syn::UseTree::Rename(r) => out(Some(r.rename.to_string()), path(prefix, &r.ident)),
            syn::UseTree::Glob(_) => out(None, prefix.clone()),
        }
    }
    walk(tree, &mut Vec::new(), out);
}
