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
