//! The one Rust lexer of the engine, at the byte level: enough to find tokens, items and
//! matching brackets without mistaking the inside of a comment, a string (raw and byte
//! ones) or a char literal for code, and lifetimes for char literals. Every position is a
//! byte offset into the text, so callers can blank or point at text exactly.
//!
//! It serves what `syn` cannot: `deps/elide.rs` cuts a dependency's text down before it is
//! parsed, `suppress/comments.rs` reads comments (which `syn` and `proc_macro2` drop), and
//! [`crate_names`] runs on every file before any parsing.

use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Token {
    Ident(usize, usize),
    /// `!` (not `!=`).
    Bang,
    /// `#[..]` or `#![..]`: where the `#` is, and the byte range inside the brackets.
    Attribute(usize, usize, usize),
    Open(u8),
    Close(u8),
    Semi,
    /// Punctuation, literals.
    Other,
}

/// A comment: its byte range (a line comment's ends before its newline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Comment {
    pub start: usize,
    pub end: usize,
    /// `//` rather than `/* */`.
    pub line: bool,
    /// A doc comment: `///`, `//!`, `/** */`, `/*! */`.
    pub doc: bool,
}

/// The lexer: [`Lexer::next`] gives the next token; `at` can be moved back to look again.
pub(crate) struct Lexer<'a> {
    pub bytes: &'a [u8],
    /// Where lexing goes on.
    pub at: usize,
    /// Where the last token began.
    pub start: usize,
    /// Comments met, in order (met twice when `at` was moved back over one).
    pub comments: Vec<Comment>,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Self {
        Lexer {
            bytes: text.as_bytes(),
            at: 0,
            start: 0,
            comments: Vec::new(),
        }
    }

    pub fn next(&mut self) -> Option<Token> {
        let b = self.bytes;
        loop {
            let c = *b.get(self.at)?;
            match c {
                b if b.is_ascii_whitespace() => self.at += 1,
                b'/' if b.get(self.at + 1) == Some(&b'/') => self.skip_line(),
                b'/' if b.get(self.at + 1) == Some(&b'*') => self.skip_block_comment(),
                _ => break,
            }
        }
        let c = b[self.at];
        let start = self.at;
        self.start = start;
        if let Some(end) = self.string_end(start) {
            self.at = end;
            return Some(Token::Other);
        }
        if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 {
            let mut i = start;
            if b[i..].starts_with(b"r#") && b.get(i + 2).is_some_and(|&c| is_ident(c)) {
                i += 2;
            }
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            self.at = i;
            return Some(Token::Ident(start, i));
        }
        self.at += 1;
        Some(match c {
            b'{' | b'(' | b'[' => Token::Open(c),
            b'}' | b')' | b']' => Token::Close(c),
            b';' => Token::Semi,
            b'!' if b.get(self.at) != Some(&b'=') => Token::Bang,
            b'\'' => {
                self.skip_char_literal(start);
                Token::Other
            }
            b'#' => {
                let mut i = self.at;
                if b.get(i) == Some(&b'!') {
                    i += 1;
                }
                while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
                    i += 1;
                }
                if b.get(i) == Some(&b'[') {
                    self.at = i;
                    if let Some(close) = self.matching() {
                        self.at = close + 1;
                        return Some(Token::Attribute(start, i + 1, close));
                    }
                }
                Token::Other
            }
            d if d.is_ascii_digit() => {
                while self.at < b.len() && is_ident(b[self.at]) {
                    self.at += 1;
                }
                Token::Other
            }
            _ => Token::Other,
        })
    }

    /// After a `fn`: the name, then the signature up to its body's `{` (or `;` for none).
    /// Returns the body's brace positions.
    /// After `name!` (or `macro_rules! name`): steps over the input group, if there is one.
    pub fn skip_macro_input(&mut self) -> bool {
        let save = self.at;
        let mut token = self.next();
        if let Some(Token::Ident(..)) = token {
            token = self.next();
        }
        if let Some(Token::Open(_)) = token {
            self.at -= 1;
            if let Some(close) = self.matching() {
                self.at = close + 1;
                return true;
            }
        }
        self.at = save;
        false
    }

    /// With `self.at` on an opening bracket: the position of its match.
    pub fn matching(&mut self) -> Option<usize> {
        self.at += 1;
        let mut depth = 1usize;
        while let Some(token) = self.next() {
            match token {
                Token::Open(_) => depth += 1,
                Token::Close(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(self.at - 1);
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn skip_line(&mut self) {
        let start = self.at;
        let b = self.bytes;
        let doc = (b[start..].starts_with(b"///") && !b[start..].starts_with(b"////"))
            || b[start..].starts_with(b"//!");
        while self.at < self.bytes.len() && self.bytes[self.at] != b'\n' {
            self.at += 1;
        }
        self.comments.push(Comment {
            start,
            end: self.at,
            line: true,
            doc,
        });
    }

    fn skip_block_comment(&mut self) {
        let b = self.bytes;
        let start = self.at;
        let doc = (b[start..].starts_with(b"/**")
            && !b[start..].starts_with(b"/***")
            && !b[start..].starts_with(b"/**/"))
            || b[start..].starts_with(b"/*!");
        self.at += 2;
        let mut depth = 1;
        while self.at < b.len() && depth > 0 {
            if b[self.at..].starts_with(b"/*") {
                depth += 1;
                self.at += 2;
            } else if b[self.at..].starts_with(b"*/") {
                depth -= 1;
                self.at += 2;
            } else {
                self.at += 1;
            }
        }
        self.comments.push(Comment {
            start,
            end: self.at,
            line: false,
            doc,
        });
    }

    /// The end of a string literal starting at `start` (`"..."`, `b"..."`, `c"..."`,
    /// `r#"..."#`, `br".."`), if one starts there.
    fn string_end(&self, start: usize) -> Option<usize> {
        let b = self.bytes;
        let mut i = start;
        if start > 0 && is_ident(b[start - 1]) {
            return None;
        }
        if matches!(b[i], b'b' | b'c') {
            i += 1;
        }
        let raw = b.get(i) == Some(&b'r');
        if raw {
            i += 1;
        }
        let hashes = b[i.min(b.len())..]
            .iter()
            .take_while(|&&c| c == b'#')
            .count();
        i += hashes;
        if b.get(i) != Some(&b'"') || (!raw && hashes > 0) {
            return None;
        }
        i += 1;
        while i < b.len() {
            match b[i] {
                b'\\' if !raw => i += 2,
                b'"' if b.len() > i + hashes
                    && b[i + 1..=i + hashes].iter().all(|&c| c == b'#') =>
                {
                    return Some(i + 1 + hashes);
                }
                _ => i += 1,
            }
        }
        Some(b.len())
    }

    /// After a `'`: a char literal (`'a'`, `'\n'`, `'é'`) is skipped; a lifetime or label
    /// (`'a`, `'static`) is left for the identifier that follows.
    fn skip_char_literal(&mut self, quote: usize) {
        let b = self.bytes;
        let i = quote + 1;
        if b.get(i) == Some(&b'\\') {
            let mut j = i + 2;
            while j < b.len() && b[j] != b'\'' && b[j] != b'\n' {
                j += 1;
            }
            self.at = (j + 1).min(b.len());
            return;
        }
        // One character, however many bytes, then a closing quote.
        let len = match b.get(i) {
            Some(&c) if c < 0x80 => 1,
            Some(&c) if c >= 0xf0 => 4,
            Some(&c) if c >= 0xe0 => 3,
            Some(_) => 2,
            None => return,
        };
        if b.get(i + len) == Some(&b'\'') {
            self.at = i + len + 1;
        }
    }
}

pub(crate) fn is_ident(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80
}

/// The crates code names as a path root: `name::` (not after `::`), `use name;`,
/// `extern crate name;`, in attributes too (`#[tracing::instrument]`); not in comments or
/// strings. Only lowercase-first names: `Self::` and `Vec::` are types.
pub(crate) fn crate_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    add_crate_names(text, &mut out);
    out
}

fn add_crate_names(text: &str, out: &mut BTreeSet<String>) {
    let bytes = text.as_bytes();
    let mut lexer = Lexer::new(text);
    while let Some(token) = lexer.next() {
        let (start, end) = match token {
            Token::Ident(start, end) => (start, end),
            // An attribute is one token: its paths are read from its inside.
            Token::Attribute(_, start, end) => {
                add_crate_names(&text[start..end], out);
                continue;
            }
            _ => continue,
        };
        let first = bytes[start];
        let after_path = start > 0 && matches!(bytes[start - 1], b':' | b'$');
        if after_path || !(first.is_ascii_lowercase() || first == b'_') {
            continue;
        }
        let rest = &text[end..];
        let before = text[..start].trim_end();
        if rest.starts_with("::")
            || (rest.starts_with([';', ' ', '\n', ',', '}'])
                && (before.ends_with("use") || before.ends_with("crate")))
        {
            out.insert(text[start..end].to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crate_is_named_by_a_path_or_a_use() {
        assert!(crate_names("let c = redis::Client::open(u)?;").contains("redis"));
        assert!(crate_names("use redis;\n").contains("redis"));
        assert!(crate_names("extern crate redis;").contains("redis"));
        assert!(crate_names("#[tracing::instrument]\nasync fn f() {}").contains("tracing"));
        assert!(!crate_names("let redis_url = 1; fn myredis() {}").contains("redis"));
        assert!(!crate_names("crate::redis::x").contains("redis"));
    }

    #[test]
    fn a_crate_named_in_a_comment_or_a_string_is_not_named_by_code() {
        let text = "// see redis::cmd\n/// [`bytes::Bytes`]\nlet s = \"http::Uri\"; /* use mio; */";
        assert_eq!(crate_names(text), BTreeSet::new());
    }
}
