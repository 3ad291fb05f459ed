//! Patterns: the names a pattern binds, and the fields of the matched value each takes.

use syn::Pat;

use super::paths::last_segment;

/// `(name, fields)` for every name a pattern binds, with the fields of the matched value it
/// takes (`Conn::Tcp(s)` -> `s`, `["Tcp.0"]`).
pub(super) fn pattern_parts(p: &Pat, at: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    let variant = |path: &syn::Path| last_segment(path).unwrap_or_default();
    let nested = |at: &mut Vec<String>, field: Option<String>, p: &Pat, out: &mut Vec<_>| {
        let pushed = field.is_some();
        if let Some(f) = field {
            at.push(f);
        }
        pattern_parts(p, at, out);
        if pushed {
            at.pop();
        }
    };
    match p {
        Pat::Ident(i) => {
            out.push((i.ident.to_string(), at.clone()));
            if let Some((_, sub)) = &i.subpat {
                pattern_parts(sub, at, out);
            }
        }
        Pat::Type(t) => pattern_parts(&t.pat, at, out),
        Pat::Reference(r) => pattern_parts(&r.pat, at, out),
        Pat::Paren(p) => pattern_parts(&p.pat, at, out),
        Pat::TupleStruct(t) => {
            let v = variant(&t.path);
            let wrapper = matches!(v.as_str(), "Some" | "Ok" | "Err");
            for (i, elem) in t.elems.iter().enumerate() {
                let field = (!wrapper).then(|| format!("{v}.{i}"));
                nested(at, field, elem, out);
            }
        }
        Pat::Struct(s) => {
            let v = variant(&s.path);
            for f in &s.fields {
                let member = match &f.member {
                    syn::Member::Named(id) => id.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                nested(at, Some(format!("{v}.{member}")), &f.pat, out);
            }
        }
        Pat::Tuple(t) => {
            for (i, elem) in t.elems.iter().enumerate() {
                nested(at, Some(i.to_string()), elem, out);
            }
        }
        // Alternatives bind the same names; the first one's parts stand for all.
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                pattern_parts(first, at, out);
            }
        }
        other => out.extend(pat_names(other).into_iter().map(|n| (n, Vec::new()))),
    }
}

pub(super) fn pat_ident(p: &Pat) -> Option<String> {
    match p {
        Pat::Ident(i) => Some(i.ident.to_string()),
        Pat::Type(t) => pat_ident(&t.pat),
        Pat::Reference(r) => pat_ident(&r.pat),
        _ => None,
    }
}

/// Every name a pattern binds.
pub(super) fn pat_names(p: &Pat) -> Vec<String> {
    let mut names = Vec::new();
    collect_pat_names(p, &mut names);
    names
}

fn collect_pat_names(p: &Pat, names: &mut Vec<String>) {
    match p {
        Pat::Ident(i) => {
            names.push(i.ident.to_string());
            if let Some((_, sub)) = &i.subpat {
                collect_pat_names(sub, names);
            }
        }
        Pat::Type(t) => collect_pat_names(&t.pat, names),
        Pat::Reference(r) => collect_pat_names(&r.pat, names),
        Pat::Tuple(t) => t.elems.iter().for_each(|p| collect_pat_names(p, names)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| collect_pat_names(p, names)),
        Pat::Struct(s) => s
            .fields
            .iter()
            .for_each(|f| collect_pat_names(&f.pat, names)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| collect_pat_names(p, names)),
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                collect_pat_names(first, names);
            }
        }
        Pat::Paren(p) => collect_pat_names(&p.pat, names),
        _ => {}
    }
}
