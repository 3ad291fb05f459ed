//! What the suppression rules read: a suppression as written in the code. `suppress` finds
//! them and matches them to findings; the rules decide which directives to report.

use std::path::PathBuf;

use super::Edit;
use crate::source::Span;

/// How a directive is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Comment,
    Attribute,
}

/// One suppression written in the source.
#[derive(Debug, Clone)]
pub struct Directive {
    pub file: PathBuf,
    pub span: Span,
    pub form: Form,
    /// Rule names as written; `None` when the directive cannot be read.
    pub names: Option<Vec<String>>,
    pub reason: Option<String>,
    /// The lines it covers, inclusive.
    pub lines: (u32, u32),
    /// The item it covers or sits in (`Conn::get`), empty at the top level of a file.
    pub item: String,
    /// Its source text with whitespace collapsed: stable across line shifts.
    pub text: String,
    /// Its source text as written (at `span`).
    pub raw: String,
    /// The edit that deletes it (with its line when it stands alone there).
    pub removal: Edit,
}
