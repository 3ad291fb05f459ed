//! Item-level steps of the lexer for [`prepare`](super::prepare): a fn's body, an inline
//! module, where an item ends.

use crate::lex::{Lexer, Token};

impl Lexer<'_> {
    /// After a `fn`: the name, then the signature up to its body's `{` (or `;` for none).
    /// Returns the body's brace positions.
    pub(super) fn fn_body(&mut self) -> Option<(usize, usize)> {
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
    pub(super) fn inline_mod(&mut self) -> Option<((usize, usize), usize)> {
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
    pub(super) fn item_end(&mut self) -> Option<(usize, Option<(usize, usize)>)> {
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
}
