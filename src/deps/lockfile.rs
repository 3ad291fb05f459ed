//! The dependency graph from `Cargo.lock` and the sources already on disk, without running
//! cargo: resolving the graph with `cargo metadata` costs about a third of a second on a
//! large workspace, most of a cold run.
//!
//! The lock holds the graph resolved with every feature of every member; cargo metadata's
//! is the one with the members' default features. So features are resolved again here as
//! cargo's resolver does, from each package's manifest, starting at the members. A package
//! not unpacked is left out and named in [`DependencyGraph::missing`]; whatever cannot be
//! matched (a lock older than a manifest, a source replaced in cargo's config) is an error:
//! the caller then runs cargo metadata, which downloads and re-locks.

use std::path::{Path, PathBuf};

use super::DependencyGraph;

mod features;
mod locate;
mod lock;
mod manifest;
mod resolution;
#[cfg(test)]
mod tests;

use locate::Store;
use lock::Lock;
use resolution::Resolution;

/// How the lock and cargo metadata name crates.io.
const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

impl DependencyGraph {
    /// The graph [`DependencyGraph::from_metadata`] reads, from the lock file of the
    /// workspace at `workspace_root` and the sources under `$CARGO_HOME`; `members` are the
    /// member manifests (`cargo metadata --no-deps` lists them). Packages not on disk are
    /// left out and listed in `missing`; an error says what could not be matched: run cargo
    /// metadata then.
    pub fn from_lockfile(
        workspace_root: &Path,
        members: &[PathBuf],
        cargo_home: &Path,
    ) -> Result<Self, String> {
        from_lockfile_in(workspace_root, members, cargo_home)
    }
}

fn from_lockfile_in(
    workspace_root: &Path,
    members: &[PathBuf],
    cargo_home: &Path,
) -> Result<DependencyGraph, String> {
    refuse_redirected_sources(workspace_root, cargo_home)?;
    let path = workspace_root.join("Cargo.lock");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let lock = Lock::parse(&text)?;
    let mut resolution = Resolution::new(&lock, Store::new(cargo_home), workspace_root);
    resolution.note_patches(workspace_root)?;
    resolution.activate_members(members)?;
    resolution.run()?;
    Ok(resolution.into_graph())
}

/// Source replacement (vendoring, mirrors) and `paths` overrides move packages away from
/// where the lock says they come from: leave those workspaces to cargo.
fn refuse_redirected_sources(workspace_root: &Path, cargo_home: &Path) -> Result<(), String> {
    let in_folders = workspace_root.ancestors().map(|d| d.join(".cargo"));
    for folder in in_folders.chain([cargo_home.to_path_buf()]) {
        for file in ["config.toml", "config"] {
            let Ok(text) = std::fs::read_to_string(folder.join(file)) else {
                continue;
            };
            let redirects = text.lines().map(str::trim).any(|line| {
                line.starts_with("replace-with")
                    || line.starts_with("paths")
                    || line.starts_with("[patch")
            });
            if redirects {
                return Err(format!(
                    "{} redirects package sources",
                    folder.join(file).display()
                ));
            }
        }
    }
    Ok(())
}
