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
use scan::{Found, Scan};

mod items;
mod scan;
#[cfg(test)]
mod tests;

/// Text in a body that keeps it (conservative: a word in a comment keeps it too).
const KEEPS_A_BODY: &[&str] = &["async", "await", ".pop"];

/// Whether a sync body has what an async caller relies on: an `async` block, or a count of
/// owed replies kept in a field (`self.pending += 1`, `self.waiting.pop_front()`).
/// `i += 1` on a local counts nothing a caller sees.
pub(super) fn body_is_needed(body: &str) -> bool {
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
    prepare_as(text, build, true)
}

/// A scanned file as `build` compiles it: only the items and modules it leaves out are
/// blanked (bodies and docs stay, since the scanned code is analysed whole).
pub fn compiled(text: &str, build: &Build) -> Prepared {
    prepare_as(text, build, false)
}

/// [`prepare`], blanking sync bodies and docs only when `for_interface`.
fn prepare_as(text: &str, build: &Build, for_interface: bool) -> Prepared {
    let mut scan = Scan::new(text, build);
    scan.blank_sync_bodies = for_interface;
    if scan.run().is_none() {
        return Prepared {
            compiled_out: true,
            ..Prepared::default()
        };
    }
    let Found {
        mut blanks,
        items_left_out,
        dropped_modules,
        comments,
    } = scan.finish();
    let mut out = Prepared {
        dropped_modules,
        ..Prepared::default()
    };
    // The same comment can be met twice.
    let mut docs: Vec<(usize, usize)> = comments
        .iter()
        .filter(|c| c.doc)
        .map(|c| (c.start, c.end))
        .collect();
    docs.sort_unstable();
    docs.dedup();
    if for_interface {
        blanks.extend(unneeded_docs(text, &docs));
    }
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
    if !blanks.is_empty() {
        out.text = blanked(text, blanks);
    }
    out
}

/// `text` with the byte ranges `blanks` turned to spaces, line breaks kept.
fn blanked(text: &str, blanks: Vec<(usize, usize)>) -> Option<String> {
    let mut blanked = text.as_bytes().to_vec();
    for (start, end) in blanks {
        let end = end.min(blanked.len());
        for b in &mut blanked[start..end] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    // Ranges begin and end at ASCII bytes: whole characters become spaces, still UTF-8.
    String::from_utf8(blanked).ok()
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
