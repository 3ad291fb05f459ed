//! Comment directives: `// cancelsafe: allow(RULE, ..) -- reason`.
//!
//! The engine's lexer ([`crate::lex`]) finds the `//` comments that really are comments
//! (not inside a string, raw string, char literal or block comment), so directives quoted
//! in strings or docs do not count. Doc comments (`///`, `//!`) are never directives.

use crate::lex::Lexer;

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

/// Every `//` comment of `text`, in order (doc ones too: [`parse`] turns those down).
pub fn line_comments(text: &str) -> Vec<Comment> {
    let mut lexer = Lexer::new(text);
    while lexer.next().is_some() {}
    lexer
        .comments
        .into_iter()
        .filter(|c| c.line)
        .map(|c| {
            let line_start = text[..c.start].rfind('\n').map_or(0, |n| n + 1);
            Comment {
                start: c.start,
                end: c.end - usize::from(text[..c.end].ends_with('\r')),
                own_line: text[line_start..c.start].trim().is_empty(),
            }
        })
        .collect()
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
