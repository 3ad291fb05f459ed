//! Whether the files `--fix` would edit have uncommitted changes, which a fix would mix
//! with its own (cargo fix's rule). git is asked only to list and hash: `ls-files`,
//! `ls-tree`, `hash-object --no-filters`, never `status` or `diff`, which run the filters
//! and monitors the repository's own config names (see `gate::diff_base`).

use std::path::{Path, PathBuf};

use crate::gate::diff_base::git;

/// Why the files may not be edited without `--allow-dirty` / `--allow-no-vcs`.
#[derive(Debug, PartialEq, Eq)]
pub enum Unsafe {
    /// No git repository holds the files.
    NoVcs,
    /// These files differ from their last commit (changed, staged or untracked).
    Dirty(Vec<PathBuf>),
}

/// Checks `files` against the git repository around `dir`.
pub fn check(dir: &Path, files: &[&Path]) -> Result<(), Unsafe> {
    let Ok(top) = git(dir, &["rev-parse", "--show-toplevel"], None) else {
        return Err(Unsafe::NoVcs);
    };
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches('\n'));
    let dirty: Vec<PathBuf> = files
        .iter()
        .filter(|f| !clean(&top, f))
        .map(|f| f.to_path_buf())
        .collect();
    if dirty.is_empty() {
        Ok(())
    } else {
        Err(Unsafe::Dirty(dirty))
    }
}

/// The file is committed, its staged blob is the committed one, and its bytes are that
/// blob (hashed without filters: a file a filter would change counts as changed).
fn clean(top: &Path, file: &Path) -> bool {
    let Some(relative) = file
        .canonicalize()
        .ok()
        .and_then(|f| Some(f.strip_prefix(top.canonicalize().ok()?).ok()?.to_path_buf()))
    else {
        return false;
    };
    let Some(relative) = relative.to_str() else {
        return false;
    };
    let blob_of = |args: &[&str]| -> Option<String> {
        let out = git(top, args, None).ok()?;
        // `<mode> <kind?> <id> ...`: the id is the first 40 or 64 hex characters field.
        let line = String::from_utf8_lossy(&out).into_owned();
        line.split(|c: char| c.is_whitespace())
            .find(|w| (w.len() == 40 || w.len() == 64) && w.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_string)
    };
    let committed = blob_of(&["ls-tree", "HEAD", "--", relative]);
    let staged = blob_of(&["ls-files", "--stage", "--", relative]);
    let on_disk = git(top, &["hash-object", "--no-filters", "--", relative], None)
        .ok()
        .map(|out| String::from_utf8_lossy(&out).trim().to_string());
    committed.is_some() && committed == staged && staged == on_disk
}
