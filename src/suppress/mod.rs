//! Suppressions, matched after analysis. Two forms, both fine on stable Rust:
//!
//! - `// cancelsafe: allow(RULE, ..) -- reason` on the finding's line, on the line above it,
//!   or above / on the header line of the enclosing fn, impl, trait or mod (then it covers
//!   that whole item);
//! - `#[cfg_attr(any(), cancelsafe::allow(RULE, .., reason = "..."))]` on a fn, impl, trait
//!   or mod (covers the item).
//!
//! A directive without a reason suppresses nothing and is reported
//! (`suppression_without_reason`); a rule name in a directive that suppresses nothing is
//! reported too (`unused_suppression`): those rules decide, from each [`Directive`] and
//! which of its names matched ([`rules::check_directive`]); they never import this module. Only files that mention `cancelsafe` are looked at,
//! and only those with a directive are parsed (for item ranges).

mod comments;
mod items;

use std::path::Path;

use crate::input::SourceFile;
use crate::pool::PARSER_STACK;
use crate::rules::{self, Edit, Finding};
use crate::source::{LineIndex, Span};

use items::Item;

pub use crate::rules::{Directive, Form};

/// The directive covers a finding at `span`.
fn covers(d: &Directive, span: &Span) -> bool {
    d.lines.0 <= span.end_line.max(span.line) && span.line <= d.lines.1
}

/// Removes the findings a directive with a reason covers, and adds a finding for each
/// directive without a reason and each rule name that suppressed nothing. `files` are the
/// scanned files' texts, as read for their summaries (only those that
/// [`may_hold_directives`] are needed).
pub fn apply(findings: Vec<Finding>, files: &[SourceFile]) -> Vec<Finding> {
    let directives = collect(files);
    if directives.is_empty() {
        return findings;
    }
    let mut used: Vec<Vec<bool>> = directives
        .iter()
        .map(|d| vec![false; d.names.as_ref().map_or(0, Vec::len)])
        .collect();
    let mut out: Vec<Finding> = findings
        .into_iter()
        .filter(|f| {
            let mut suppressed = false;
            for (d, used) in directives.iter().zip(used.iter_mut()) {
                if d.reason.is_none() || d.file != f.file || !covers(d, &f.span) {
                    continue;
                }
                for (name, used) in d.names.iter().flatten().zip(used.iter_mut()) {
                    if rules::find(name).is_some_and(|r| r.id == f.rule.id) {
                        *used = true;
                        suppressed = true;
                    }
                }
            }
            !suppressed
        })
        .collect();
    for (d, used) in directives.iter().zip(used) {
        rules::check_directive(d, &used, &mut out);
    }
    out
}

/// The directives of every file that mentions them, parsed on one big-stack thread
/// (`syn` recurses; see [`PARSER_STACK`]).
fn collect(files: &[SourceFile]) -> Vec<Directive> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("cancelsafe-suppress".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, || {
                files
                    .iter()
                    .filter(|f| may_hold_directives(&f.text))
                    .flat_map(|f| directives_of(&f.path, &f.text))
                    .collect()
            })
            .expect("spawn suppression thread")
            .join()
            .unwrap_or_default()
    })
}

/// Whether `text` may hold a directive: every form names `cancelsafe`.
pub fn may_hold_directives(text: &str) -> bool {
    text.contains("cancelsafe")
}

fn directives_of(file: &Path, text: &str) -> Vec<Directive> {
    let found: Vec<(comments::Comment, comments::Parsed)> = comments::line_comments(text)
        .into_iter()
        .filter_map(|c| Some((c, comments::parse(&text[c.start..c.end])?)))
        .collect();
    if found.is_empty() && !text.contains("cancelsafe::allow") {
        return Vec::new();
    }
    let (items, attributes) = items::scan(text).unwrap_or_default();
    let index = LineIndex::new(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (c, parsed) in found {
        let span = index.span_of_bytes(c.start, c.end);
        let target = if c.own_line {
            next_code_line(&lines, span.line)
        } else {
            span.line
        };
        let (covered, item) = match items
            .iter()
            .filter(|i| i.start_line <= target && target <= i.head_line)
            .max_by_key(|i| i.start_line)
        {
            Some(i) => ((i.start_line, i.end_line), i.name.clone()),
            None => ((target, target), enclosing(&items, target)),
        };
        let (names, reason) = match parsed {
            comments::Parsed::Allow { names, reason } => (Some(names), reason),
            comments::Parsed::Malformed => (None, None),
        };
        out.push(Directive {
            file: file.to_path_buf(),
            span,
            form: Form::Comment,
            names,
            reason,
            lines: covered,
            item,
            text: collapse(&text[c.start..c.end]),
            raw: text[c.start..c.end].to_string(),
            removal: removal(file, &index, text, c.start, c.end),
        });
    }
    for a in attributes {
        let item = &items[a.item];
        out.push(Directive {
            file: file.to_path_buf(),
            span: a.span,
            form: Form::Attribute,
            names: a.names,
            reason: a.reason,
            lines: (item.start_line, item.end_line),
            item: item.name.clone(),
            text: collapse(&text[a.span.start_byte as usize..a.span.end_byte as usize]),
            raw: text[a.span.start_byte as usize..a.span.end_byte as usize].to_string(),
            removal: removal(
                file,
                &index,
                text,
                a.span.start_byte as usize,
                a.span.end_byte as usize,
            ),
        });
    }
    out
}

/// The edit that deletes the directive at `start..end` of `text`: its whole lines when it
/// stands alone on them; after code, it and the blanks before it; before code on its line
/// (`#[cfg_attr(..)] fn f()`), it and the blanks after it.
fn removal(file: &Path, index: &LineIndex, text: &str, start: usize, end: usize) -> Edit {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let (before, after) = (&text[line_start..start], &text[end..line_end]);
    let (from, to) = match (before.trim().is_empty(), after.trim().is_empty()) {
        (true, true) => (line_start, line_end),
        (false, _) => (line_start + before.trim_end().len(), end),
        (true, false) => (start, end + after.len() - after.trim_start().len()),
    };
    Edit {
        file: file.to_path_buf(),
        span: index.span_of_bytes(from, to),
        original: text[from..to].to_string(),
        replacement: String::new(),
    }
}

/// The first line after `line` (1-based) that is neither blank nor only a `//` comment.
fn next_code_line(lines: &[&str], line: u32) -> u32 {
    let mut n = line as usize + 1;
    while lines
        .get(n - 1)
        .is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with("//"))
    {
        n += 1;
    }
    n as u32
}

/// The name of the innermost item around `line`, or empty.
fn enclosing(items: &[Item], line: u32) -> String {
    items
        .iter()
        .filter(|i| i.start_line <= line && line <= i.end_line)
        .max_by_key(|i| i.start_line)
        .map(|i| i.name.clone())
        .unwrap_or_default()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_line_comments_target_the_next_code_line() {
        let lines = ["// a", "", "// b", "x", "y"];
        assert_eq!(next_code_line(&lines, 1), 4);
        assert_eq!(next_code_line(&lines, 4), 5);
        assert_eq!(next_code_line(&lines, 5), 6);
    }

    /// Applies the removal of the directive found in `text` (at `needle`).
    fn removed(text: &str, needle: &str) -> String {
        let start = text.find(needle).expect("the directive");
        let edit = removal(
            Path::new("a.rs"),
            &LineIndex::new(text),
            text,
            start,
            start + needle.len(),
        );
        let (from, to) = (edit.span.start_byte as usize, edit.span.end_byte as usize);
        assert_eq!(&text[from..to], edit.original);
        format!("{}{}", &text[..from], &text[to..])
    }

    #[test]
    fn a_removal_takes_the_line_a_directive_stands_on_alone() {
        let comment = "// cancelsafe: allow(CS001) -- r";
        let text = format!("fn a() {{\n    {comment}\n    x();\n}}\n");
        assert_eq!(removed(&text, comment), "fn a() {\n    x();\n}\n");
        let attr = "#[cfg_attr(any(), cancelsafe::allow(CS001, reason = \"r\"))]";
        let text = format!("{attr}\nfn a() {{}}");
        assert_eq!(removed(&text, attr), "fn a() {}");
    }

    #[test]
    fn a_removal_beside_code_keeps_the_code_and_its_spacing() {
        let comment = "// cancelsafe: allow(CS001) -- r";
        let text = format!("    x(); {comment}\n    y();\n");
        assert_eq!(removed(&text, comment), "    x();\n    y();\n");
        let attr = "#[cfg_attr(any(), cancelsafe::allow(CS001, reason = \"r\"))]";
        let text = format!("    {attr} fn a() {{}}\n");
        assert_eq!(removed(&text, attr), "    fn a() {}\n");
    }
}
