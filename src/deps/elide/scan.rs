//! The walk over a dependency file's tokens for [`prepare`](super::prepare): which items
//! the build leaves out (with their attributes), which sync bodies can go, and which
//! `mod x;` files are not compiled.

use super::body_is_needed;
use crate::deps::cfg::Build;
use crate::lex::{Comment, Lexer, Token};

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

/// What the walk found.
pub(super) struct Found {
    /// Sync fn bodies to blank.
    pub blanks: Vec<(usize, usize)>,
    /// Items the build leaves out, from their first attribute.
    pub items_left_out: Vec<(usize, usize)>,
    /// See [`Prepared::dropped_modules`](super::Prepared::dropped_modules).
    pub dropped_modules: Vec<Vec<String>>,
    /// Every comment met (some twice: the lexer steps back over what it looked ahead at).
    pub comments: Vec<Comment>,
}

pub(super) struct Scan<'t, 'b> {
    text: &'t str,
    build: &'b Build<'b>,
    lexer: Lexer<'t>,
    /// Sync fn bodies to blank.
    blanks: Vec<(usize, usize)>,
    items_left_out: Vec<(usize, usize)>,
    dropped_modules: Vec<Vec<String>>,
    /// The previous token, when an identifier: `async fn`, `name!`, `pub(crate)`.
    prev_ident: Option<&'t str>,
    async_qualifier: bool,
    /// Where the attributes of an item the build leaves out begin.
    left_out: Option<usize>,
    /// Where the current run of attributes began: an item left out takes them all.
    run_start: usize,
    /// The current run of attributes has a `#[path]`.
    has_path: bool,
    /// Inline modules we are inside: name and closing brace.
    inline_mods: Vec<(&'t str, usize)>,
    /// Sync fn bodies a caller cannot see through are blanked (a dependency's, not a
    /// scanned file's).
    pub(super) blank_sync_bodies: bool,
    /// Inner attributes before anything else are the file's own (`#![cfg(..)]`).
    at_top: bool,
    last_was_attribute: bool,
}

impl<'t, 'b> Scan<'t, 'b> {
    pub(super) fn new(text: &'t str, build: &'b Build<'b>) -> Self {
        Scan {
            text,
            build,
            lexer: Lexer::new(text),
            blanks: Vec::new(),
            items_left_out: Vec::new(),
            dropped_modules: Vec::new(),
            prev_ident: None,
            async_qualifier: false,
            left_out: None,
            run_start: 0,
            has_path: false,
            inline_mods: Vec::new(),
            blank_sync_bodies: true,
            at_top: true,
            last_was_attribute: false,
        }
    }

    /// Walks the whole file; `None` when the file itself is not compiled.
    pub(super) fn run(&mut self) -> Option<()> {
        while let Some(token) = self.lexer.next() {
            let prev_attribute = std::mem::replace(&mut self.last_was_attribute, false);
            if !matches!(token, Token::Attribute(..)) {
                self.at_top = false;
            } else {
                self.last_was_attribute = true;
            }
            while self
                .inline_mods
                .last()
                .is_some_and(|&(_, close)| self.lexer.at > close)
            {
                self.inline_mods.pop();
            }
            match token {
                Token::Ident(start, end) => self.ident(start, end),
                Token::Bang => {
                    // `name! {..}` / `macro_rules! name {..}`: macro input is not Rust we
                    // can blank safely (`fn $name(..) $body`); skip it whole.
                    if self.prev_ident.is_some() {
                        self.lexer.skip_macro_input();
                    }
                    self.prev_ident = None;
                    self.left_out = None;
                }
                Token::Attribute(hash, start, end) => {
                    self.attribute(hash, start, end, prev_attribute)?;
                }
                Token::Open(b'(') if self.left_out.is_some() && self.prev_ident == Some("pub") => {
                    // `pub(crate)` of an item left out.
                    self.lexer.at -= 1;
                    match self.lexer.matching() {
                        Some(close) => self.lexer.at = close + 1,
                        None => self.left_out = None,
                    }
                }
                Token::Open(_) | Token::Close(_) | Token::Semi | Token::Other => {
                    self.prev_ident = None;
                    self.async_qualifier = false;
                    self.left_out = None;
                }
            }
        }
        Some(())
    }

    pub(super) fn finish(self) -> Found {
        Found {
            blanks: self.blanks,
            items_left_out: self.items_left_out,
            dropped_modules: self.dropped_modules,
            comments: self.lexer.comments,
        }
    }

    fn ident(&mut self, start: usize, end: usize) {
        let word = &self.text[start..end];
        if let Some(from) = self.left_out.take() {
            if word == "pub" {
                self.left_out = Some(from);
            } else if ITEM_KEYWORDS.contains(&word) && self.leave_out_item(from, start, end) {
                self.prev_ident = None;
                return;
            }
        }
        match word {
            "async" => self.async_qualifier = true,
            "fn" => {
                let is_async = std::mem::take(&mut self.async_qualifier);
                if let Some((open, close)) = self.lexer.fn_body() {
                    if self.blank_sync_bodies
                        && !is_async
                        && !body_is_needed(&self.text[open + 1..close])
                    {
                        self.blanks.push((open + 1, close));
                        self.lexer.at = close + 1;
                    }
                }
            }
            "mod" => {
                if let Some(((start, end), close)) = self.lexer.inline_mod() {
                    self.inline_mods.push((&self.text[start..end], close));
                }
                self.async_qualifier = false;
            }
            "pub" | "unsafe" | "crate" | "super" | "in" | "default" => {}
            _ => self.async_qualifier = false,
        }
        self.prev_ident = Some(word);
    }

    /// The item whose first keyword spans `keyword..keyword_end`, its attributes from
    /// `from`, is left out (a `mod x;` so left out is noted): whether its end was found and
    /// stepped past. If not, the lexer goes on after the keyword.
    fn leave_out_item(&mut self, from: usize, keyword: usize, keyword_end: usize) -> bool {
        self.lexer.at = keyword;
        let Some((end, module)) = self.lexer.item_end() else {
            self.lexer.at = keyword_end;
            return false;
        };
        self.items_left_out.push((from, end));
        if let (Some(module), false) = (module, self.has_path) {
            let mut path: Vec<String> = self
                .inline_mods
                .iter()
                .map(|(n, _)| n.to_string())
                .collect();
            path.push(self.text[module.0..module.1].to_string());
            self.dropped_modules.push(path);
        }
        self.lexer.at = end;
        true
    }

    /// `None` when the attribute is the file's own and the build leaves the file out.
    fn attribute(
        &mut self,
        hash: usize,
        start: usize,
        end: usize,
        prev_attribute: bool,
    ) -> Option<()> {
        let attr: String = self.text[start..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let inner = self.text.as_bytes().get(hash + 1) == Some(&b'!');
        if !prev_attribute {
            self.run_start = hash;
        }
        // The first attribute of an item's run starts its `#[path]` afresh.
        self.has_path = (self.has_path && prev_attribute) || attr.starts_with("path");
        if !self.build.keeps(&attr) {
            if inner && self.at_top {
                return None;
            }
            if !inner {
                self.left_out.get_or_insert(self.run_start);
            }
        }
        self.prev_ident = None;
        Some(())
    }
}
