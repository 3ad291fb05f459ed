//! The shape limits a file must meet before `syn` parses it.
//!
//! `syn` parses, and this crate walks and drops, syntax trees recursively: one stack frame
//! (or several) per level. Nesting the tokens show (brackets, generic arguments, runs of
//! prefix operators and keywords, operator chains) is measured here on the lexed tokens, so
//! comments and string literals never count. Lexing is done once: the same tokens are then
//! handed to `syn`. proc-macro2's lexer and its token trees' `Drop` are not recursive.

use std::str::FromStr;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// Deepest nesting of brackets and generic arguments analysed.
pub const MAX_NESTING: usize = 1_000;
/// Longest run of prefix operators or keywords (`!!!!x`, `&&&&x`, `return return x`).
pub const MAX_PREFIX_RUN: usize = 1_000;
/// Most operators in one expression (`a.b().c()..`, `1 + 1 + ..`): each is a tree level.
pub const MAX_CHAIN: usize = 5_000;

/// Why a file is not parsed.
#[derive(Debug)]
pub enum Refusal {
    Syntax(syn::Error),
    /// Past one of the limits above: which, and the token where it was crossed.
    TooComplex(String, proc_macro2::Span),
}

impl From<syn::Error> for Refusal {
    fn from(e: syn::Error) -> Self {
        Refusal::Syntax(e)
    }
}

/// `syn::parse_file`, with the limits checked between lexing and parsing.
pub fn parse_file(text: &str) -> Result<syn::File, Refusal> {
    let content = code_after_bom_and_shebang(text);
    let tokens = TokenStream::from_str(content).map_err(syn::Error::from)?;
    if let Some((exceeded, at)) = exceeded_limit(&tokens) {
        return Err(Refusal::TooComplex(exceeded, at));
    }
    Ok(syn::parse2(tokens)?)
}

/// What `syn::parse_file` skips before lexing: a byte-order mark and a `#!` line that is
/// not an inner attribute (`#![..]`). The newline stays, so lines keep their numbers.
fn code_after_bom_and_shebang(text: &str) -> &str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match text.strip_prefix("#!") {
        Some(rest) if !rest.trim_start().starts_with('[') => {
            text.find('\n').map_or("", |newline| &text[newline..])
        }
        _ => text,
    }
}

/// What one group's tokens have shown so far.
struct Level {
    tokens: proc_macro2::token_stream::IntoIter,
    /// Nesting above this group's own tokens.
    base: usize,
    /// `<` not yet closed by `>` since the last statement boundary.
    angles: usize,
    prefix_run: usize,
    chain: usize,
}

impl Level {
    fn new(tokens: TokenStream, base: usize) -> Self {
        Level {
            tokens: tokens.into_iter(),
            base,
            angles: 0,
            prefix_run: 0,
            chain: 0,
        }
    }

    /// A `;`, `,`, `=>` or a `{ .. }` block ends an expression: nothing nests across it.
    fn boundary(&mut self) {
        self.angles = 0;
        self.chain = 0;
    }
}

/// The first limit `tokens` exceed, as a message, and the token that crossed it; walks the
/// token trees with a stack of its own.
fn exceeded_limit(tokens: &TokenStream) -> Option<(String, proc_macro2::Span)> {
    let mut stack = vec![Level::new(tokens.clone(), 0)];
    let mut last_punct: Option<char> = None;
    while let Some(level) = stack.last_mut() {
        let Some(token) = level.tokens.next() else {
            stack.pop();
            if let Some(parent) = stack.last_mut() {
                parent.prefix_run = 0;
            }
            last_punct = None;
            continue;
        };
        let mut opened = None;
        match &token {
            TokenTree::Group(g) => {
                level.prefix_run = 0;
                if g.delimiter() == Delimiter::Brace {
                    level.boundary();
                }
                if g.delimiter() != Delimiter::Brace {
                    // A call or an index applied to what precedes it (`f()()`, `x[0][0]`).
                    level.chain += 1;
                }
                opened = Some((g.stream(), level.base + level.angles + 1));
                last_punct = None;
            }
            TokenTree::Punct(p) => {
                let c = p.as_char();
                let arrow = matches!(last_punct, Some('-' | '=')) && c == '>';
                match c {
                    ';' | ',' => level.boundary(),
                    '>' if arrow && last_punct == Some('=') => level.boundary(),
                    '<' => level.angles += 1,
                    '>' if !arrow => level.angles = level.angles.saturating_sub(1),
                    _ => {}
                }
                if !matches!(c, ';' | ',') {
                    level.chain += 1;
                    level.prefix_run += 1;
                }
                last_punct = (p.spacing() == Spacing::Joint).then_some(c);
            }
            TokenTree::Ident(i) => {
                let keyword = PREFIX_KEYWORDS.iter().any(|k| i == k);
                level.prefix_run = if keyword { level.prefix_run + 1 } else { 0 };
                if i == "as" {
                    level.chain += 1;
                }
                last_punct = None;
            }
            TokenTree::Literal(_) => {
                level.prefix_run = 0;
                last_punct = None;
            }
        }
        if level.base + level.angles > MAX_NESTING {
            return Some((
                format!("nesting deeper than {MAX_NESTING} levels"),
                token.span(),
            ));
        }
        if level.prefix_run > MAX_PREFIX_RUN {
            return Some((
                format!("more than {MAX_PREFIX_RUN} prefix operators or keywords in a row"),
                token.span(),
            ));
        }
        if level.chain > MAX_CHAIN {
            return Some((
                format!("more than {MAX_CHAIN} operators in one expression"),
                token.span(),
            ));
        }
        if let Some((tokens, base)) = opened {
            stack.push(Level::new(tokens, base));
        }
    }
    None
}

/// Keywords that can repeat with nothing between and nest what follows (`return return x`,
/// `&mut &mut x`, `*const *const T`, `move || move || x`); others are followed by a name or
/// a bracket, which ends a run anyway.
const PREFIX_KEYWORDS: &[&str] = &["mut", "return", "break", "yield", "move", "const", "static"];

#[cfg(test)]
mod tests {
    use super::*;

    fn limit_hit(text: &str) -> Option<String> {
        exceeded_limit(&TokenStream::from_str(text).expect("lexes")).map(|(message, _)| message)
    }

    #[test]
    fn comments_and_strings_never_count() {
        let dashes = format!(
            "// {}\n/* {} */ fn f() {{ \"{}\"; }}",
            "-".repeat(5000),
            "(".repeat(5000),
            "<".repeat(5000)
        );
        assert_eq!(limit_hit(&dashes), None);
    }

    #[test]
    fn a_comparison_does_not_close_a_bracket() {
        let braces = format!(
            "fn f() {{ {}{} }}",
            "{ 1>2; ".repeat(2000),
            "}".repeat(2000)
        );
        assert!(limit_hit(&braces).is_some_and(|m| m.contains("nesting")));
    }

    #[test]
    fn generic_arguments_nest() {
        let ty = format!("type T = {}u8{};", "Vec<".repeat(1500), ">".repeat(1500));
        assert!(limit_hit(&ty).is_some_and(|m| m.contains("nesting")));
        let arrows = "fn f() -> Vec<u8> { match x { 1 => a < b, _ => c < d } }".repeat(2000);
        assert_eq!(limit_hit(&arrows), None, "`->` and `=>` are not angles");
    }

    #[test]
    fn prefix_runs_and_chains() {
        assert!(limit_hit(&format!("fn f() {{ {}x }}", "!".repeat(1500))).is_some());
        assert!(limit_hit(&format!("fn f() {{ x{} }}", ".a()".repeat(6000))).is_some());
        let table = format!("const T: [i32; 9000] = [{}];", "-1, ".repeat(9000));
        assert_eq!(limit_hit(&table), None, "elements are separate expressions");
    }

    #[test]
    fn a_shebang_is_skipped_and_an_inner_attribute_kept() {
        assert_eq!(
            code_after_bom_and_shebang("#!/bin/sh\nfn f() {}"),
            "\nfn f() {}"
        );
        assert_eq!(code_after_bom_and_shebang("#![allow(x)]"), "#![allow(x)]");
        assert_eq!(code_after_bom_and_shebang("\u{feff}fn f() {}"), "fn f() {}");
    }
}
