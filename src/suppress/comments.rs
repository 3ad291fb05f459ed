//! Comment directives: `// cancelsafe: allow(RULE, ..) -- reason`.
//!
//! A small lexer finds the `//` comments that really are comments (not inside a string,
//! raw string, char literal or block comment), so directives quoted in strings or docs do
//! not count. Doc comments (`///`, `//!`) are never directives.

/// A `//` comment: its byte range (from the slashes to the end of the line, no newline),
/// and whether only whitespace comes before it on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
    pub own_line: bool,
}

/// What a `cancelsafe: allow` comment says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// `allow(names..)`, with the text after ` -- ` when it is not empty.
    Allow {
        names: Vec<String>,
        reason: Option<String>,
    },
    /// Starts like a directive but the rule list cannot be read.
    Malformed,
}

/// Every `//` comment of `text`, in order.
pub fn line_comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
                out.push(Comment {
                    start: i,
                    end: end - usize::from(text[..end].ends_with('\r')),
                    own_line: text[line_start..i].trim().is_empty(),
                });
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i),
            b'"' => i = skip_string(bytes, i + 1),
            b'r' if !follows_ident(bytes, i) || ends_with_byte_prefix(bytes, i) => {
                i = skip_raw_string(bytes, i + 1).unwrap_or(i + 1)
            }
            b'\'' => i = skip_char_literal(text, i),
            _ => i += 1,
        }
    }
    out
}

/// Reads a comment as a directive; `None` when it is not one.
pub fn parse(comment: &str) -> Option<Parsed> {
    let body = comment.strip_prefix("//")?;
    if body.starts_with(['/', '!']) {
        return None;
    }
    let rest = body.trim_start().strip_prefix("cancelsafe:")?.trim_start();
    let rest = rest.strip_prefix("allow")?;
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let Some((list, after)) = rest
        .trim_start()
        .strip_prefix('(')
        .and_then(|r| r.split_once(')'))
    else {
        return Some(Parsed::Malformed);
    };
    let names: Vec<String> = list.split(',').map(|n| n.trim().to_string()).collect();
    let well_formed = |n: &String| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    if !names.iter().all(well_formed) {
        return Some(Parsed::Malformed);
    }
    let reason = after
        .trim()
        .strip_prefix("--")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    Some(Parsed::Allow { names, reason })
}

fn follows_ident(bytes: &[u8], i: usize) -> bool {
    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
}

/// `br"..."`, `cr"..."`: the `r` follows a lone `b` or `c`.
fn ends_with_byte_prefix(bytes: &[u8], i: usize) -> bool {
    i > 0 && matches!(bytes[i - 1], b'b' | b'c') && !follows_ident(bytes, i - 1)
}

/// From the byte after an opening `"` to the byte after the closing one.
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// From the byte after `r` of `r#"..."#`; `None` when it is not a raw string after all
/// (an identifier like `r` or `r#type`).
fn skip_raw_string(bytes: &[u8], start: usize) -> Option<usize> {
    let hashes = bytes[start..].iter().take_while(|&&b| b == b'#').count();
    let open = start + hashes;
    if bytes.get(open) != Some(&b'"') {
        return None;
    }
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == b'"'
            && bytes[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&b| b == b'#')
                .count()
                == hashes
        {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(bytes.len())
}

fn skip_block_comment(bytes: &[u8], start: usize) -> usize {
    let (mut depth, mut i) = (0usize, start);
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// A char literal (`'x'`, `'\n'`, `'é'`) is skipped whole; a lifetime only its quote.
fn skip_char_literal(text: &str, start: usize) -> usize {
    let rest = &text[start + 1..];
    let mut chars = rest.char_indices();
    match chars.next() {
        Some((_, '\\')) => rest[1..]
            .char_indices()
            .skip(1)
            .find(|&(_, c)| c == '\'')
            .map_or(text.len(), |(n, _)| start + 2 + n + 1),
        Some((_, c)) if chars.next().is_some_and(|(_, q)| q == '\'') => {
            start + 1 + c.len_utf8() + 1
        }
        _ => start + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment_texts(text: &str) -> Vec<&str> {
        line_comments(text)
            .into_iter()
            .map(|c| &text[c.start..c.end])
            .collect()
    }

    #[test]
    fn finds_only_real_comments() {
        let text = concat!(
            "let a = \"// not a comment\"; // one\n",
            "let b = r#\"x \" // still a string\"#; /* // nor /* nested */ this */\n",
            "let c = '\"'; let d: &'static str = \"\\\"//\"; // two\r\n",
            "fn f<'a>(x: &'a u8) {} // three\n",
            "let e = (br#\"\" // \"#, cr\"//\"); let r#type = 1;\n",
            "    // four\n",
        );
        assert_eq!(
            comment_texts(text),
            ["// one", "// two", "// three", "// four"]
        );
        let own: Vec<bool> = line_comments(text).iter().map(|c| c.own_line).collect();
        assert_eq!(own, [false, false, false, true]);
    }

    #[test]
    fn reads_directives() {
        assert_eq!(
            parse("// cancelsafe: allow(CS001, cancel_unsafe_future_raced) -- drained by the pool"),
            Some(Parsed::Allow {
                names: vec!["CS001".into(), "cancel_unsafe_future_raced".into()],
                reason: Some("drained by the pool".into()),
            })
        );
        assert_eq!(
            parse("//cancelsafe:allow(CS001)  --  "),
            Some(Parsed::Allow {
                names: vec!["CS001".into()],
                reason: None,
            })
        );
        assert_eq!(parse("// cancelsafe: allow CS001"), Some(Parsed::Malformed));
        assert_eq!(parse("// cancelsafe: allow()"), Some(Parsed::Malformed));
        assert_eq!(parse("/// cancelsafe: allow(CS001) -- doc"), None);
        assert_eq!(parse("// cancelsafe: allowed here"), None);
        assert_eq!(parse("// cancelsafe: this is safe"), None);
    }
}
