//! `unanalysed_file`: a file the engine could not read, parse or bound is a finding, so a
//! gate never passes code it did not look at (made from the run's errors, not by a check).

use super::{Check, Finding};
use crate::error::Error;
use crate::source::Span;

declare_rule! {
    pub UNANALYSED_FILE: UnanalysedFile,
    id: "unanalysed_file",
    code: "CS200",
    category: "coverage",
    default: Error,
    whole_file: true,
    summary: "a file could not be analysed, so its code is unchecked",
}

impl Check for UnanalysedFile {
    /// Every failure that leaves code unanalysed: all but a missing argument path (which
    /// fails the run on its own), so a new kind of failure fails closed too.
    fn error(&self, e: &Error, out: &mut Vec<Finding>) {
        if e.leaves_code_unanalysed() {
            out.push(finding(e));
        }
    }
}

fn finding(error: &Error) -> Finding {
    // Where the failure is, when known; otherwise the file as a whole, from its start.
    let span = error.span().unwrap_or(Span {
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
        start_byte: 0,
        end_byte: 0,
    });
    Finding::build(&UNANALYSED_FILE, error.path().clone(), span, String::new())
        .message(format!("not analysed: {error}"))
        .primary_label(format!("analysis stopped here ({})", error.kind()))
        .help(
            "nothing in this file was checked; fix the cause above, or lower the rule with \
             `[rules.unanalysed_file] level = \"warn\"` to let the gate pass unchecked files",
        )
        .file_fingerprint(&[error.kind()])
}
