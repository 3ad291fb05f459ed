//! The rule registry: one line per rule. Each rule's user docs live in `lints/<id>.md` and
//! are compiled in, so `explain`, rustdoc and the Markdown file show the same text.

use std::path::PathBuf;

use serde::Serialize;

use crate::callgraph::{Outcome, Workspace};
use crate::source::Span;

mod cancel_unsafe_future_raced;
mod cancellation_inside_guarded_exchange;
mod raced_future_loses_queue_place;
pub(crate) mod suppression_without_reason;
pub(crate) mod unanalysed_file;
mod unguarded_write_then_read;
pub(crate) mod unused_suppression;

/// How loudly a rule speaks by default.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, bincode::Encode, bincode::Decode,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct Rule {
    /// Reads well as "allow `id`".
    pub id: &'static str,
    /// Short alias (`CS001`).
    pub code: &'static str,
    pub category: &'static str,
    pub default: Severity,
    /// Off unless configured on; the engine still produces its findings.
    pub enabled_by_default: bool,
    pub summary: &'static str,
    /// The whole of `lints/<id>.md`.
    pub docs: &'static str,
}

impl Rule {
    /// Where the rule's docs are published.
    pub fn url(&self) -> String {
        format!(
            "https://github.com/cancelsafe/cancelsafe/blob/main/lints/{}.md",
            self.id
        )
    }

    /// The text under `## <heading>` in the docs, trimmed, up to the next `## ` heading.
    pub fn section(&self, heading: &str) -> Option<&'static str> {
        let docs: &'static str = self.docs;
        let marker = format!("## {heading}");
        let start = docs
            .match_indices(&marker)
            .map(|(i, _)| i)
            .find(|&i| i == 0 || docs[..i].ends_with('\n'))?;
        let body = &docs[start..];
        let body = &body[body.find('\n').map_or(body.len(), |n| n + 1)..];
        let end = body.find("\n## ").map_or(body.len(), |n| n + 1);
        Some(body[..end].trim())
    }
}

/// Declares a rule with its docs from `lints/<id>.md`.
macro_rules! declare_rule {
    ($(#[$m:meta])* $vis:vis $name:ident, id: $id:literal, code: $code:literal, category: $cat:literal, default: $def:ident, $(enabled_by_default: $on:literal,)? summary: $sum:literal $(,)?) => {
        $(#[$m])*
        #[doc = include_str!(concat!("../../lints/", $id, ".md"))]
        $vis static $name: $crate::rules::Rule = $crate::rules::Rule {
            id: $id,
            code: $code,
            category: $cat,
            default: $crate::rules::Severity::$def,
            enabled_by_default: $crate::rules::declare_rule!(@on $($on)?),
            summary: $sum,
            docs: include_str!(concat!("../../lints/", $id, ".md")),
        };
    };
    (@on) => { true };
    (@on $on:literal) => { $on };
}
pub(crate) use declare_rule;

/// The write-then-read rule's id, and the race rule's (one reports what the other found).
pub const SECTION_RULE_ID: &str = unguarded_write_then_read::UNGUARDED_WRITE_THEN_READ.id;
pub const RACED_RULE_ID: &str = cancel_unsafe_future_raced::CANCEL_UNSAFE_FUTURE_RACED.id;
/// The rule a file the engine could not analyse is reported under.
pub const UNANALYSED_RULE_ID: &str = unanalysed_file::UNANALYSED_FILE.id;

/// Every rule, in code order.
pub static RULES: &[&Rule] = &[
    &unguarded_write_then_read::UNGUARDED_WRITE_THEN_READ,
    &cancel_unsafe_future_raced::CANCEL_UNSAFE_FUTURE_RACED,
    &raced_future_loses_queue_place::RACED_FUTURE_LOSES_QUEUE_PLACE,
    &cancellation_inside_guarded_exchange::CANCELLATION_INSIDE_GUARDED_EXCHANGE,
    &unused_suppression::UNUSED_SUPPRESSION,
    &suppression_without_reason::SUPPRESSION_WITHOUT_REASON,
    &unanalysed_file::UNANALYSED_FILE,
];

/// Finds a rule by id or code, case-insensitively, accepting `cancelsafe::id`.
pub fn find(name: &str) -> Option<&'static Rule> {
    let name = name.trim_start_matches("cancelsafe::");
    RULES
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(name) || r.code.eq_ignore_ascii_case(name))
}

/// A secondary location of a finding.
#[derive(Debug, Clone, Serialize, bincode::Encode, bincode::Decode)]
pub struct Label {
    pub file: PathBuf,
    pub span: Span,
    pub message: String,
}

/// One result: plain data, rendered by `report/`.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub file: PathBuf,
    pub span: Span,
    /// `Type::method` or the bare fn name.
    pub function: String,
    pub message: String,
    /// The label on the primary span.
    pub primary_label: String,
    pub labels: Vec<Label>,
    pub help: String,
    /// Stable across line shifts: rule, function and the normalised text of the awaits.
    pub fingerprint: String,
    /// Whether a cancellation site in the scanned code reaches the code at fault (`None`
    /// where the rule does not ask).
    pub reached: Option<bool>,
}

/// What a rule gets to look at.
pub struct RuleCx<'a> {
    pub workspace: &'a Workspace,
    pub outcome: &'a Outcome,
    pub files: &'a [PathBuf],
}

/// Runs every rule.
pub fn check_all(cx: &RuleCx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    unguarded_write_then_read::check(cx, &mut out);
    cancel_unsafe_future_raced::check(cx, &mut out);
    raced_future_loses_queue_place::check(cx, &mut out);
    cancellation_inside_guarded_exchange::check(cx, &mut out);
    out
}

/// A short stable hash (FNV-1a, hex) for fingerprints.
pub fn stable_hash(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_is_the_text_under_a_heading() {
        let rule = &unguarded_write_then_read::UNGUARDED_WRITE_THEN_READ;
        let what = rule.section("What it does").expect("section exists");
        assert!(what.starts_with("Checks for an `async fn`"), "{what}");
        assert!(!what.contains("## "), "stops at the next heading: {what}");
        assert!(rule.section("Why is this bad?").is_some());
        assert!(rule.section("No such heading").is_none());
    }
}
