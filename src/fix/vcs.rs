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
    let relative = top
        .canonicalize()
        .ok()
        .zip(file.canonicalize().ok())
        .and_then(|(top, file)| Some(file.strip_prefix(top).ok()?.to_str()?.to_string()));
    let Some(relative) = relative else {
        return false;
    };
    // `<mode> blob <id>\t<path>`, one record for a committed file.
    let committed = object_id(top, &["ls-tree", "-z", "HEAD", "--", &relative], 2);
    // `<mode> <id> <stage>\t<path>`: one record at stage 0 unless a merge is unfinished.
    let staged = object_id(top, &["ls-files", "-z", "--stage", "--", &relative], 1);
    let on_disk = git(top, &["hash-object", "--no-filters", "--", &relative], None)
        .ok()
        .and_then(|out| String::from_utf8(out).ok())
        .map(|id| id.trim_end().to_string());
    committed.is_some() && committed == staged && staged == on_disk
}

/// The object id in field `field` (space-separated, before the tab) of the only record
/// git prints for `args`; `None` for no record, or more than one.
fn object_id(dir: &Path, args: &[&str], field: usize) -> Option<String> {
    let out = git(dir, args, None).ok()?;
    let mut records = out.split(|b| *b == 0).filter(|r| !r.is_empty());
    let (only, None) = (records.next()?, records.next()) else {
        return None;
    };
    let head = std::str::from_utf8(only).ok()?.split('\t').next()?;
    head.split(' ').nth(field).map(str::to_string)
}
