//! Macro bodies that syn leaves as tokens. Known async macros (`select!`, `join!`,
//! `try_join!`) are parsed into their parts; any other body is tried as expressions, then
//! as statements, so the awaits inside it are still seen. Macros in item position
//! (`cfg_if!`, tokio's `cfg_rt!`, test generators) are tried as items.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Pat, Stmt, Token};

/// What a macro invocation's body holds, as far as the analysis is concerned.
pub enum MacroBody {
    /// `select!`-family: futures raced against each other, each with its handler.
    Select(Vec<SelectBranch>),
    /// `join!`-family: futures awaited together.
    Join(Vec<Expr>),
    Exprs(Vec<Expr>),
    Stmts(Vec<Stmt>),
    Opaque,
}

pub struct SelectBranch {
    pub future: Option<Expr>,
    pub handler: Expr,
}

const SELECT: &[&str] = &["select", "select_biased", "try_select"];
const JOIN: &[&str] = &["join", "try_join"];

/// Macros whose bodies are code as data (generated, not run here).
const QUOTING: &[&str] = &[
    "quote",
    "quote_spanned",
    "parse_quote",
    "parse_quote_spanned",
    "stringify",
    "concat",
    "include_str",
    "include_bytes",
];

/// The items (`syn::Item`, or `syn::ImplItem` inside an `impl`) in an item-position macro
/// `name` (last path segment); none when the body is not a list of them. `cfg_if!`-style
/// bodies (`if #[cfg(a)] { items } else { items }`) give the items of every branch: which
/// one is compiled is not known here.
pub fn parse_items<T: Parse>(name: &str, tokens: TokenStream) -> Vec<T> {
    if name == "macro_rules" || QUOTING.contains(&name) {
        return Vec::new();
    }
    if let Ok(items) = parse_all.parse2(tokens.clone()) {
        return items;
    }
    let mut items = Vec::new();
    for tt in tokens {
        if let TokenTree::Group(g) = tt {
            if g.delimiter() == Delimiter::Brace {
                items.extend(parse_all.parse2(g.stream()).unwrap_or_default());
            }
        }
    }
    items
}

/// Leading inner attributes (`cfg_feature! { #![feature = "client"] .. }`), then `T`s.
fn parse_all<T: Parse>(input: ParseStream) -> syn::Result<Vec<T>> {
    syn::Attribute::parse_inner(input)?;
    let mut all = Vec::new();
    while !input.is_empty() {
        all.push(input.parse()?);
    }
    Ok(all)
}

/// Parses the body of macro `name` (last path segment).
pub fn parse_body(name: &str, tokens: TokenStream) -> MacroBody {
    if QUOTING.contains(&name) {
        return MacroBody::Opaque;
    }
    if SELECT.contains(&name) {
        return parse_select
            .parse2(tokens)
            .map(MacroBody::Select)
            .unwrap_or(MacroBody::Opaque);
    }
    if JOIN.contains(&name) {
        return parse_join
            .parse2(tokens)
            .map(MacroBody::Join)
            .unwrap_or(MacroBody::Opaque);
    }
    if let Ok(exprs) = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(tokens.clone()) {
        return MacroBody::Exprs(exprs.into_iter().collect());
    }
    match syn::Block::parse_within.parse2(tokens.clone()) {
        Ok(stmts) => MacroBody::Stmts(stmts),
        // Stream macros (`stream! { for await x in s { yield x } }`): a `for await` loop
        // awaits each item, which a plain `for` over the stream stands for here.
        Err(_) => syn::Block::parse_within
            .parse2(without_for_await(tokens))
            .map_or(MacroBody::Opaque, MacroBody::Stmts),
    }
}

/// `for await x in s` -> `for x in s`, at any depth.
fn without_for_await(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut after_for = false;
    for tt in tokens {
        let skip = after_for && matches!(&tt, TokenTree::Ident(id) if id == "await");
        after_for = matches!(&tt, TokenTree::Ident(id) if id == "for");
        match tt {
            _ if skip => {}
            TokenTree::Group(g) => {
                let mut inner =
                    proc_macro2::Group::new(g.delimiter(), without_for_await(g.stream()));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

fn skip_biased(input: ParseStream) -> syn::Result<()> {
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        let fork = input.fork();
        let id: syn::Ident = fork.parse()?;
        if id == "biased" {
            input.parse::<syn::Ident>()?;
            input.parse::<Token![;]>()?;
        }
    }
    Ok(())
}

fn parse_join(input: ParseStream) -> syn::Result<Vec<Expr>> {
    skip_biased(input)?;
    let exprs = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
    Ok(exprs.into_iter().collect())
}

fn parse_select(input: ParseStream) -> syn::Result<Vec<SelectBranch>> {
    skip_biased(input)?;
    let mut branches = Vec::new();
    while !input.is_empty() {
        let future = if input.peek(Token![else]) {
            input.parse::<Token![else]>()?;
            None
        } else if (input.peek(syn::Ident) && input.peek2(Token![=>]))
            && ["complete", "default"]
                .contains(&input.fork().parse::<syn::Ident>()?.to_string().as_str())
        {
            input.parse::<syn::Ident>()?;
            None
        } else {
            Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<Token![=]>()?;
            let fut: Expr = input.parse()?;
            if input.peek(Token![,]) && input.peek2(Token![if]) {
                input.parse::<Token![,]>()?;
                input.parse::<Token![if]>()?;
                input.parse::<Expr>()?;
            }
            Some(fut)
        };
        input.parse::<Token![=>]>()?;
        let handler: Expr = input.parse()?;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        branches.push(SelectBranch { future, handler });
    }
    Ok(branches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tokio_select_with_preconditions_and_else() {
        let tokens: TokenStream =
            "biased; v = rx.recv(), if open => { v }, _ = sleep(d) => 1, else => 2"
                .parse()
                .unwrap();
        let MacroBody::Select(branches) = parse_body("select", tokens) else {
            panic!("not parsed as select");
        };
        assert_eq!(branches.len(), 3);
        assert!(branches[0].future.is_some());
        assert!(branches[2].future.is_none());
    }

    #[test]
    fn item_macros_give_their_items_and_every_cfg_if_branch() {
        let tokens: TokenStream = "pub async fn a() {} struct S;".parse().unwrap();
        assert_eq!(parse_items::<syn::Item>("cfg_rt", tokens).len(), 2);
        let tokens: TokenStream = "if #[cfg(unix)] { fn a() {} } else { fn b() {} fn c() {} }"
            .parse()
            .unwrap();
        assert_eq!(parse_items::<syn::Item>("cfg_if", tokens).len(), 3);
        let tokens: TokenStream = "#![feature = \"net\"] pub async fn m(&self) {}"
            .parse()
            .unwrap();
        assert_eq!(parse_items::<syn::ImplItem>("cfg_net", tokens).len(), 1);
        let tokens: TokenStream = "($x:expr) => { $x.await }".parse().unwrap();
        assert!(parse_items::<syn::Item>("macro_rules", tokens).is_empty());
    }

    #[test]
    fn stream_macro_for_await_loops_are_statements() {
        let tokens: TokenStream = "for await x in rx.recv_stream() { yield conn.send(x).await; }"
            .parse()
            .unwrap();
        assert!(matches!(parse_body("stream", tokens), MacroBody::Stmts(s) if s.len() == 1));
    }

    #[test]
    fn other_macros_fall_back_to_expressions() {
        let tokens: TokenStream = "\"{}\", x.read().await".parse().unwrap();
        assert!(matches!(parse_body("println", tokens), MacroBody::Exprs(e) if e.len() == 2));
    }
}
