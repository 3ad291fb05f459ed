//! Output formats. The only place that knows how findings look on screen or in a file.
//!
//! Every reporter is a pure function of the analysis: paths are printed as the engine got
//! them (relative to the current folder when the user gave relative paths or none), with
//! `/` separators.

pub mod github;
pub mod human;
pub mod json;
pub mod rustc_json;
pub mod sanitize;
pub mod sarif;

use std::path::Path;

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

/// A path as the line-oriented formats print it: `/` separators, no leading `./`. Only on
/// Windows is `\\` a separator; elsewhere it is part of a file's name and kept.
pub(crate) fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    };
    let mut rest = text.as_str();
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped;
    }
    rest.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_path_uses_forward_slashes_without_dot_prefix() {
        assert_eq!(display_path(Path::new("./src/lib.rs")), "src/lib.rs");
        let backslash = if cfg!(windows) {
            "src/win.rs"
        } else {
            "src\\win.rs"
        };
        assert_eq!(display_path(Path::new("src\\win.rs")), backslash);
        assert_eq!(display_path(Path::new("/abs/a.rs")), "/abs/a.rs");
    }
}
