//! Edits one file: only a regular file inside a scanned tree that the analysis read, only
//! if every edit still finds the text the finding saw, and by a rename of a whole new
//! file, so a reader or a crash never sees half of it.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::input::source_file::read_bytes;
use crate::rules::Edit;

/// Why a file was left as it was.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not a file the analysis read, outside every scanned tree, or not a regular file (a
    /// symlink, say): a fix never writes there.
    Outside(String),
    /// The text at an edit is not what the finding saw: the file changed since the scan.
    Stale {
        line: u32,
    },
    Io(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Outside(why) => write!(f, "not written: {why}"),
            Refused::Stale { line } => write!(
                f,
                "the text at line {line} is not what the scan saw (the file changed since); run again"
            ),
            Refused::Io(e) => write!(f, "cannot write: {e}"),
        }
    }
}

/// Where fixes may write: the scanned trees, resolved, and the files the analysis read.
pub struct Bounds {
    trees: Vec<PathBuf>,
    sources: std::collections::HashSet<PathBuf>,
}

impl Bounds {
    pub fn new(trees: &[PathBuf], sources: &[PathBuf]) -> Bounds {
        Bounds {
            trees: trees.iter().filter_map(|t| t.canonicalize().ok()).collect(),
            sources: sources.iter().cloned().collect(),
        }
    }

    /// `file` may be written: the analysis read it, it is a regular file (no symlink),
    /// and its real path is inside a scanned tree.
    fn check(&self, file: &Path) -> Result<(), Refused> {
        if !self.sources.contains(file) {
            return Err(Refused::Outside(
                "the analysis did not read this file".into(),
            ));
        }
        let meta = fs::symlink_metadata(file).map_err(|e| Refused::Io(e.to_string()))?;
        if !meta.file_type().is_file() {
            return Err(Refused::Outside("not a regular file".into()));
        }
        let real = file
            .canonicalize()
            .map_err(|e| Refused::Io(e.to_string()))?;
        if !self.trees.iter().any(|t| real.starts_with(t)) {
            return Err(Refused::Outside("outside the scanned paths".into()));
        }
        Ok(())
    }
}

/// Makes `edits` (sorted by start, not overlapping) in `file`.
pub fn edit_file(bounds: &Bounds, file: &Path, edits: &[&Edit]) -> Result<(), Refused> {
    bounds.check(file)?;
    let bytes = read_bytes(file).map_err(|e| Refused::Io(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| Refused::Io("not UTF-8".into()))?;
    let edited = apply(&text, edits)?;
    replace(file, edited.as_bytes()).map_err(|e| Refused::Io(e.to_string()))
}

/// `text` with `edits` made, if each finds its `original` at its byte range.
pub fn apply(text: &str, edits: &[&Edit]) -> Result<String, Refused> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in edits {
        let (start, end) = (e.span.start_byte as usize, e.span.end_byte as usize);
        let seen = (start >= at).then(|| text.get(start..end)).flatten();
        if seen != Some(e.original.as_str()) {
            return Err(Refused::Stale { line: e.span.line });
        }
        out.push_str(&text[at..start]);
        out.push_str(&e.replacement);
        at = end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// Writes a new file next to `file` (created afresh: no existing path is followed), with
/// its permissions, then renames it over `file`.
fn replace(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.cancelsafe-fix.{}.tmp", std::process::id()));
    let written = (|| {
        let mut out = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        out.write_all(bytes)?;
        out.set_permissions(fs::metadata(file)?.permissions())?;
        out.sync_all()?;
        fs::rename(&tmp, file)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn edit(start: u32, end: u32, original: &str, replacement: &str) -> Edit {
        Edit {
            file: "a.rs".into(),
            span: Span {
                line: 1,
                start_byte: start,
                end_byte: end,
                ..Span::default()
            },
            original: original.into(),
            replacement: replacement.into(),
        }
    }

    #[test]
    fn edits_are_made_where_the_text_is_as_seen() {
        let (a, b) = (edit(0, 3, "one", "1"), edit(4, 7, "two", "2"));
        assert_eq!(apply("one two three", &[&a, &b]), Ok("1 2 three".into()));
    }

    #[test]
    fn a_changed_text_refuses_the_whole_file() {
        let (a, b) = (edit(0, 3, "one", "1"), edit(4, 7, "two", "2"));
        assert_eq!(
            apply("one TWO three", &[&a, &b]),
            Err(Refused::Stale { line: 1 })
        );
        let past_end = edit(20, 23, "one", "1");
        assert!(apply("one", &[&past_end]).is_err());
        let inside_a_char = edit(1, 2, "é", "e");
        assert!(apply("é", &[&inside_a_char]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn only_files_the_analysis_read_inside_the_trees_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        fs::create_dir(&tree).unwrap();
        let inside = tree.join("a.rs");
        let outside = dir.path().join("b.rs");
        fs::write(&inside, "one").unwrap();
        fs::write(&outside, "one").unwrap();
        let link = tree.join("link.rs");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let bounds = Bounds::new(
            std::slice::from_ref(&tree),
            &[inside.clone(), outside.clone(), link.clone()],
        );
        let e = edit(0, 3, "one", "1");
        assert!(matches!(
            edit_file(&bounds, &outside, &[&e]),
            Err(Refused::Outside(_))
        ));
        assert!(matches!(
            edit_file(&bounds, &link, &[&e]),
            Err(Refused::Outside(_))
        ));
        assert!(matches!(
            edit_file(&bounds, &tree.join("unread.rs"), &[&e]),
            Err(Refused::Outside(_))
        ));
        assert_eq!(
            fs::read_to_string(&outside).unwrap(),
            "one",
            "untouched through the link"
        );
        edit_file(&bounds, &inside, &[&e]).unwrap();
        assert_eq!(fs::read_to_string(&inside).unwrap(), "1");
        let leftovers = fs::read_dir(&tree).unwrap().count();
        assert_eq!(leftovers, 2, "no temp file left: a.rs and link.rs");
    }
}
