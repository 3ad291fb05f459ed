//! What a rule reports: a [`Finding`], plain data rendered by `report/`, built through one
//! [`Builder`] so every rule fills it the same way.

use std::path::PathBuf;

use serde::Serialize;

use super::{Rule, Severity};
use crate::source::Span;

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
    /// A call the finding rests on (a link of its chain, or the call the I/O happens
    /// through) was resolved by the method's name alone, its receiver's type unknown: a
    /// guess within the caller's crate, to be checked by reading the code.
    pub resolved_by_name: bool,
    /// The fix as edits, where the rule has one.
    pub fix: Option<Fix>,
}

/// How sure a fix is, with rustc's meanings (`rustc_lint_defs::Applicability`); only a
/// `MachineApplicable` fix is applied by `--fix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, bincode::Encode, bincode::Decode)]
pub enum Applicability {
    /// Certainly what the user wants, and the code still compiles: applied mechanically.
    MachineApplicable,
    /// Maybe what the user wants, and valid code if applied; to be reviewed.
    MaybeIncorrect,
    /// Contains text the user must change (a placeholder, a field to add elsewhere) before
    /// the code compiles.
    HasPlaceholders,
    /// Not known.
    Unspecified,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
            Applicability::HasPlaceholders => "HasPlaceholders",
            Applicability::Unspecified => "Unspecified",
        }
    }
}

/// One replacement: the text at `span` of `file`, which was `original` when the finding
/// was made, becomes `replacement` (an empty span inserts).
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Edit {
    pub file: PathBuf,
    pub span: Span,
    pub original: String,
    pub replacement: String,
}

/// A finding's fix as data: what it does, how sure it is, and its edits (none overlap).
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Fix {
    /// Says what the edits do, as rustc's suggestion message does (`add the guard ..`).
    pub message: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

impl Finding {
    /// Starts a finding of `rule` at `span` in `file`, inside `function`, at the rule's
    /// default severity.
    pub(crate) fn build(
        rule: &'static Rule,
        file: PathBuf,
        span: Span,
        function: String,
    ) -> Builder {
        Builder(Finding {
            rule,
            severity: rule.default,
            file,
            span,
            function,
            message: String::new(),
            primary_label: String::new(),
            labels: Vec::new(),
            help: String::new(),
            fingerprint: String::new(),
            reached: None,
            resolved_by_name: false,
            fix: None,
        })
    }
}

/// A finding being filled; [`Builder::fingerprint`] finishes it.
#[must_use]
pub(crate) struct Builder(Finding);

impl Builder {
    /// The one-line message: short, lowercase, names in backticks.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.0.message = message.into();
        self
    }

    /// The label on the primary span.
    pub fn primary_label(mut self, label: impl Into<String>) -> Self {
        self.0.primary_label = label.into();
        self
    }

    pub fn labels(mut self, labels: Vec<Label>) -> Self {
        self.0.labels = labels;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.0.help = help.into();
        self
    }

    /// A severity other than the rule's default.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.0.severity = severity;
        self
    }

    /// Whether a call the finding rests on was resolved by name alone.
    pub fn resolved_by_name(mut self, by_name: bool) -> Self {
        self.0.resolved_by_name = by_name;
        self
    }

    /// Whether a cancellation site in the scanned code reaches the code at fault.
    pub fn reached(mut self, reached: bool) -> Self {
        self.0.reached = Some(reached);
        self
    }

    /// The fix as edits (see [`Fix`]).
    pub fn fix(mut self, fix: Option<Fix>) -> Self {
        self.0.fix = fix;
        self
    }

    /// Finishes the finding, fingerprinted by its rule, its function and `texts` (never
    /// positions, so baselines survive line shifts).
    pub fn fingerprint(mut self, texts: &[&str]) -> Finding {
        let mut parts = Vec::with_capacity(texts.len() + 2);
        parts.extend([self.0.rule.id, self.0.function.as_str()]);
        parts.extend_from_slice(texts);
        self.0.fingerprint = stable_hash(&parts);
        self.0
    }

    /// Finishes a finding about a whole file rather than code in a function, fingerprinted
    /// by its rule and `texts`.
    pub fn file_fingerprint(mut self, texts: &[&str]) -> Finding {
        let mut parts = Vec::with_capacity(texts.len() + 1);
        parts.push(self.0.rule.id);
        parts.extend_from_slice(texts);
        self.0.fingerprint = stable_hash(&parts);
        self.0
    }
}

/// A short stable hash (FNV-1a, hex) for fingerprints.
fn stable_hash(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}
