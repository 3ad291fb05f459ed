//! What a dependency's source needs to keep for its [`Interface`](super::Interface), cut
//! down before it is parsed: parsing is most of a cold run's cost, and most of a crate's
//! text is code the build leaves out or sync code whose body cannot change what the
//! scanned code sees.
//!
//! - Items and modules under a `#[cfg(..)]` the build does not satisfy (a feature that is
//!   off, another platform, `test`) are not compiled: blanked whole, and a `mod x;` so
//!   blanked takes its files with it ([`Prepared::dropped_modules`]).
//! - A sync fn's body has no awaits: its effects are empty, whatever it calls. What the
//!   analysis reads in one is only the bookkeeping an async caller relies on (`+= 1` or
//!   `-= 1` on a field, `pop_front()`) and the `async` blocks it builds; a body with none
//!   of those is blanked.
//! - Doc comments become attributes the parser has to build: a run of them is blanked
//!   unless it speaks of cancellation (a `# Cancel safety` section is read).
//!
//! Signatures, types, impl headers, `Deref` targets, aliases and macros stay as written,
//! and blanking keeps every byte's line and column (text becomes spaces and newlines).

use super::cfg::Build;
use crate::lex::{Lexer, Token};

mod items;
#[cfg(test)]
mod tests;

/// Text in a body that keeps it (conservative: a word in a comment keeps it too).
const KEEPS_A_BODY: &[&str] = &["async", "await", ".pop"];

/// Keywords an item can start with (after attributes and `pub(..)`).
const ITEM_KEYWORDS: &[&str] = &[
    "fn",
    "async",
    "unsafe",
    "const",
    "static",
    "mod",
    "use",
    "impl",
    "trait",
    "struct",
    "enum",
    "union",
    "type",
    "extern",
    "macro_rules",
    "default",
    "auto",
];

/// Whether a sync body has what an async caller relies on: an `async` block, or a count of
/// owed replies kept in a field (`self.pending += 1`, `self.waiting.pop_front()`).
/// `i += 1` on a local counts nothing a caller sees.
fn body_is_needed(body: &str) -> bool {
    if KEEPS_A_BODY.iter().any(|k| body.contains(k)) {
        return true;
    }
    ["+=", "-="].iter().any(|op| {
        body.match_indices(op).any(|(at, _)| {
            let left = &body[..at];
            let statement = left.rsplit([';', '{', '}', '\n']).next().unwrap_or(left);
            statement.contains('.')
        })
    })
}

/// A dependency file made ready for parsing.
#[derive(Debug, Default, PartialEq)]
pub struct Prepared {
    /// The text with what is not needed blanked (`None`: nothing was).
    pub text: Option<String>,
    /// The file is not compiled at all (`#![cfg(..)]` at its top does not hold).
    pub compiled_out: bool,
    /// `mod x;` declarations the build leaves out, as the module path below this file
    /// (`a::x` inside an inline `mod a {..}`): their files are not compiled either. A
    /// `#[path]` module is not listed (it is kept).
    pub dropped_modules: Vec<Vec<String>>,
}

/// Prepares one dependency file for `build` (see the module docs).
pub fn prepare(text: &str, build: &Build) -> Prepared {
    let bytes = text.as_bytes();
    let mut out = Prepared::default();
    let mut blanks: Vec<(usize, usize)> = Vec::new();
    let mut lexer = Lexer::new(text);
    // The previous token, when an identifier: `async fn`, `name!`, `pub(crate)`.
    let mut prev_ident: Option<&str> = None;
    let mut async_qualifier = false;
    // Where the attributes of an item the build leaves out begin, and its `#[path]`.
    let mut left_out: Option<usize> = None;
    // Where the current run of attributes began: an item left out takes them all.
    let mut run_start = 0usize;
    let mut items_left_out: Vec<(usize, usize)> = Vec::new();
    let mut has_path = false;
    // Inline modules we are inside: name and closing brace.
    let mut inline_mods: Vec<(&str, usize)> = Vec::new();
    // Inner attributes before anything else are the file's own (`#![cfg(..)]`).
    let mut at_top = true;
    let mut last_was_attribute = false;
    while let Some(token) = lexer.next() {
        let prev_attribute = std::mem::replace(&mut last_was_attribute, false);
        if !matches!(token, Token::Attribute(..)) {
            at_top = false;
        } else {
            last_was_attribute = true;
        }
        while inline_mods
            .last()
            .is_some_and(|&(_, close)| lexer.at > close)
        {
            inline_mods.pop();
        }
        match token {
            Token::Ident(start, end) => {
                let word = &text[start..end];
                if let Some(from) = left_out.take() {
                    if word == "pub" {
                        left_out = Some(from);
                    } else if ITEM_KEYWORDS.contains(&word) {
                        lexer.at = start;
                        if let Some((end, module)) = lexer.item_end() {
                            items_left_out.push((from, end));
                            if let (Some(module), false) = (module, has_path) {
                                let mut path: Vec<String> =
                                    inline_mods.iter().map(|(n, _)| n.to_string()).collect();
                                path.push(text[module.0..module.1].to_string());
                                out.dropped_modules.push(path);
                            }
                            lexer.at = end;
                            prev_ident = None;
                            continue;
                        }
                        lexer.at = end;
                    }
                }
                match word {
                    "async" => async_qualifier = true,
                    "fn" => {
                        let is_async = std::mem::take(&mut async_qualifier);
                        if let Some((open, close)) = lexer.fn_body() {
                            if !is_async && !body_is_needed(&text[open + 1..close]) {
                                blanks.push((open + 1, close));
                                lexer.at = close + 1;
                            }
                        }
                    }
                    "mod" => {
                        if let Some(((start, end), close)) = lexer.inline_mod() {
                            inline_mods.push((&text[start..end], close));
                        }
                        async_qualifier = false;
                    }
                    "pub" | "unsafe" | "crate" | "super" | "in" | "default" => {}
                    _ => async_qualifier = false,
                }
                prev_ident = Some(word);
            }
            Token::Bang => {
                // `name! {..}` / `macro_rules! name {..}`: macro input is not Rust we can
                // blank safely (`fn $name(..) $body`); skip it whole.
                if prev_ident.is_some() {
                    lexer.skip_macro_input();
                }
                prev_ident = None;
                left_out = None;
            }
            Token::Attribute(hash, start, end) => {
                let attr: String = text[start..end]
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                let inner = bytes.get(hash + 1) == Some(&b'!');
                if !prev_attribute {
                    run_start = hash;
                }
                // The first attribute of an item's run starts its `#[path]` afresh.
                has_path = (has_path && prev_attribute) || attr.starts_with("path");
                if !build.keeps(&attr) {
                    if inner && at_top {
                        out.compiled_out = true;
                        return out;
                    }
                    if !inner {
                        left_out.get_or_insert(run_start);
                    }
                }
                prev_ident = None;
            }
            Token::Open(b'(') if left_out.is_some() && prev_ident == Some("pub") => {
                // `pub(crate)` of an item left out.
                lexer.at -= 1;
                match lexer.matching() {
                    Some(close) => lexer.at = close + 1,
                    None => left_out = None,
                }
            }
            Token::Open(_) | Token::Close(_) | Token::Semi | Token::Other => {
                prev_ident = None;
                async_qualifier = false;
                left_out = None;
            }
        }
    }
    // The lexer steps back over what it looked ahead at: the same comment can be met twice.
    let mut docs: Vec<(usize, usize)> = lexer
        .comments
        .iter()
        .filter(|c| c.doc)
        .map(|c| (c.start, c.end))
        .collect();
    docs.sort_unstable();
    docs.dedup();
    blanks.extend(unneeded_docs(text, &docs));
    // An item's doc comments go with it (one about cancellation would be kept, alone).
    for (mut from, end) in items_left_out {
        let before = docs.partition_point(|&(_, doc_end)| doc_end <= from);
        for &(start, doc_end) in docs[..before].iter().rev() {
            if !text[doc_end..from].trim().is_empty() {
                break;
            }
            from = start;
        }
        blanks.push((from, end));
    }
    if blanks.is_empty() {
        return out;
    }
    let mut blanked = bytes.to_vec();
    for (start, end) in blanks {
        let end = end.min(blanked.len());
        for b in &mut blanked[start..end] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    // Ranges begin and end at ASCII bytes: whole characters become spaces, still UTF-8.
    out.text = String::from_utf8(blanked).ok();
    out
}

/// Runs of doc comments (nothing but whitespace between them) that do not mention
/// cancellation.
fn unneeded_docs(text: &str, docs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &(start, end) in docs {
        match runs.last_mut() {
            Some(run) if run.1 <= start && text[run.1..start].trim().is_empty() => run.1 = end,
            _ => runs.push((start, end)),
        }
    }
    runs.retain(|&(start, end)| !text[start..end].contains("ancel"));
    runs
}
