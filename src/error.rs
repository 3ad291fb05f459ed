//! Failures to read or parse input. Unlike findings, these say the tool could not look at
//! something; a run collects them per file and goes on.

use std::path::PathBuf;

use serde::Serialize;

use crate::source::Span;

/// A file or folder the analysis could not use. Carries the path; every variant writes its
/// own message.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic, bincode::Encode, bincode::Decode)]
pub enum Error {
    #[error("`{}` does not exist", path.display())]
    #[diagnostic(code(cancelsafe::not_found))]
    NotFound { path: PathBuf },

    #[error("cannot read `{}`: {message}", path.display())]
    #[diagnostic(code(cancelsafe::io))]
    Walk { path: PathBuf, message: String },

    #[error("cannot read `{}`: {message}", path.display())]
    #[diagnostic(code(cancelsafe::io))]
    Read { path: PathBuf, message: String },

    #[error("`{}` is not valid UTF-8 (byte {offset}); Rust source must be UTF-8", path.display())]
    #[diagnostic(code(cancelsafe::not_utf8))]
    NotUtf8 { path: PathBuf, offset: usize },

    #[error("`{}` does not parse: {message}", path.display())]
    #[diagnostic(code(cancelsafe::syntax_error))]
    Syntax {
        path: PathBuf,
        message: String,
        span: Span,
    },

    #[error("`{}` is too complex to analyse: {message}", path.display())]
    #[diagnostic(code(cancelsafe::too_complex))]
    TooComplex {
        path: PathBuf,
        message: String,
        /// Where the limit was crossed, when known.
        span: Option<Span>,
    },

    #[error("`{}` is larger than {} MiB, the most analysed", path.display(), limit >> 20)]
    #[diagnostic(code(cancelsafe::too_large))]
    TooLarge { path: PathBuf, limit: u64 },

    /// A symlink in the scanned tree whose target is outside it: not followed.
    #[error("`{}` is a symlink to `{}`, outside the scanned tree; not followed", path.display(), target.display())]
    #[diagnostic(code(cancelsafe::outside_tree))]
    SymlinkOutside { path: PathBuf, target: PathBuf },

    /// A file of the tree names a file or folder outside it (`#[path]`, `include!`, a
    /// manifest's `path`): not read.
    #[error("`{}` names `{}` in {via}, outside the scanned tree; not read", path.display(), target.display())]
    #[diagnostic(code(cancelsafe::outside_tree))]
    PathOutside {
        path: PathBuf,
        target: PathBuf,
        via: String,
    },
}

/// The JSON shape of an error entry.
#[derive(Debug, Serialize)]
pub struct ErrorRecord {
    pub kind: &'static str,
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl Error {
    pub fn path(&self) -> &PathBuf {
        match self {
            Error::NotFound { path }
            | Error::Walk { path, .. }
            | Error::Read { path, .. }
            | Error::NotUtf8 { path, .. }
            | Error::Syntax { path, .. }
            | Error::TooComplex { path, .. }
            | Error::TooLarge { path, .. }
            | Error::SymlinkOutside { path, .. }
            | Error::PathOutside { path, .. } => path,
        }
    }

    /// Short machine name of the failure kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::Walk { .. } | Error::Read { .. } => "io",
            Error::NotUtf8 { .. } => "not_utf8",
            Error::Syntax { .. } => "syntax_error",
            Error::TooComplex { .. } => "too_complex",
            Error::TooLarge { .. } => "too_large",
            Error::SymlinkOutside { .. } | Error::PathOutside { .. } => "outside_tree",
        }
    }

    /// A file that was found but could not be analysed (not a folder the walk could not
    /// enter, not a missing argument).
    pub fn is_file_failure(&self) -> bool {
        !matches!(self, Error::NotFound { .. } | Error::Walk { .. })
    }

    /// Whether this failure leaves code of the scanned tree unanalysed: every failure but a
    /// path argument that does not exist (that fails the run by itself). Such failures are
    /// `unanalysed_file` findings, so the gate fails closed; new variants are covered too.
    pub fn leaves_code_unanalysed(&self) -> bool {
        !matches!(self, Error::NotFound { .. })
    }

    /// Where in the file, when known.
    pub fn span(&self) -> Option<Span> {
        match self {
            Error::Syntax { span, .. } => Some(*span),
            Error::TooComplex { span, .. } => *span,
            _ => None,
        }
    }

    pub fn record(&self) -> ErrorRecord {
        ErrorRecord {
            kind: self.kind(),
            file: crate::sanitize::display_path(self.path()),
            line: self.span().map(|s| s.line),
            column: self.span().map(|s| s.column),
            message: self.to_string(),
        }
    }
}

/// A config file that cannot be used: unreadable, not TOML, an unknown key or a bad value.
/// Points into the file when the position is known.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("invalid configuration in `{}`", path.display())]
#[diagnostic(code(cancelsafe::config))]
pub struct ConfigError {
    pub path: PathBuf,
    #[source_code]
    pub source_code: miette::NamedSource<String>,
    /// What is wrong, shown at `span`.
    pub reason: String,
    #[label("{reason}")]
    pub span: Option<miette::SourceSpan>,
    #[help]
    pub help: Option<String>,
}

/// A failure of the gating steps around the analysis: baselines and `--diff-base`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GateError {
    #[error("cannot read baseline `{}`: {message}", path.display())]
    #[diagnostic(
        code(cancelsafe::baseline),
        help("create it with `--write-baseline {}`", path.display())
    )]
    BaselineRead { path: PathBuf, message: String },

    #[error("cannot write baseline `{}`: {message}", path.display())]
    #[diagnostic(code(cancelsafe::baseline))]
    BaselineWrite { path: PathBuf, message: String },

    #[error("`--diff-base` needs a git repository, and `{}` is not in one", path.display())]
    #[diagnostic(code(cancelsafe::diff_base))]
    NotGitRepo { path: PathBuf },

    #[error("`--diff-base {rev}`: git does not know this revision")]
    #[diagnostic(
        code(cancelsafe::diff_base),
        help("pass a commit, branch or tag, e.g. `--diff-base origin/main`")
    )]
    BadRevision { rev: String },

    #[error("`--diff-base`: `git {command}` failed: {message}")]
    #[diagnostic(code(cancelsafe::diff_base))]
    Git { command: String, message: String },
}
