//! Paths: the segments of a `syn::Path` as strings.

pub(super) fn path_segments(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

pub(super) fn last_segment(p: &syn::Path) -> Option<String> {
    p.segments.last().map(|s| s.ident.to_string())
}
