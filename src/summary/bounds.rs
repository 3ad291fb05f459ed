//! The shape limits a file must meet before `syn` parses it.
//!
//! `syn` parses, and this crate walks and drops, syntax trees recursively: one stack frame
//! (or several) per level. Nesting the tokens show (brackets, generic arguments, runs of
//! prefix operators and keywords, operator chains) is measured here on the lexed tokens, so
//! comments and string literals never count. Lexing is done once: the same tokens are then
//! handed to `syn`. proc-macro2's lexer and its token trees' `Drop` are not recursive.
//!
//! The walk takes the tokens by value and hands back the same trees: iterating a token
//! stream that is still shared (a group's) copies its every token, so each group is
//! taken apart, walked, and rebuilt with its delimiter and span.

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
    let tokens =
        within_limits(tokens).map_err(|(exceeded, at)| Refusal::TooComplex(exceeded, at))?;
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
    /// The group being walked (`None` at the top), rebuilt from `walked` when it ends.
    group: Option<(Delimiter, proc_macro2::Span)>,
    walked: TokenStream,
    /// Nesting above this group's own tokens.
    base: usize,
    /// `<` not yet closed by `>` since the last statement boundary.
    angles: usize,
    prefix_run: usize,
    chain: usize,
}

impl Level {
    fn new(
        tokens: TokenStream,
        group: Option<(Delimiter, proc_macro2::Span)>,
        base: usize,
    ) -> Self {
        Level {
            tokens: tokens.into_iter(),
            group,
            walked: TokenStream::new(),
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

/// A limit crossed: which, as a message, and the token that crossed it.
type Exceeded = (String, proc_macro2::Span);

/// `tokens` back, unchanged, or the first limit they exceed; walks the token trees with a
/// stack of its own.
fn within_limits(tokens: TokenStream) -> Result<TokenStream, Exceeded> {
    let mut stack = vec![Level::new(tokens, None, 0)];
    let mut last_punct: Option<char> = None;
    loop {
        let level = stack.last_mut().expect("the top level is popped last");
        let Some(token) = level.tokens.next() else {
            let done = stack.pop().expect("a level ended");
            let Some((delimiter, span)) = done.group else {
                return Ok(done.walked);
            };
            let mut group = proc_macro2::Group::new(delimiter, done.walked);
            group.set_span(span);
            let parent = stack.last_mut().expect("a group has a parent level");
            parent.walked.extend([TokenTree::Group(group)]);
            parent.prefix_run = 0;
            last_punct = None;
            continue;
        };
        let span = token.span();
        match &token {
            TokenTree::Group(g) => {
                level.prefix_run = 0;
                if g.delimiter() == Delimiter::Brace {
                    level.boundary();
                } else {
                    // A call or an index applied to what precedes it (`f()()`, `x[0][0]`).
                    level.chain += 1;
                }
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
        let nesting = level.base + level.angles;
        if nesting > MAX_NESTING {
            return Err((format!("nesting deeper than {MAX_NESTING} levels"), span));
        }
        if level.prefix_run > MAX_PREFIX_RUN {
            let message =
                format!("more than {MAX_PREFIX_RUN} prefix operators or keywords in a row");
            return Err((message, span));
        }
        if level.chain > MAX_CHAIN {
            return Err((
                format!("more than {MAX_CHAIN} operators in one expression"),
                span,
            ));
        }
        match token {
            TokenTree::Group(g) => {
                let (delimiter, stream) = (g.delimiter(), g.stream());
                // Dropped first, so the group's stream is no longer shared and is walked
                // without a copy.
                drop(g);
                stack.push(Level::new(stream, Some((delimiter, span)), nesting + 1));
            }
            other => level.walked.extend([other]),
        }
    }
}

/// Keywords that can repeat with nothing between and nest what follows (`return return x`,
/// `&mut &mut x`, `*const *const T`, `move || move || x`); others are followed by a name or
/// a bracket, which ends a run anyway.
const PREFIX_KEYWORDS: &[&str] = &["mut", "return", "break", "yield", "move", "const", "static"];

#[cfg(test)]
mod tests {
    use super::*;

    fn limit_hit(text: &str) -> Option<String> {
        within_limits(TokenStream::from_str(text).expect("lexes"))
            .err()
            .map(|(message, _)| message)
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
    fn the_walked_tokens_are_the_lexed_ones_with_their_spans() {
        let text = "fn f<T>(x: Vec<T>) -> u8 {\n    let y = [1, -2]; g(x)?.h::<u8>() as u8\n}";
        let lexed = TokenStream::from_str(text).unwrap();
        let walked = within_limits(lexed.clone()).unwrap();
        assert_eq!(walked.to_string(), lexed.to_string());
        fn spans(tokens: TokenStream, out: &mut Vec<String>) {
            for token in tokens {
                out.push(format!("{:?}", token.span()));
                if let TokenTree::Group(g) = token {
                    out.push(format!("{:?} {:?}", g.span_open(), g.span_close()));
                    spans(g.stream(), out);
                }
            }
        }
        let (mut before, mut after) = (Vec::new(), Vec::new());
        spans(lexed, &mut before);
        spans(walked, &mut after);
        assert_eq!(before, after);
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
