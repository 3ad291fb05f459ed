//! `unanalysed_file`: a file the engine could not read, parse or bound is a finding, so a
//! gate never passes code it did not look at (made from the run's errors, not by a check).

use super::{declare_rule, stable_hash, Finding};
use crate::error::Error;
use crate::source::Span;

declare_rule! {
    pub UNANALYSED_FILE,
    id: "unanalysed_file",
    code: "CS200",
    category: "coverage",
    default: Error,
    summary: "a file could not be analysed, so its code is unchecked",
}

/// The finding for a failure the run met. Every [`Error`] but a missing argument path (which
/// fails the run on its own) is one, so a new kind of failure fails closed too.
pub fn finding(error: &Error) -> Finding {
    Finding {
        rule: &UNANALYSED_FILE,
        severity: UNANALYSED_FILE.default,
        file: error.path().clone(),
        // Where the failure is, when known; otherwise the file as a whole, from its start.
        span: error.span().unwrap_or(Span {
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            start_byte: 0,
            end_byte: 0,
        }),
        function: String::new(),
        message: format!("not analysed: {error}"),
        primary_label: format!("analysis stopped here ({})", error.kind()),
        labels: Vec::new(),
        help: "nothing in this file was checked; fix the cause above, or lower the rule with \
               `[rules.unanalysed_file] level = \"warn\"` to let the gate pass unchecked files"
            .into(),
        fingerprint: stable_hash(&[UNANALYSED_FILE.id, error.kind()]),
        reached: None,
    }
}
