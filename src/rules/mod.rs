//! The rules: each is one file here that reads the facts the analysis found (the
//! workspace pass's [`Outcome`], the suppressions written in the code) and decides what to
//! report, plus its docs in `lints/<id>.md`, compiled in so `explain`, rustdoc and the
//! Markdown file show the same text, plus one line in `registry!` below. The dispatch is
//! derived from that list: every rule's [`Check`] hooks are called, in registry order, for
//! every fact of their kind.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::callgraph::{Outcome, PlaceLog, UnitRef, Workspace};
use crate::error::Error;

mod describe;
mod directive;
mod finding;
mod guard_fix;

pub use directive::{Directive, Form};
pub use finding::{Applicability, Edit, Finding, Fix, Label};

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

/// A rule's identity, documentation and check.
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
    /// A finding of this rule hides one of the rule with this id at the same file and span
    /// (the more specific report of the same code).
    pub supersedes: Option<&'static str>,
    /// The finding is about its whole file (its span only says where to look): a diff
    /// keeps it whenever the file changed at all.
    pub whole_file: bool,
    /// What the rule looks at and decides.
    pub(crate) check: &'static dyn Check,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
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

/// What a rule looks at: one hook per kind of fact, each called once per fact and doing
/// nothing unless the rule overrides it (as oxc's `Rule` trait does). A hook reads the fact
/// and the workspace, decides, and pushes what it reports.
pub(crate) trait Check: Sync {
    /// What happened to one place of a unit, in walk order: a rule derives what it reports
    /// from the facts (`log.sections()` and `log.races()`, which keep what no guard covers;
    /// `log.guard_active()`; or its own reading of them).
    fn place(&self, _cx: &RuleCx<'_>, _log: &PlaceLog, _out: &mut Vec<Finding>) {}

    /// Unit `i` of the workspace, with what its summary records (`guarded_sites`…).
    fn unit(&self, _cx: &RuleCx<'_>, _i: usize, _unit: &UnitRef, _out: &mut Vec<Finding>) {}

    /// A suppression written in the scanned code, with which of its rule names suppressed a
    /// finding (`used`, by position). Called by `suppress`, after every other hook.
    fn directive(&self, _d: &Directive, _used: &[bool], _out: &mut Vec<Finding>) {}

    /// A failure the run met (a file it could not read, parse or bound). Called after the
    /// suppressions are applied, so only the settings can silence what it reports.
    fn error(&self, _e: &Error, _out: &mut Vec<Finding>) {}
}

/// Declares a rule: its check (a unit struct of that name, which implements [`Check`]) and
/// its static, with its docs from `lints/<id>.md`.
macro_rules! declare_rule {
    ($(#[$m:meta])* $vis:vis $name:ident: $check:ident, id: $id:literal, code: $code:literal, category: $cat:literal, default: $def:ident, $(enabled_by_default: $on:literal,)? $(supersedes: $sup:literal,)? $(whole_file: $whole:literal,)? summary: $sum:literal $(,)?) => {
        /// The check of the rule of the same name.
        $vis struct $check;

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
            supersedes: $crate::rules::declare_rule!(@sup $($sup)?),
            whole_file: $crate::rules::declare_rule!(@whole $($whole)?),
            check: &$check,
        };
    };
    (@on) => { true };
    (@on $on:literal) => { $on };
    (@sup) => { None };
    (@sup $sup:literal) => { Some($sup) };
    (@whole) => { false };
    (@whole $whole:literal) => { $whole };
}
pub(crate) use declare_rule;

/// The registry: one line per rule (its module, named like its id, and its static), in
/// code order. Declares the modules and [`RULES`].
macro_rules! registry {
    ($($module:ident::$rule:ident,)*) => {
        $(mod $module;)*

        /// Every rule, in code order.
        pub static RULES: &[&Rule] = &[$(&$module::$rule,)*];
    };
}

registry! {
    unguarded_write_then_read::UNGUARDED_WRITE_THEN_READ,
    cancel_unsafe_future_raced::CANCEL_UNSAFE_FUTURE_RACED,
    raced_future_loses_queue_place::RACED_FUTURE_LOSES_QUEUE_PLACE,
    cancellation_inside_guarded_exchange::CANCELLATION_INSIDE_GUARDED_EXCHANGE,
    pool_check_trusts_stale_reply::POOL_CHECK_TRUSTS_STALE_REPLY,
    unused_suppression::UNUSED_SUPPRESSION,
    suppression_without_reason::SUPPRESSION_WITHOUT_REASON,
    unanalysed_file::UNANALYSED_FILE,
}

/// The rule a file the engine could not analyse is reported under.
pub const UNANALYSED_RULE_ID: &str = unanalysed_file::UNANALYSED_FILE.id;

/// Finds a rule by id or code, case-insensitively, accepting `cancelsafe::id`.
pub fn find(name: &str) -> Option<&'static Rule> {
    let name = name.trim_start_matches("cancelsafe::");
    RULES
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(name) || r.code.eq_ignore_ascii_case(name))
}

/// What a rule gets to look at.
pub struct RuleCx<'a> {
    pub workspace: &'a Workspace,
    pub outcome: &'a Outcome,
    pub files: &'a [PathBuf],
}

/// Runs every rule over the workspace pass's facts, then lets a finding of a rule that
/// supersedes another hide that rule's finding at the same place.
pub fn check_all(cx: &RuleCx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in RULES {
        for log in &cx.outcome.logs {
            rule.check.place(cx, log, &mut out);
        }
        for (i, unit) in cx.workspace.units.iter().enumerate() {
            rule.check.unit(cx, i, unit, &mut out);
        }
    }
    drop_superseded(&mut out);
    out
}

/// Runs every rule over one suppression directive (see [`Check::directive`]).
pub(crate) fn check_directive(d: &Directive, used: &[bool], out: &mut Vec<Finding>) {
    for rule in RULES {
        rule.check.directive(d, used, out);
    }
}

/// Runs every rule over the failures the run met (see [`Check::error`]).
pub(crate) fn check_errors(errors: &[Error], out: &mut Vec<Finding>) {
    for rule in RULES {
        for e in errors {
            rule.check.error(e, out);
        }
    }
}

/// Drops each finding that a finding of a superseding rule reports at the same file and span.
fn drop_superseded(findings: &mut Vec<Finding>) {
    let superseding: std::collections::HashSet<(&'static str, PathBuf, crate::source::Span)> =
        findings
            .iter()
            .filter_map(|f| Some((f.rule.supersedes?, f.file.clone(), f.span)))
            .collect();
    if superseding.is_empty() {
        return;
    }
    findings.retain(|f| !superseding.contains(&(f.rule.id, f.file.clone(), f.span)));
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

    #[test]
    fn a_superseded_rule_names_a_rule() {
        for rule in RULES {
            if let Some(id) = rule.supersedes {
                assert!(find(id).is_some_and(|r| r.id == id), "{}: {id}", rule.id);
            }
        }
    }
}

/// The findings of `code` analysed alone as `conn.rs`, with the default vocabulary (for the
/// rules' unit tests).
#[cfg(test)]
pub(crate) fn findings_in(code: &str) -> Vec<Finding> {
    let vocab = crate::vocab::Vocabulary::default();
    let file = std::path::PathBuf::from("conn.rs");
    let summary = crate::summarize_text(&file, code, &vocab).expect("parses");
    crate::findings_of(&[file], vec![summary], &vocab)
}

#[cfg(test)]
mod superseding {
    /// A raced `write_all` that starts an exchange is one finding, the race rule's: the
    /// section at the same await is the same code reported less precisely.
    #[test]
    fn a_raced_write_is_reported_once_by_the_race_rule() {
        let code = r#"
            pub struct Conn { stream: tokio::net::TcpStream }
            impl Conn {
                pub async fn call(&mut self) -> u8 {
                    tokio::select! {
                        _ = self.stream.write_all(b"PING") => {}
                        _ = tokio::time::sleep(PATIENCE) => {}
                    }
                    self.stream.read_u8().await.unwrap()
                }
            }
        "#;
        let findings = super::findings_in(code);
        let ids: Vec<(&str, u32)> = findings.iter().map(|f| (f.rule.id, f.span.line)).collect();
        assert_eq!(ids, [("cancel_unsafe_future_raced", 6)], "{findings:#?}");
    }
}
