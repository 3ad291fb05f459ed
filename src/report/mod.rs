//! Output formats. The only place that knows how findings look on screen or in a file.
//!
//! Every reporter is a pure function of the analysis: paths are printed as the engine got
//! them (relative to the current folder when the user gave relative paths or none), with
//! `/` separators.

pub mod github;
pub mod human;
pub mod json;
pub mod rustc_json;
pub mod sarif;

use crate::rules::{Finding, Label};
use crate::sanitize;

/// `file:line:column: message` of a secondary location, as the line-oriented formats print
/// it: one line, safe to print ([`sanitize`]).
pub(crate) fn label_line(l: &crate::Label) -> String {
    format!(
        "{}:{}:{}: {}",
        sanitize::path(&l.file),
        l.span.line,
        l.span.column,
        sanitize::line(&l.message)
    )
}

/// `f` with every text field safe to print ([`sanitize::line`]; [`sanitize::text`] for help). Paths are kept,
/// since they name files; print them with [`sanitize::path`].
pub(crate) fn sanitized(f: &Finding) -> Finding {
    Finding {
        function: sanitize::line(&f.function).into_owned(),
        message: sanitize::line(&f.message).into_owned(),
        primary_label: sanitize::line(&f.primary_label).into_owned(),
        labels: f
            .labels
            .iter()
            .map(|l| Label {
                message: sanitize::line(&l.message).into_owned(),
                ..l.clone()
            })
            .collect(),
        help: sanitize::text(&f.help).into_owned(),
        ..f.clone()
    }
}
