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

use std::path::Path;

/// `file:line:column: message` of a secondary location, as the line-oriented formats print it.
pub(crate) fn label_line(l: &crate::Label) -> String {
    format!(
        "{}:{}:{}: {}",
        display_path(&l.file),
        l.span.line,
        l.span.column,
        l.message
    )
}

/// A path as the line-oriented formats print it: `/` separators, no leading `./`.
pub(crate) fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
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
        assert_eq!(display_path(Path::new("src\\win.rs")), "src/win.rs");
        assert_eq!(display_path(Path::new("/abs/a.rs")), "/abs/a.rs");
    }
}
