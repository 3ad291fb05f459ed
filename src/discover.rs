//! File discovery: walks the given paths with `walkdir` and yields Rust source files and the
//! package folders (those holding a `Cargo.toml`) met on the way.
//!
//! Skips `target/`, hidden folders and configured excludes. Folders that cannot be read and
//! symlink loops become [`Error`]s for that path; the walk goes on.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::Error;

/// What a walk found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Source files, sorted.
    pub files: Vec<PathBuf>,
    /// Folders with a `Cargo.toml`, at or below the given paths.
    pub packages: Vec<PathBuf>,
    pub errors: Vec<Error>,
}

/// Source files found under `paths`, sorted, plus the failures met on the way.
pub fn rust_files(paths: &[PathBuf], excludes: &[String]) -> (Vec<PathBuf>, Vec<Error>) {
    let found = discover(paths, excludes);
    (found.files, found.errors)
}

/// Walks `paths` for source files and package folders.
pub fn discover(paths: &[PathBuf], excludes: &[String]) -> Discovered {
    let mut files = Vec::new();
    let mut packages = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        if !root.exists() {
            errors.push(Error::NotFound { path: root.clone() });
            continue;
        }
        let walk = WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_skipped_dir(e.path(), e.file_type().is_dir()));
        for entry in walk {
            match entry {
                Ok(e) if e.file_type().is_file() && is_rust(e.path()) => {
                    if !is_excluded(e.path(), excludes) {
                        files.push(e.into_path());
                    }
                }
                Ok(e) if e.file_type().is_file() && e.file_name() == "Cargo.toml" => {
                    packages.extend(e.path().parent().map(Path::to_path_buf));
                }
                Ok(_) => {}
                Err(err) => errors.push(Error::Walk {
                    path: err
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone()),
                    message: walk_message(&err),
                }),
            }
        }
    }
    files.sort();
    files.dedup();
    packages.sort();
    packages.dedup();
    Discovered {
        files,
        packages,
        errors,
    }
}

fn is_rust(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
}

fn is_skipped_dir(path: &Path, is_dir: bool) -> bool {
    if !is_dir {
        return false;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "target" || (name.starts_with('.') && name.len() > 1 && name != "..")
}

fn is_excluded(path: &Path, excludes: &[String]) -> bool {
    let text = path.to_string_lossy().replace('\\', "/");
    excludes
        .iter()
        .any(|ex| text.contains(ex.trim_matches('/')))
}

fn walk_message(err: &walkdir::Error) -> String {
    if let Some(ancestor) = err.loop_ancestor() {
        return format!("symlink loop back to `{}`", ancestor.display());
    }
    match err.io_error() {
        Some(io) => io.to_string(),
        None => err.to_string(),
    }
}
