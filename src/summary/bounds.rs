//! The shape limits a file must meet before `syn` parses it.
//!
//! `syn` parses, and this crate walks and drops, syntax trees recursively: one stack frame
//! (or several) per level. Nesting the tokens show (brackets, generic arguments, runs of
//! prefix operators and keywords, operator chains) is measured here on the lexed tokens, so
//! comments and string literals never count. proc-macro2's lexer and its token trees'
//! `Drop` are not recursive.
//!
//! The walk reads `syn`'s own token buffer with a cursor, inside the parse, before
//! `syn::File` is parsed from it: the tokens are lexed and buffered once, and walking them
//! moves nothing (iterating a proc-macro2 group's shared stream would copy its every token).

use std::str::FromStr;

use proc_macro2::{Delimiter, Spacing, TokenStream};
use syn::buffer::Cursor;
use syn::parse::{ParseStream, Parser};

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
    let mut exceeded = None;
    let parsed = (|input: ParseStream| {
        if let Err(limit) = within_limits(input.cursor()) {
            let error = input.error(&limit.0);
            exceeded = Some(limit);
            return Err(error);
        }
        input.parse::<syn::File>()
    })
    .parse2(tokens);
    match exceeded {
        Some((message, at)) => Err(Refusal::TooComplex(message, at)),
        None => Ok(parsed?),
    }
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
struct Level<'a> {
    /// The group's next token.
    at: Cursor<'a>,
    /// Nesting above this group's own tokens.
    base: usize,
    /// `<` not yet closed by `>` since the last statement boundary.
    angles: usize,
    prefix_run: usize,
    chain: usize,
}

impl<'a> Level<'a> {
    fn new(at: Cursor<'a>, base: usize) -> Self {
        Level {
            at,
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

    /// An identifier (or a lifetime's name): a prefix keyword extends a run, any other
    /// name ends it; `as` is an operator.
    fn word(&mut self, ident: &proc_macro2::Ident) {
        let word = Word::of(ident);
        self.prefix_run = if word == Word::PrefixKeyword {
            self.prefix_run + 1
        } else {
            0
        };
        if word == Word::As {
            self.chain += 1;
        }
    }
}

/// A limit crossed: which, as a message, and the token that crossed it.
type Exceeded = (String, proc_macro2::Span);

/// The first limit the tokens from `top` on exceed, if any; walks the token trees with a
/// stack of its own.
fn within_limits(top: Cursor) -> Result<(), Exceeded> {
    let mut stack = vec![Level::new(top, 0)];
    let mut last_punct: Option<char> = None;
    loop {
        let level = stack.last_mut().expect("the top level is popped last");
        let token = level.at;
        if token.eof() {
            stack.pop();
            let Some(parent) = stack.last_mut() else {
                return Ok(());
            };
            parent.prefix_run = 0;
            last_punct = None;
            continue;
        }
        let mut inside = None;
        if let Some((group, delimiter, _, after)) = token.any_group() {
            level.at = after;
            level.prefix_run = 0;
            if delimiter == Delimiter::Brace {
                level.boundary();
            } else {
                // A call or an index applied to what precedes it (`f()()`, `x[0][0]`).
                level.chain += 1;
            }
            last_punct = None;
            inside = Some(group);
        } else if let Some((p, after)) = token.punct() {
            level.at = after;
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
        } else if let Some((ident, after)) = token.ident() {
            level.at = after;
            level.word(&ident);
            last_punct = None;
        } else if let Some((lifetime, after)) = token.lifetime() {
            // Its `'` is an operator token, as the lexer gives it.
            level.at = after;
            level.chain += 1;
            level.prefix_run += 1;
            level.word(&lifetime.ident);
            last_punct = None;
        } else {
            let (_literal, after) = token.token_tree().expect("a token before the end");
            level.at = after;
            level.prefix_run = 0;
            last_punct = None;
        }
        let nesting = level.base + level.angles;
        if nesting > MAX_NESTING {
            return Err((
                format!("nesting deeper than {MAX_NESTING} levels"),
                token.span(),
            ));
        }
        if level.prefix_run > MAX_PREFIX_RUN {
            let message =
                format!("more than {MAX_PREFIX_RUN} prefix operators or keywords in a row");
            return Err((message, token.span()));
        }
        if level.chain > MAX_CHAIN {
            return Err((
                format!("more than {MAX_CHAIN} operators in one expression"),
                token.span(),
            ));
        }
        if let Some(group) = inside {
            stack.push(Level::new(group, nesting + 1));
        }
    }
}

/// The words the limits tell apart.
#[derive(PartialEq)]
enum Word {
    /// Keywords that can repeat with nothing between and nest what follows (`return return
    /// x`, `&mut &mut x`, `*const *const T`, `move || move || x`); others are followed by a
    /// name or a bracket, which ends a run anyway.
    PrefixKeyword,
    As,
    Other,
}

impl Word {
    /// Read from the identifier's text, written once into a small buffer: proc-macro2 lends
    /// no `&str`, and comparing with each keyword in turn cost more than the whole walk.
    fn of(ident: &proc_macro2::Ident) -> Word {
        use std::fmt::Write;
        let mut short = ShortText::default();
        if write!(short, "{ident}").is_err() {
            return Word::Other;
        }
        match &short.bytes[..short.len] {
            b"mut" | b"return" | b"break" | b"yield" | b"move" | b"const" | b"static" => {
                Word::PrefixKeyword
            }
            b"as" => Word::As,
            _ => Word::Other,
        }
    }
}

/// Up to six bytes of text; longer text is refused (no word above is longer).
#[derive(Default)]
struct ShortText {
    bytes: [u8; 6],
    len: usize,
}

impl std::fmt::Write for ShortText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let into = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        into.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The limit `text` crosses, if any (the text need not parse).
    fn limit_hit(text: &str) -> Option<String> {
        let tokens = TokenStream::from_str(text).expect("lexes");
        let mut hit = None;
        let _ = (|input: ParseStream| {
            hit = within_limits(input.cursor())
                .err()
                .map(|(message, _)| message);
            Ok(())
        })
        .parse2(tokens);
        hit
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
    fn keywords_are_told_apart_by_their_whole_text() {
        let run = |word: &str| format!("fn f() {{ {} x }}", format!("&{word} ").repeat(600));
        assert!(
            limit_hit(&run("mut")).is_some(),
            "`&mut` twice per step: 1200"
        );
        assert_eq!(limit_hit(&run("mutable")), None, "a name ends the run");
        assert_eq!(limit_hit(&run("r#mut")), None, "a raw identifier is a name");
        let casts = format!("fn f() {{ x{} }}", " as u8".repeat(5001));
        assert!(limit_hit(&casts).is_some_and(|m| m.contains("operators")));
        let long = format!("fn f() {{ x{} }}", " asx u8".repeat(5001));
        assert_eq!(limit_hit(&long), None);
    }

    #[test]
    fn a_refused_file_names_the_limit_and_the_token_that_crossed_it() {
        let text = format!("fn f() {{\n    x{}\n}}", ".a()".repeat(3000));
        let Err(Refusal::TooComplex(message, at)) = parse_file(&text) else {
            panic!("refused as too complex");
        };
        assert!(message.contains("more than 5000 operators"), "{message}");
        assert_eq!(at.start().line, 2);
    }

    #[test]
    fn a_file_within_the_limits_parses_as_syn_parses_it() {
        let text = "fn f<T>(x: Vec<T>) -> u8 {\n    let y = [1, -2]; g(x)?.h::<u8>() as u8\n}";
        let tokens = |file: syn::File| quote::ToTokens::to_token_stream(&file).to_string();
        let ours = parse_file(text).expect("parses");
        assert_eq!(tokens(ours), tokens(syn::parse_file(text).unwrap()));
        assert!(matches!(parse_file("fn f( {"), Err(Refusal::Syntax(_))));
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
