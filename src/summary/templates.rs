//! `macro_rules!` transcribers read as code. Libraries generate whole APIs from a macro
//! (`redis`' `implement_commands!` writes every `AsyncCommands` method), so a call like
//! `con.get(k)` only resolves if the generated method is summarised. Each transcriber is
//! instantiated once: a repetition `$( .. )*` is kept once, a metavariable becomes a
//! placeholder of its fragment kind, and what parses as items is summarised like any other
//! code. A method whose name is a metavariable stands for every method the macro writes.

use std::collections::HashMap;

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, TokenStream, TokenTree};

use super::METAVAR_PREFIX;

/// The items each rule of a `macro_rules!` definition expands to, for the rules whose
/// transcriber parses as items once instantiated.
pub fn transcribers(mac: &syn::Macro) -> Vec<Vec<syn::Item>> {
    let tokens: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 3 < tokens.len() {
        // matcher `=>` transcriber `;`?
        let (Some(TokenTree::Group(matcher)), Some(TokenTree::Group(body))) =
            (tokens.get(i), tokens.get(i + 3))
        else {
            break;
        };
        let kinds = fragment_kinds(matcher.stream());
        let expanded = instantiate(body.stream(), &kinds);
        if let Ok(file) = syn::parse2::<syn::File>(expanded) {
            if !file.items.is_empty() {
                out.push(file.items);
            }
        }
        i += 4;
        if matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            i += 1;
        }
    }
    out
}

/// `$name:kind` declarations of a matcher, at any repetition depth.
fn fragment_kinds(matcher: TokenStream) -> HashMap<String, String> {
    let mut kinds = HashMap::new();
    collect_kinds(matcher, &mut kinds);
    kinds
}

fn collect_kinds(tokens: TokenStream, kinds: &mut HashMap<String, String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Group(g) => collect_kinds(g.stream(), kinds),
            TokenTree::Punct(p) if p.as_char() == '$' => {
                if let (
                    Some(TokenTree::Ident(name)),
                    Some(TokenTree::Punct(colon)),
                    Some(TokenTree::Ident(kind)),
                ) = (tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 3))
                {
                    if colon.as_char() == ':' {
                        kinds.insert(name.to_string(), kind.to_string());
                    }
                }
            }
            _ => {}
        }
    }
}

/// One instance of a transcriber: repetitions once, metavariables as placeholders.
fn instantiate(body: TokenStream, kinds: &HashMap<String, String>) -> TokenStream {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '$' => match tokens.get(i + 1) {
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    out.extend(instantiate(g.stream(), kinds));
                    i += 2 + repetition_tail(&tokens[i + 2..]);
                    continue;
                }
                Some(TokenTree::Ident(id)) => {
                    out.extend(placeholder(
                        id,
                        kinds.get(&id.to_string()).map(String::as_str),
                    ));
                    i += 2;
                    continue;
                }
                _ => out.push(tokens[i].clone()),
            },
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), instantiate(g.stream(), kinds));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            t => out.push(t.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// How many tokens after `$( .. )` belong to the repetition: an optional separator and
/// the `*`, `+` or `?` operator.
fn repetition_tail(rest: &[TokenTree]) -> usize {
    let is_op = |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if matches!(p.as_char(), '*' | '+' | '?'));
    if is_op(rest.first()) {
        1
    } else if is_op(rest.get(1)) {
        2
    } else {
        0
    }
}

/// What a metavariable of fragment `kind` becomes: something that parses where that
/// fragment may stand.
fn placeholder(name: &Ident, kind: Option<&str>) -> Vec<TokenTree> {
    if name == "crate" {
        return vec![TokenTree::Ident(name.clone())];
    }
    let ident = Ident::new(&format!("{METAVAR_PREFIX}{name}"), name.span());
    match kind {
        Some("lifetime") => {
            let mut tick = Punct::new('\'', Spacing::Joint);
            tick.set_span(name.span());
            vec![TokenTree::Punct(tick), TokenTree::Ident(ident)]
        }
        Some("block") => vec![TokenTree::Group(Group::new(
            Delimiter::Brace,
            TokenStream::new(),
        ))],
        Some("literal") => vec![TokenTree::Literal(proc_macro2::Literal::string(""))],
        Some("vis" | "item" | "stmt") => Vec::new(),
        _ => vec![TokenTree::Ident(ident)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(src: &str) -> Vec<String> {
        let mac: syn::ItemMacro = syn::parse_str(src).expect("macro parses");
        transcribers(&mac.mac)
            .into_iter()
            .flatten()
            .map(|i| quote::ToTokens::to_token_stream(&i).to_string())
            .collect()
    }

    #[test]
    fn repetitions_are_kept_once_and_metavariables_become_placeholders() {
        let items = expand(
            "macro_rules! cmds { ($lt:lifetime $(fn $name:ident($($a:ident: $t:ty),*) $body:block)*) => {
                pub trait Cmds: Sized { $(fn $name<$lt>(&$lt mut self $(, $a: $t)*) -> u8 { ($body).run(self) })* }
            }; }",
        );
        assert_eq!(items.len(), 1);
        let text = &items[0];
        assert!(text.contains("fn __cancelsafe_metavar_name"), "{text}");
        assert!(text.contains("'__cancelsafe_metavar_lt"), "{text}");
        assert!(text.contains("({ }) . run (self)"), "{text}");
    }

    #[test]
    fn a_transcriber_that_is_not_items_is_skipped() {
        assert!(expand("macro_rules! add { ($a:expr, $b:expr) => { $a + $b }; }").is_empty());
    }

    #[test]
    fn every_rule_is_tried() {
        let items = expand(
            "macro_rules! two { () => { fn a() {} }; ($t:ty) => { impl $t { fn b(&self) {} } } }",
        );
        assert_eq!(items.len(), 2);
        assert!(items[1].contains("impl __cancelsafe_metavar_t"));
    }
}
