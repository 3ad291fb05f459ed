//! Where cargo keeps the sources of registry and git packages, under `$CARGO_HOME`:
//! `registry/src/<host>-<hash>/<name>-<version>/` and
//! `git/checkouts/<repo>-<hash>/<short commit>/`. Only folders cargo finished unpacking
//! count: a half-written one is as good as missing.

use std::fs;
use std::path::{Path, PathBuf};

use super::manifest::Manifests;

/// The unpacked sources under one `$CARGO_HOME`.
pub(super) struct Store {
    /// `registry/src/*`, most recently changed first: when two cargo versions unpacked
    /// into differently hashed folders, the one in use now is the one cargo metadata names.
    registry_dirs: Vec<PathBuf>,
    checkouts: PathBuf,
}

impl Store {
    pub fn new(cargo_home: &Path) -> Store {
        let mut registry_dirs: Vec<(std::time::SystemTime, PathBuf)> =
            fs::read_dir(cargo_home.join("registry").join("src"))
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| {
                    let changed = e.metadata().ok()?.modified().ok()?;
                    Some((changed, e.path()))
                })
                .collect();
        registry_dirs.sort_by(|a, b| b.cmp(a));
        Store {
            registry_dirs: registry_dirs.into_iter().map(|(_, dir)| dir).collect(),
            checkouts: cargo_home.join("git").join("checkouts"),
        }
    }

    /// The folder of registry package `name` `version` from `source`
    /// (`registry+https://..` or `sparse+https://..`).
    pub fn registry_package(&self, source: &str, name: &str, version: &str) -> Option<PathBuf> {
        let hosts = registry_hosts(source);
        self.registry_dirs
            .iter()
            .filter(|dir| {
                let folder = file_name(dir);
                hosts.iter().any(|h| hashed_name_of(&folder, h))
            })
            .map(|dir| dir.join(format!("{name}-{version}")))
            .find(|dir| unpacked(dir))
    }

    /// The folder of package `name` inside the checkout of git `source`
    /// (`git+https://host/org/repo?branch=x#<commit>`).
    pub fn git_package(&self, source: &str, name: &str) -> Option<PathBuf> {
        let (url, commit) = source.strip_prefix("git+")?.split_once('#')?;
        let repo = repository_name(url);
        let checkout = fs::read_dir(&self.checkouts)
            .ok()?
            .flatten()
            .filter(|e| hashed_name_of(&e.file_name().to_string_lossy(), &repo))
            .flat_map(|e| fs::read_dir(e.path()).into_iter().flatten().flatten())
            .map(|e| e.path())
            .find(|dir| {
                is_short_commit(&file_name(dir), commit) && dir.join(".cargo-ok").exists()
            })?;
        find_package(&checkout, name)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Whether `folder` is `<prefix>-<hash>`, as cargo names registry and checkout folders.
fn hashed_name_of(folder: &str, prefix: &str) -> bool {
    folder
        .rsplit_once('-')
        .is_some_and(|(head, _)| head.eq_ignore_ascii_case(prefix))
}

/// The hosts a registry's folders are named after; crates.io's index lives at two.
fn registry_hosts(source: &str) -> Vec<String> {
    let url = source.split_once('+').map_or(source, |(_, url)| url);
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_string();
    if source == super::CRATES_IO {
        vec!["index.crates.io".to_string(), host]
    } else {
        vec![host]
    }
}

/// Cargo marks a fully unpacked registry package with `.cargo-ok` holding `{"v":1}`.
fn unpacked(dir: &Path) -> bool {
    fs::read_to_string(dir.join(".cargo-ok")).is_ok_and(|ok| ok.trim() == r#"{"v":1}"#)
}

/// `repo` of `https://host/org/repo.git?branch=x`.
fn repository_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    last.trim_end_matches(".git").to_string()
}

/// Cargo names a checkout by an abbreviation of its commit, at least 7 characters.
fn is_short_commit(folder: &str, commit: &str) -> bool {
    folder.len() >= 7 && commit.starts_with(folder)
}

/// The folder under `checkout` whose manifest is package `name` (a git repository may hold
/// a whole workspace); cargo skips hidden folders and `target`.
fn find_package(checkout: &Path, name: &str) -> Option<PathBuf> {
    let walk = walkdir::WalkDir::new(checkout)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            e.depth() == 0 || !(n.starts_with('.') || n == "target")
        });
    walk.flatten()
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .find(|dir| Manifests::package_name(dir).as_deref() == Some(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repository_is_named_by_the_last_part_of_its_url() {
        assert_eq!(
            repository_name("https://github.com/org/Repo.git?branch=main"),
            "Repo"
        );
        assert_eq!(repository_name("https://host/a/b/"), "b");
    }

    #[test]
    fn crates_io_folders_are_found_under_either_host() {
        let hosts = registry_hosts(super::super::CRATES_IO);
        assert!(hashed_name_of(
            "index.crates.io-1949cf8c6b5b557f",
            &hosts[0]
        ));
        assert!(hashed_name_of("github.com-1ecc6299db9ec823", &hosts[1]));
        assert_eq!(
            registry_hosts("sparse+https://my.reg:8080/index/"),
            ["my.reg"]
        );
    }

    #[test]
    fn a_checkout_folder_abbreviates_the_commit() {
        assert!(is_short_commit("0123abc", "0123abcdef"));
        assert!(!is_short_commit("0123ab", "0123abcdef"));
        assert!(!is_short_commit("0123abd", "0123abcdef"));
    }
}
