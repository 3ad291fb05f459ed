//! File discovery: walks the given paths with `walkdir` and yields Rust source files and the
//! package folders (those holding a `Cargo.toml`) met on the way.
//!
//! Skips `target/`, hidden folders and configured excludes. Folders that cannot be read and
//! symlink loops become [`Error`]s for that path; the walk goes on.
//!
//! Each given path is a [`Tree`]: nothing outside it is read. A symlink whose target lies
//! inside the tree is followed; one that leaves it is an [`Error::SymlinkOutside`] and is
//! neither read nor entered.

use std::cell::RefCell;
use std::path::{Component, Path, PathBuf};

use walkdir::WalkDir;

use crate::error::Error;

/// What a walk found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Source files, sorted.
    pub files: Vec<PathBuf>,
    /// Folders with a `Cargo.toml`, at or below the given paths.
    pub packages: Vec<PathBuf>,
    /// The scanned trees, one per given path.
    pub trees: Vec<Tree>,
    pub errors: Vec<Error>,
}

/// A scanned root: the folder given, or the file given (then its folder bounds the paths
/// its declarations name, though only the file itself is read).
#[derive(Debug, Clone)]
pub struct Tree {
    /// Absolute and lexically normal: what declarations (`#[path]`, `include!`, path
    /// dependencies) are checked against.
    lexical: PathBuf,
    /// The same folder with symlinks resolved: what symlink targets are checked against.
    real: Option<PathBuf>,
}

impl Tree {
    pub fn new(root: &Path) -> Tree {
        let folder = if root.is_file() {
            root.parent().unwrap_or(Path::new(""))
        } else {
            root
        };
        Tree {
            lexical: absolute(folder),
            real: folder.canonicalize().ok(),
        }
    }

    /// Whether `path` (relative to the current folder, or absolute) names something in the
    /// tree, judged on the text of the path: `..` and absolute paths may leave it.
    pub fn contains(&self, path: &Path) -> bool {
        absolute(path).starts_with(&self.lexical)
    }

    /// Whether `path` is in the tree both on its text and once symlinks are resolved (a
    /// folder reached through a link in the tree may lie elsewhere): for folders walked as
    /// roots of their own, such as path dependencies.
    pub fn holds(&self, path: &Path) -> bool {
        let real_inside = match (path.canonicalize(), &self.real) {
            (Ok(target), Some(real)) => target.starts_with(real),
            (Ok(_), None) => false,
            // Missing: nothing to read there.
            (Err(_), _) => true,
        };
        self.contains(path) && real_inside
    }

    /// Whether a symlink at `link` resolves into the tree; `Err` holds where it leads. A
    /// dangling link leads nowhere to read: the walk reports it as it would any.
    fn resolves_inside(&self, link: &Path) -> Result<(), PathBuf> {
        let Ok(target) = link.canonicalize() else {
            return Ok(());
        };
        match &self.real {
            Some(real) if target.starts_with(real) => Ok(()),
            _ => Err(target),
        }
    }
}

/// Whether any of `trees` contains `path` (see [`Tree::contains`]).
pub fn in_trees(trees: &[Tree], path: &Path) -> bool {
    trees.iter().any(|t| t.contains(path))
}

/// `path` made absolute against the current folder, `.` and `..` resolved on the text
/// (without touching the file system, so a missing file is judged as well).
pub fn absolute(path: &Path) -> PathBuf {
    let joined = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
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
    let mut trees = Vec::new();
    let errors = RefCell::new(Vec::new());
    for root in paths {
        if !root.exists() {
            errors
                .borrow_mut()
                .push(Error::NotFound { path: root.clone() });
            continue;
        }
        let tree = Tree::new(root);
        // The given path itself is the user's choice; every link below it is checked
        // before walkdir reads or enters it.
        let stays_inside = |e: &walkdir::DirEntry| {
            if e.depth() == 0 || !e.path_is_symlink() {
                return true;
            }
            match tree.resolves_inside(e.path()) {
                Ok(()) => true,
                Err(target) => {
                    errors.borrow_mut().push(Error::SymlinkOutside {
                        path: e.path().to_path_buf(),
                        target,
                    });
                    false
                }
            }
        };
        let walk = WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                (e.depth() == 0 || !is_skipped_dir(e.path(), e.file_type().is_dir()))
                    && stays_inside(e)
            });
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
                Err(err) => errors.borrow_mut().push(Error::Walk {
                    path: err
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone()),
                    message: walk_message(&err),
                }),
            }
        }
        trees.push(tree);
    }
    files.sort();
    files.dedup();
    packages.sort();
    packages.dedup();
    Discovered {
        files,
        packages,
        trees,
        errors: errors.into_inner(),
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
