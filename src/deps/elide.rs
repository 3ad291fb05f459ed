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
    let mut lexer = Lexer {
        bytes,
        at: 0,
        start: 0,
        docs: Vec::new(),
    };
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
    let mut docs = std::mem::take(&mut lexer.docs);
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

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
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

/// A byte-level Rust lexer: enough to find items and matching braces, skipping comments,
/// strings (raw and byte ones), and char literals without mistaking lifetimes for them.
struct Lexer<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Where the last token began.
    start: usize,
    /// Doc comments met (`///`, `//!`, `/** */`, `/*! */`), in order.
    docs: Vec<(usize, usize)>,
}

impl Lexer<'_> {
    fn next(&mut self) -> Option<Token> {
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
    fn fn_body(&mut self) -> Option<(usize, usize)> {
        let save = self.at;
        if !matches!(self.next(), Some(Token::Ident(..))) {
            // `fn(u8) -> u8`: a pointer type, not an item.
            self.at = save;
            return None;
        }
        let (mut round, mut square, mut angle) = (0i32, 0i32, 0i32);
        let mut last = 0u8;
        loop {
            let token = self.next()?;
            match token {
                Token::Open(b'{') if round == 0 && square == 0 && angle <= 0 => {
                    let open = self.at - 1;
                    self.at = open;
                    let close = self.matching()?;
                    self.at = open + 1;
                    return Some((open, close));
                }
                Token::Open(b'(') => round += 1,
                Token::Open(b'[') => square += 1,
                Token::Open(_) => {
                    // A const-generic block in the signature: step over it.
                    self.at -= 1;
                    self.at = self.matching()? + 1;
                }
                Token::Close(b')') => round -= 1,
                Token::Close(b']') => square -= 1,
                Token::Close(_) => return None,
                Token::Semi if round == 0 && square == 0 => return None,
                Token::Other => {
                    let c = self.bytes[self.start];
                    if c == b'<' {
                        angle += 1;
                    } else if c == b'>' && last != b'-' && last != b'=' {
                        angle -= 1;
                    }
                }
                _ => {}
            }
            last = self.bytes[self.at - 1];
        }
    }

    /// After `mod`: for an inline `name {..}`, the name and the closing brace, leaving the
    /// lexer inside; for `name;`, nothing.
    fn inline_mod(&mut self) -> Option<((usize, usize), usize)> {
        let save = self.at;
        let found = (|| {
            let Token::Ident(start, end) = self.next()? else {
                return None;
            };
            let Token::Open(b'{') = self.next()? else {
                return None;
            };
            let open = self.at - 1;
            self.at = open;
            let close = self.matching()?;
            self.at = open + 1;
            Some(((start, end), close))
        })();
        if found.is_none() {
            self.at = save;
        }
        found
    }

    /// From an item's first keyword: where the item ends (past its `;` or closing brace),
    /// and for a module (`mod name;` or `mod name {..}`), its name.
    #[allow(clippy::type_complexity)]
    fn item_end(&mut self) -> Option<(usize, Option<(usize, usize)>)> {
        let save = self.at;
        let found = (|| {
            // `const`, `static`, `type`, `use`: a `{..}` inside does not end them.
            let (mut value_like, mut is_fn, mut after_mod) = (false, false, false);
            let mut macro_rules = false;
            let mut module = None;
            loop {
                match self.next()? {
                    Token::Ident(start, end) => {
                        let word = &self.bytes[start..end];
                        macro_rules |= word == b"macro_rules";
                        if std::mem::take(&mut after_mod) {
                            module = Some((start, end));
                        }
                        match word {
                            b"fn" => is_fn = true,
                            b"const" | b"static" | b"type" | b"use" => value_like = true,
                            b"mod" => after_mod = true,
                            _ => {}
                        }
                    }
                    Token::Semi => return Some((self.at, module)),
                    Token::Open(open) => {
                        self.at -= 1;
                        self.at = self.matching()? + 1;
                        if open == b'{' && (is_fn || !value_like) {
                            return Some((self.at, module));
                        }
                    }
                    Token::Bang => {
                        // `macro_rules! name {..}`, or `( .. );`; elsewhere a macro's
                        // input is stepped over (`const X: ty!() = ..;`, not `impl !Send`)
                        if self.skip_macro_input() && macro_rules {
                            let end = self.at;
                            return Some(match self.next() {
                                Some(Token::Semi) => (self.at, None),
                                _ => (end, None),
                            });
                        }
                    }
                    Token::Close(_) => return None,
                    Token::Attribute(..) | Token::Other => {}
                }
            }
        })();
        if found.is_none() {
            self.at = save;
        }
        found
    }

    /// After `name!` (or `macro_rules! name`): steps over the input group, if there is one.
    fn skip_macro_input(&mut self) -> bool {
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
    fn matching(&mut self) -> Option<usize> {
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
        if doc {
            self.docs.push((start, self.at));
        }
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
        if doc {
            self.docs.push((start, self.at));
        }
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

fn is_ident(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(text: &str, features: &[&str]) -> Prepared {
        let features: Vec<String> = features.iter().map(|f| f.to_string()).collect();
        let out = prepare(
            text,
            &Build {
                features: &features,
            },
        );
        if let Some(blanked) = &out.text {
            assert_eq!(blanked.len(), text.len(), "positions move");
            assert_eq!(
                blanked.matches('\n').count(),
                text.matches('\n').count(),
                "lines move"
            );
        }
        out
    }

    fn blanked(text: &str) -> String {
        let out = prepared(text, &[]).text.unwrap_or_else(|| text.to_string());
        syn::parse_file(&out).expect("still parses");
        words(&out)
    }

    fn words(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn a_sync_body_without_bookkeeping_is_blanked_and_its_signature_kept() {
        let text = "impl Conn {\n    pub fn name(&self) -> &str {\n        &self.name\n    }\n}\n";
        assert_eq!(
            blanked(text),
            "impl Conn { pub fn name(&self) -> &str { } }"
        );
    }

    #[test]
    fn async_code_and_bookkeeping_keep_a_body() {
        for text in [
            "async fn get(&mut self) -> u8 { self.read().await }",
            "pub async unsafe fn get(&mut self) { go() }",
            "fn send(&mut self) -> impl Future { async move { self.read().await } }",
            "fn sent(&mut self) { self.pending += 1; }",
            "fn took(&mut self) { self.waiting.pop_front(); }",
            "fn owed(&mut self) { self.inner.owed -= n; }",
        ] {
            assert_eq!(blanked(text), text, "{text}");
        }
    }

    #[test]
    fn local_counters_and_flags_do_not_keep_a_body() {
        let text =
            "fn count(&mut self) -> usize { let mut i = 0; i += 1; len -= 2; self.done = true; i }";
        assert_eq!(blanked(text), "fn count(&mut self) -> usize { }");
    }

    #[test]
    fn items_the_build_leaves_out_are_blanked_whole() {
        let text = "impl X {\n    #[inline]\n    /// Cancel safety: none.\n    #[cfg(feature = \"raw\")]\n    pub fn raw(&self) {}\n}\n#[cfg(feature = \"t\")]\nmacro_rules! m ( () => {} );\n#[cfg(test)]\nmod tests {\n    #[tokio::test]\n    async fn t() { x().await }\n}\nfn keep() -> u8 { 1 }\n#[cfg(test)] async fn helper() { y().await }\n#[cfg(feature = \"server\")]\n#[derive(Debug)]\npub(crate) struct S { a: u8 }\n#[cfg(feature = \"client\")] pub async fn c() { z().await }\n#[cfg(windows)] const X: Y = Y { a: 1 };\n#[cfg(windows)] pub const Z: ty!() = 0x40;\nstruct F { #[cfg(feature = \"server\")] f: u8 }";
        let out = prepared(text, &["client"]).text.unwrap();
        syn::parse_file(&out).expect("still parses");
        assert_eq!(
            words(&out),
            "impl X { } fn keep() -> u8 { } #[cfg(feature = \"client\")] pub async fn c() { z().await } struct F { #[cfg(feature = \"server\")] f: u8 }"
        );
    }

    #[test]
    fn modules_left_out_are_reported_with_their_files() {
        let text = "#[cfg(feature = \"server\")]\npub mod server;\nmod inner {\n    #[cfg(unix_never)] mod deep;\n}\n#[cfg(feature = \"x\")]\n#[path = \"p.rs\"] mod p;\nmod kept;";
        let out = prepared(&format!("#[path = \"x.rs\"] mod x;\n{text}"), &[]);
        assert_eq!(
            out.dropped_modules,
            vec![
                vec!["server".to_string()],
                vec!["inner".to_string(), "deep".to_string()]
            ]
        );
        assert_eq!(
            words(out.text.as_deref().unwrap()),
            "#[path = \"x.rs\"] mod x; mod inner { } mod kept;"
        );
        assert!(prepared("//! docs\n#![cfg(feature = \"server\")]\nfn a() {}", &[]).compiled_out);
        assert!(!prepared("#![cfg(feature = \"server\")]\nfn a() {}", &["server"]).compiled_out);
    }

    #[test]
    fn doc_comments_are_blanked_unless_they_speak_of_cancellation() {
        let text = "/// Gets a value.\n///\n/// # Examples\nfn a() {}\n/** block */\nfn b() {}\n/// Reads.\n///\n/// # Cancel safety\n/// This method is\n/// cancel safe.\nasync fn c() {}\n//! inner\n//// plain";
        assert_eq!(
            blanked(text),
            "fn a() {} fn b() {} /// Reads. /// /// # Cancel safety /// This method is /// cancel safe. async fn c() {} //// plain"
        );
    }

    #[test]
    fn macros_are_left_alone() {
        let text = "macro_rules! m { ($name:ident) => { fn $name(&self) -> u8 { 1 } } }\ncfg_if::cfg_if! { if #[cfg(unix)] { fn a() { b() } } }";
        assert_eq!(blanked(text), words(text));
    }

    #[test]
    fn strings_comments_chars_and_lifetimes_do_not_confuse_the_braces() {
        let text = r####"fn a<'a>(x: &'a str) -> char { let s = "}{"; let r = r#"}"#; /* } */ // }
    let c = '}'; let d = '\''; '{' }
fn b() -> u8 { 2 }"####;
        assert_eq!(
            blanked(text),
            "fn a<'a>(x: &'a str) -> char { } fn b() -> u8 { }"
        );
    }

    #[test]
    fn fn_pointer_types_generics_and_where_clauses() {
        let text = "fn a<F: Fn(u8) -> Vec<u8>>(f: F, g: fn(u8) -> u8) -> Box<dyn Fn() -> u8> where F: Clone { f(1) }\nfn spaced < T > (t: T) -> Vec < T > where T: Into < u8 > { t }\ntrait T { fn decl(&self); fn dflt(&self) -> u8 { 3 } }\nimpl !Send for X {}\nfn never() -> ! { loop {} }";
        assert_eq!(
            blanked(text),
            "fn a<F: Fn(u8) -> Vec<u8>>(f: F, g: fn(u8) -> u8) -> Box<dyn Fn() -> u8> where F: Clone { } fn spaced < T > (t: T) -> Vec < T > where T: Into < u8 > { } trait T { fn decl(&self); fn dflt(&self) -> u8 { } } impl !Send for X {} fn never() -> ! { }"
        );
    }
}
