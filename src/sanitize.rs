//! Text from the scanned tree, made safe to print: the one place every reporter takes it
//! through.
//!
//! File names, code and the messages that quote them come from a tree nobody vetted. On a
//! terminal or in a CI log, a control character (ESC starts a colour, a title or a link;
//! CR rewrites the line; LF starts a new one, where `::error ...` is a GitHub workflow
//! command) or a bidirectional override (which reorders what is read) does more than show
//! a glyph. So:
//! - [`source`] replaces them in code shown in a snippet by a character of the same UTF-8
//!   length, so miette's byte offsets stay right;
//! - [`line`] escapes them, line breaks included, in a one-line field (a message, a name,
//!   a path) as `\u{..}`; [`text`] does the same but keeps line breaks, for text whose
//!   lines the rules write (help). Both also escape the first `:` of a `::` that starts a
//!   word: a renderer that wraps text at blanks could otherwise begin a line with it;
//! - [`finding`] takes a whole finding's text through [`line`] and [`text`];
//! - [`json`] escapes them in serialised JSON as `\uXXXX` (lossless: serde already escapes
//!   C0, the rest it writes raw).

use std::borrow::Cow;
use std::fmt::Write;
use std::path::Path;

/// Characters that do more than show a glyph: C0 controls but tab and LF, DEL, C1
/// controls, bidirectional marks, embeddings, overrides and isolates, and the Unicode line
/// and paragraph separators.
fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{b}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
    )
}

/// Source text for a snippet. Each unsafe character becomes one of its UTF-8 length
/// (`?`, `¿`, `�`), so every byte offset into the text still points where it did. Tabs,
/// LF and CR before LF (line ends miette knows) are kept.
pub fn source(text: &str) -> Cow<'_, str> {
    let unsafe_at =
        |i: usize, c: char| is_unsafe(c) && !(c == '\r' && text[i + 1..].starts_with('\n'));
    if !text.char_indices().any(|(i, c)| unsafe_at(i, c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        out.push(match c.len_utf8() {
            _ if !unsafe_at(i, c) => c,
            1 => '?',
            2 => '\u{bf}',
            _ => '\u{fffd}',
        });
    }
    debug_assert_eq!(out.len(), text.len());
    Cow::Owned(out)
}

/// A one-line field: unsafe characters and line breaks as `\u{..}`.
pub fn line(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || is_unsafe(c))
}

/// Text whose line breaks are the rules' own (help): other unsafe characters as `\u{..}`.
pub fn text(text: &str) -> Cow<'_, str> {
    escape(text, is_unsafe)
}

/// A path as people read it, on one line.
pub fn path(path: &Path) -> String {
    line(&display_path(path)).into_owned()
}

/// Whether `text` holds a control or bidirectional character (line feed and tab aside).
pub fn has_unsafe(text: &str) -> bool {
    text.chars().any(is_unsafe)
}

/// A path as every format prints it: `/` separators, no leading `./`. Only on
/// Windows is `\\` a separator; elsewhere it is part of a file's name and kept.
pub(crate) fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    };
    let mut rest = text.as_str();
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped;
    }
    rest.to_string()
}

fn escape(text: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    // A `:` that opens a `::` at the start of a word (`a ::error`, or after a line break).
    let opens_command = |i: usize, c: char| {
        c == ':'
            && text[i + 1..].starts_with(':')
            && text[..i]
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace)
    };
    let escaped = |i: usize, c: char| bad(c) || opens_command(i, c);
    if !text.char_indices().any(|(i, c)| escaped(i, c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        if escaped(i, c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Serialised JSON with the unsafe characters serde writes raw (DEL, C1, bidirectional,
/// separators) as `\uXXXX` escapes. They can only stand inside strings, so the value is
/// unchanged.
pub fn json(out: String) -> String {
    if !out.chars().any(is_unsafe) {
        return out;
    }
    let mut escaped = String::with_capacity(out.len() + 16);
    for c in out.chars() {
        if is_unsafe(c) {
            let _ = write!(escaped, "\\u{:04x}", c as u32);
        } else {
            escaped.push(c);
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    #[test]
    fn display_path_uses_forward_slashes_without_dot_prefix() {
        assert_eq!(display_path(Path::new("./src/lib.rs")), "src/lib.rs");
        let backslash = if cfg!(windows) {
            "src/win.rs"
        } else {
            "src\\win.rs"
        };
        assert_eq!(display_path(Path::new("src\\win.rs")), backslash);
        assert_eq!(display_path(Path::new("/abs/a.rs")), "/abs/a.rs");
    }

    use super::*;

    #[test]
    fn source_keeps_every_byte_offset() {
        let text = "let a = \"\u{1b}[31m\u{202e}x\u{85}\";\r\nb\rc\n";
        let safe = source(text);
        assert_eq!(safe.len(), text.len());
        assert_eq!(safe, "let a = \"?[31m\u{fffd}x\u{bf}\";\r\nb?c\n");
        assert!(matches!(source("fn a() {}\r\n\tb\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_line_cannot_break_or_carry_controls() {
        assert_eq!(line("a\n::error x\u{1b}"), "a\\u{a}\\u{3a}:error x\\u{1b}");
        // Wrapped at the blank, `::error` would start a line.
        assert_eq!(line("a ::error x"), "a \\u{3a}:error x");
        assert_eq!(text("::warning\n::x"), "\\u{3a}:warning\n\\u{3a}:x");
        assert!(matches!(line("use `cancelsafe::guard`"), Cow::Borrowed(_)));
        assert_eq!(text("help\nnote: \u{2067}"), "help\nnote: \\u{2067}");
        assert!(matches!(line("src/ünï.rs"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw() {
        let out = serde_json::to_string(&"\u{1b}\u{202e}\u{7f}\u{2028}é").unwrap();
        assert_eq!(json(out), "\"\\u001b\\u202e\\u007f\\u2028é\"");
    }
}
