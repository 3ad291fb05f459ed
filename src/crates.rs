//! Crate awareness: which source files the module trees of the scanned packages reach.
//!
//! A package is a folder with a `Cargo.toml` at or below a scanned path. Its crate roots
//! are its targets ([`Manifest::targets`](crate::input::manifest::Manifest::targets): cargo's default layout and the manifest's target
//! tables), those cargo's target flags select ([`Targets`]; all of them without a
//! [`Build`](crate::input::build::Build)); from them the tree
//! follows `mod x;` declarations (with `#[path]`, inside inline modules and inside item
//! macros such as `cfg_if!`) and item-level `include!("x.rs")`, taken from the summaries. A file inside a package that no
//! module reaches (a fixture meant for `include!`, a trybuild case, a test target not
//! selected) is skipped. Files in no package are all kept, as is everything under a file that failed to parse, since its
//! `mod` declarations are unknown. A declaration naming a file outside the scanned trees
//! (an absolute `#[path]`, `include!("../../x.rs")`, a manifest `path`) is an
//! [`Error::PathOutside`], never read.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::error::Error;
use crate::input::build::{Package, Targets};
use crate::input::discover::{in_trees, Tree};
use crate::summary::{FileSummary, ModDecl};

/// Which files the module trees reach, and the declarations that name files outside the
/// scanned trees.
#[derive(Debug, Default)]
pub struct Reach {
    /// For each file, whether to analyse it.
    pub keep: Vec<bool>,
    /// For each file, whether it is kept but only in modules no code outside its crate can
    /// name: a `pub fn` there is not public API, unless `pub use` names its type or itself
    /// ([`hide_private`]).
    pub hidden: Vec<bool>,
    /// What `pub use` items anywhere in the scan name ([`FileSummary::reexported`]).
    pub reexported: HashSet<String>,
    pub outside: Vec<Error>,
}

/// A scanned file as the module walk sees it.
#[derive(Debug, Clone, Copy)]
pub struct ModuleFile<'a> {
    pub path: &'a Path,
    /// Empty when the file failed.
    pub summary: &'a FileSummary,
    /// It could not be summarised: its `mod` declarations are unknown.
    pub failed: bool,
}

/// For each of `files`, whether to analyse it, from the roots of `packages` that `targets`
/// selects (every root when `None`). Paths declarations name are checked against `trees`.
pub fn reachable(
    packages: &[Package<'_>],
    files: &[ModuleFile<'_>],
    trees: &[Tree],
    selection: Option<&Targets>,
) -> Reach {
    let mut outside = Vec::new();
    let mut check = |declarer: &Path, target: &Path, via: &str| {
        let inside = in_trees(trees, target);
        if !inside {
            outside.push(Error::PathOutside {
                path: declarer.to_path_buf(),
                target: target.to_path_buf(),
                via: via.into(),
            });
        }
        inside
    };
    let index: HashMap<PathBuf, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (normalize(f.path), i))
        .collect();
    let package_dirs: HashSet<PathBuf> = packages.iter().map(|p| normalize(p.folder)).collect();
    let in_package: Vec<bool> = files
        .iter()
        .map(|f| {
            normalize(f.path)
                .ancestors()
                .any(|a| package_dirs.contains(a))
        })
        .collect();
    let mut keep: Vec<bool> = in_package.iter().map(|p| !p).collect();
    // (file, the folder its `mod x;` declarations resolve in)
    let mut work: Vec<(usize, PathBuf)> = Vec::new();
    let reach = |path: &Path, dir: PathBuf, keep: &mut Vec<bool>, work: &mut Vec<_>| {
        if let Some(&i) = index.get(&normalize(path)) {
            if !keep[i] {
                keep[i] = true;
                work.push((i, dir));
            }
        }
    };
    let mut roots = Vec::new();
    for package in packages {
        let targets = package.manifest.targets.iter();
        let selected = targets.filter(|(_, kind)| selection.is_none_or(|t| t.keeps(kind)));
        for (root, _) in selected {
            if check(
                &package.folder.join("Cargo.toml"),
                root,
                "a target's `path`",
            ) {
                let dir = module_dir(root, true);
                reach(root, dir.clone(), &mut keep, &mut work);
                roots.push((root.as_path(), dir));
            }
        }
    }
    while let Some((i, dir)) = work.pop() {
        let file = files[i];
        if file.failed {
            for (path, _) in index.iter().filter(|(p, _)| p.starts_with(&dir)) {
                let mod_rs = path.file_name().is_some_and(|n| n == "mod.rs");
                reach(path, module_dir(path, mod_rs), &mut keep, &mut work);
            }
            continue;
        }
        for decl in &file.summary.mods {
            for (path, mod_rs) in candidates(file.path, &dir, decl) {
                // Only `#[path]` can leave the tree: a module name is one identifier.
                if decl.path_attr.is_some() && !check(file.path, &path, "`#[path]`") {
                    continue;
                }
                let child_dir = module_dir(&path, mod_rs);
                reach(&path, child_dir, &mut keep, &mut work);
            }
        }
        // An included file's items belong to the including module, but rustc resolves its
        // `mod x;` beside the included file (windows-sys: `include!("Windows/mod.rs")`).
        let folder = file.path.parent().unwrap_or(Path::new(""));
        for include in &file.summary.includes {
            let path = folder.join(include);
            if check(file.path, &path, "`include!`") {
                let dir = module_dir(&path, true);
                reach(&path, dir, &mut keep, &mut work);
            }
        }
    }
    let reexported: HashSet<String> = files
        .iter()
        .flat_map(|f| f.summary.reexported.iter().cloned())
        .collect();
    let public = public_files(files, &index, roots, &reexported);
    // Files in no package are kept whole, as if public.
    let hidden = (0..files.len())
        .map(|i| keep[i] && in_package[i] && !public[i])
        .collect();
    Reach {
        keep,
        hidden,
        reexported,
        outside,
    }
}

/// The units of a file in a private module ([`Reach::hidden`]) are not public API: each
/// `pub` fn keeps its mark only when a `pub use` names it or its type.
pub fn hide_private(summary: &mut FileSummary, reexported: &HashSet<String>) {
    for unit in &mut summary.units {
        let named = unit.self_ty.as_ref().unwrap_or(&unit.name);
        unit.is_pub &= reexported.contains(named);
    }
}

/// Which files code outside their crate can name: the crate roots, and what `pub mod`
/// declarations reach from them. A private module a `pub use` anywhere in the scan names
/// whole (`pub use worker::*`) counts as public, as does all under a file that failed
/// to parse (its declarations are unknown). Paths are those [`reachable`] checked.
fn public_files(
    files: &[ModuleFile<'_>],
    index: &HashMap<PathBuf, usize>,
    roots: Vec<(&Path, PathBuf)>,
    reexported: &HashSet<String>,
) -> Vec<bool> {
    let mut public = vec![false; files.len()];
    let mut work: Vec<(usize, PathBuf)> = Vec::new();
    let mut reach = |path: &Path, dir: PathBuf, work: &mut Vec<_>| {
        if let Some(&i) = index.get(&normalize(path)) {
            if !public[i] {
                public[i] = true;
                work.push((i, dir));
            }
        }
    };
    for (root, dir) in roots {
        reach(root, dir, &mut work);
    }
    while let Some((i, dir)) = work.pop() {
        let file = files[i];
        if file.failed {
            for (path, _) in index.iter().filter(|(p, _)| p.starts_with(&dir)) {
                let mod_rs = path.file_name().is_some_and(|n| n == "mod.rs");
                reach(path, module_dir(path, mod_rs), &mut work);
            }
            continue;
        }
        let named = |d: &ModDecl| d.is_pub || reexported.contains(&d.name);
        for decl in file.summary.mods.iter().filter(|d| named(d)) {
            for (path, mod_rs) in candidates(file.path, &dir, decl) {
                reach(&path, module_dir(&path, mod_rs), &mut work);
            }
        }
        let folder = file.path.parent().unwrap_or(Path::new(""));
        for include in &file.summary.includes {
            let path = folder.join(include);
            reach(&path, module_dir(&path, true), &mut work);
        }
    }
    public
}

/// The package folder a file belongs to: the nearest of `packages` above it.
pub fn package_of<'p>(packages: &'p [PathBuf], file: &Path) -> Option<&'p Path> {
    let file = normalize(file);
    packages
        .iter()
        .filter(|p| file.starts_with(normalize(p)))
        .max_by_key(|p| p.components().count())
        .map(PathBuf::as_path)
}

/// Where each scanned file sits in its package, for the workspace pass.
#[derive(Debug, Default)]
pub struct FilePlaces {
    /// Per file: its package folder's number (nearest `Cargo.toml` above it; none: 0).
    pub packages: Vec<u32>,
    /// Per file: its module path in its package's library crate (`aio::pubsub` for
    /// `src/aio/pubsub.rs`, empty for `src/lib.rs`), by cargo's layout; `None` outside
    /// `src/`, for a binary's files and for names no module can have.
    pub modules: Vec<Option<Vec<String>>>,
}

/// The package and module of each of `files` (see [`FilePlaces`]).
pub fn file_places(files: &[PathBuf]) -> FilePlaces {
    let mut folders: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    let mut numbers: HashMap<PathBuf, u32> = HashMap::new();
    let mut places = FilePlaces::default();
    for f in files {
        let Some(pkg) = package_folder(f, &mut folders) else {
            places.packages.push(0);
            places.modules.push(None);
            continue;
        };
        let next = numbers.len() as u32 + 1;
        places
            .modules
            .push(library_module(f.strip_prefix(&pkg).ok()));
        places.packages.push(*numbers.entry(pkg).or_insert(next));
    }
    places
}

/// `aio::pubsub` for `src/aio/pubsub.rs` (or `src/aio/pubsub/mod.rs`) in its package.
fn library_module(rel: Option<&Path>) -> Option<Vec<String>> {
    let rel = rel?.with_extension("");
    let mut parts = rel.iter().map(|c| c.to_str());
    if parts.next()? != Some("src") {
        return None;
    }
    let parts: Vec<&str> = parts.collect::<Option<_>>()?;
    match parts.as_slice() {
        ["main"] | ["bin", ..] => return None,
        _ => {}
    }
    let module_name = |p: &&str| p.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !parts.iter().all(module_name) {
        return None;
    }
    let last = parts.len().saturating_sub(1);
    let named = parts
        .iter()
        .enumerate()
        .filter(|&(k, p)| !(k == last && matches!(*p, "lib" | "mod")));
    Some(named.map(|(_, p)| p.to_string()).collect())
}

/// The nearest folder above `file` holding a `Cargo.toml`, remembering each folder's answer.
fn package_folder(file: &Path, seen: &mut HashMap<PathBuf, Option<PathBuf>>) -> Option<PathBuf> {
    let mut walked = Vec::new();
    let mut dir = file.parent();
    let found = loop {
        let Some(d) = dir else { break None };
        if let Some(known) = seen.get(d) {
            break known.clone();
        }
        walked.push(d.to_path_buf());
        if d.join("Cargo.toml").is_file() {
            break Some(d.to_path_buf());
        }
        dir = d.parent();
    };
    for d in walked {
        seen.insert(d, found.clone());
    }
    found
}

/// The package's edition from its `Cargo.toml` (cargo's default, 2015, when unset).
pub fn edition(package: &Path) -> String {
    let manifest = std::fs::read_to_string(package.join("Cargo.toml")).unwrap_or_default();
    manifest
        .lines()
        .filter_map(|l| l.trim().strip_prefix("edition"))
        .filter_map(|rest| rest.trim().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_string())
        .next()
        .unwrap_or_else(|| "2015".into())
}

/// Where the child modules of a file live: beside a mod-rs file (`lib.rs`, `mod.rs`, a
/// crate root, a `#[path]` file), in a folder named after any other file (`a.rs` -> `a/`).
fn module_dir(file: &Path, mod_rs: bool) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new(""));
    match (mod_rs, file.file_stem()) {
        (false, Some(stem)) => parent.join(stem),
        _ => parent.to_path_buf(),
    }
}

/// The files `mod name;` may load, each with whether it is a mod-rs file.
fn candidates(file: &Path, dir: &Path, decl: &ModDecl) -> Vec<(PathBuf, bool)> {
    let mut inner = dir.to_path_buf();
    inner.extend(&decl.inline_parents);
    match &decl.path_attr {
        // Outside inline modules `#[path]` is relative to the declaring file's folder.
        Some(p) if decl.inline_parents.is_empty() => {
            vec![(file.parent().unwrap_or(Path::new("")).join(p), true)]
        }
        Some(p) => vec![(inner.join(p), true)],
        None => vec![
            (inner.join(format!("{}.rs", decl.name)), false),
            (inner.join(&decl.name).join("mod.rs"), true),
        ],
    }
}

/// `a/./b/../c` -> `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::manifest::Manifest;

    #[test]
    fn a_files_module_is_its_place_under_src() {
        let module = |rel: &str| library_module(Some(Path::new(rel)));
        let path = |p: &[&str]| Some(p.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(module("src/lib.rs"), path(&[]));
        assert_eq!(module("src/aio/mod.rs"), path(&["aio"]));
        assert_eq!(module("src/aio/pubsub.rs"), path(&["aio", "pubsub"]));
        // A binary's files, and targets outside `src/`, are other crates.
        for other in [
            "src/main.rs",
            "src/bin/tool.rs",
            "tests/it.rs",
            "src/a.b.rs",
        ] {
            assert_eq!(module(other), None, "{other}");
        }
    }

    fn decl(name: &str, path_attr: Option<&str>, inline: &[&str]) -> ModDecl {
        ModDecl {
            name: name.into(),
            path_attr: path_attr.map(Into::into),
            inline_parents: inline.iter().map(|s| s.to_string()).collect(),
            is_pub: true,
        }
    }

    fn views<'a>(
        files: &'a [PathBuf],
        summaries: &'a [FileSummary],
        failed: &[bool],
    ) -> Vec<ModuleFile<'a>> {
        files
            .iter()
            .zip(summaries)
            .zip(failed)
            .map(|((path, summary), &failed)| ModuleFile {
                path,
                summary,
                failed,
            })
            .collect()
    }

    #[test]
    fn resolves_module_files_like_rustc() {
        let lib = Path::new("p/src/lib.rs");
        let a = Path::new("p/src/a.rs");
        let lib_dir = module_dir(lib, true);
        assert_eq!(
            candidates(lib, &lib_dir, &decl("a", None, &[]))[0].0,
            Path::new("p/src/a.rs")
        );
        assert_eq!(
            candidates(a, &module_dir(a, false), &decl("b", None, &[]))[1].0,
            Path::new("p/src/a/b/mod.rs")
        );
        assert_eq!(
            candidates(lib, &lib_dir, &decl("x", None, &["inner"]))[0].0,
            Path::new("p/src/inner/x.rs")
        );
        assert_eq!(
            normalize(&candidates(a, &module_dir(a, false), &decl("x", Some("../y.rs"), &[]))[0].0),
            Path::new("p/y.rs")
        );
    }

    /// [`reachable`] from every target of the package at `p`.
    fn reach_from(p: &Path, files: &[ModuleFile<'_>], trees: &[Tree]) -> Reach {
        reach_targets(p, files, trees, None)
    }

    fn reach_targets(
        p: &Path,
        files: &[ModuleFile<'_>],
        trees: &[Tree],
        targets: Option<&Targets>,
    ) -> Reach {
        let manifest = Manifest::read(p);
        let package = Package {
            folder: p,
            manifest: &manifest,
            features: &[],
        };
        reachable(&[package], files, trees, targets)
    }

    #[test]
    fn only_the_selected_targets_are_roots() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pkg");
        for f in ["src/lib.rs", "tests/it.rs", "examples/demo.rs", "build.rs"] {
            std::fs::create_dir_all(p.join(f).parent().unwrap()).unwrap();
            std::fs::write(p.join(f), "").unwrap();
        }
        std::fs::write(p.join("Cargo.toml"), "[package]\nname = \"p\"\n").unwrap();
        let files = vec![
            p.join("build.rs"),
            p.join("examples/demo.rs"),
            p.join("src/lib.rs"),
            p.join("tests/it.rs"),
        ];
        let summaries = vec![FileSummary::default(); 4];
        let views = views(&files, &summaries, &[false; 4]);
        let tree = [Tree::new(dir.path())];
        let all = reach_targets(&p, &views, &tree, None).keep;
        assert_eq!(all, vec![true; 4]);
        let default = reach_targets(&p, &views, &tree, Some(&Targets::default())).keep;
        assert_eq!(default, vec![true, false, true, false]);
    }

    #[test]
    fn target_paths_leaving_the_tree_are_reported_not_reached() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pkg");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(
            p.join("Cargo.toml"),
            "[package]\nname = \"p\"\n[lib]\npath = \"/etc/lib.rs\"\n\
             [[bin]]\nname = \"x\"\npath = \"../../outside.rs\"\n",
        )
        .unwrap();
        let tree = [Tree::new(&p)];
        let reach = reach_from(&p, &[], &tree);
        let mut targets: Vec<PathBuf> = reach
            .outside
            .iter()
            .map(|e| match e {
                Error::PathOutside { target, via, .. } => {
                    assert_eq!(via, "a target's `path`");
                    target.clone()
                }
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        targets.sort();
        assert_eq!(
            targets,
            vec![PathBuf::from("/etc/lib.rs"), p.join("../../outside.rs")]
        );
    }

    #[test]
    fn unreachable_package_files_are_skipped_and_loose_files_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pkg");
        std::fs::create_dir_all(p.join("src")).unwrap();
        std::fs::write(p.join("Cargo.toml"), "[package]\nname = \"p\"\n").unwrap();
        let files = vec![
            p.join("src/a.rs"),
            p.join("src/fixture.rs"),
            p.join("src/lib.rs"),
            dir.path().join("loose.rs"),
        ];
        let mut lib = FileSummary::default();
        lib.mods.push(decl("a", None, &[]));
        let summaries = vec![
            FileSummary::default(),
            FileSummary::default(),
            lib,
            FileSummary::default(),
        ];
        let tree = [Tree::new(dir.path())];
        let reach = reach_from(&p, &views(&files, &summaries, &[false; 4]), &tree);
        assert_eq!(reach.keep, vec![true, false, true, true]);
        assert!(reach.outside.is_empty());
    }

    #[test]
    fn included_files_declare_modules_beside_themselves() {
        let p = PathBuf::from("pkg");
        let files = vec![
            p.join("src/Windows/Win32.rs"),
            p.join("src/Windows/mod.rs"),
            p.join("src/lib.rs"),
        ];
        let mut lib = FileSummary::default();
        lib.includes.push("Windows/mod.rs".into());
        let mut included = FileSummary::default();
        included.mods.push(decl("Win32", None, &[]));
        let summaries = vec![FileSummary::default(), included, lib];
        let tree = [Tree::new(&p)];
        let keep = reach_from(&p, &views(&files, &summaries, &[false; 3]), &tree).keep;
        assert_eq!(keep, vec![true, true, true]);
    }

    #[test]
    fn everything_below_a_file_that_failed_is_kept() {
        let p = PathBuf::from("pkg");
        let files = vec![p.join("src/lib.rs"), p.join("src/deep/x.rs")];
        let summaries = vec![FileSummary::default(), FileSummary::default()];
        let tree = [Tree::new(&p)];
        let keep = reach_from(&p, &views(&files, &summaries, &[true, false]), &tree).keep;
        assert_eq!(keep, vec![true, true]);
    }

    #[test]
    fn declarations_leaving_the_tree_are_reported_not_reached() {
        let p = PathBuf::from("pkg");
        let files = vec![p.join("src/lib.rs"), p.join("src/ok.rs")];
        let mut lib = FileSummary::default();
        lib.mods.push(decl("etc", Some("/etc/passwd"), &[]));
        lib.mods.push(decl("up", Some("../../../outside.rs"), &[]));
        lib.mods.push(decl("ok", Some("ok.rs"), &[]));
        lib.includes.push("/abs/x.rs".into());
        let summaries = vec![lib, FileSummary::default()];
        let tree = [Tree::new(&p)];
        let reach = reach_from(&p, &views(&files, &summaries, &[false; 2]), &tree);
        assert_eq!(reach.keep, vec![true, true]);
        let targets: Vec<String> = reach
            .outside
            .iter()
            .map(|e| match e {
                Error::PathOutside { path, target, .. } => {
                    assert_eq!(path, &p.join("src/lib.rs"));
                    target.to_string_lossy().into_owned()
                }
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            targets,
            vec!["/etc/passwd", "pkg/src/../../../outside.rs", "/abs/x.rs"]
        );
    }
}
