//! Cargo's feature resolution replayed over the lock file.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::features::Enabled;
use super::locate::Store;
use super::lock::{Lock, Locked};
use super::manifest::{Declaration, Kind, LibTarget, Manifest, Manifests, Origin};
use crate::deps::graph::DESCRIBED_BY_VOCABULARY;
use crate::deps::{Dependency, DependencyGraph};

/// One lock package the resolution reached.
#[derive(Default)]
struct Activation {
    /// Features asked of it by the packages depending on it (`default` included).
    requested: BTreeSet<String>,
    manifest: Option<Rc<Manifest>>,
    /// Its dependencies as resolved, by lock index.
    edges: BTreeMap<usize, Edge>,
}

/// A resolved dependency: how the first declaration of it names it, and whether any
/// declaration of it is not a build dependency (only those are code's).
struct Edge {
    declaration: Declaration,
    for_code: bool,
}

/// Cargo's dependency resolution replayed over the lock: which packages, and which of
/// their dependencies, the members' default features reach.
pub(super) struct Resolution<'a> {
    lock: &'a Lock,
    store: Store,
    manifests: Manifests,
    reached: Vec<Option<Activation>>,
    members: BTreeMap<usize, PathBuf>,
    /// Folders path packages may be in, by package name: from path declarations and
    /// `[patch]` tables.
    path_hints: HashMap<String, Vec<PathBuf>>,
    /// The scanned workspace: a path package outside it is not read (cargo metadata, run
    /// instead, resolves it, and the engine reports it).
    workspace: crate::input::discover::Tree,
    queue: Vec<usize>,
    queued: Vec<bool>,
    /// Reached packages whose sources are not on disk (`name version`): not followed.
    missing: BTreeSet<String>,
}

impl<'a> Resolution<'a> {
    pub(super) fn new(lock: &'a Lock, store: Store, workspace_root: &Path) -> Self {
        let n = lock.packages.len();
        Resolution {
            lock,
            store,
            manifests: Manifests::default(),
            reached: (0..n).map(|_| None).collect(),
            members: BTreeMap::new(),
            path_hints: HashMap::new(),
            workspace: crate::input::discover::Tree::new(workspace_root),
            queue: Vec::new(),
            queued: vec![false; n],
            missing: BTreeSet::new(),
        }
    }

    pub(super) fn note_patches(&mut self, workspace_root: &Path) -> Result<(), String> {
        for (package, dir) in Manifests::patched_paths(workspace_root)? {
            self.path_hints.entry(package).or_default().push(dir);
        }
        Ok(())
    }

    /// Each member, with its default features (what cargo metadata resolves for).
    pub(super) fn activate_members(&mut self, members: &[PathBuf]) -> Result<(), String> {
        for manifest_path in members {
            let dir = manifest_path.parent().unwrap_or(Path::new("."));
            let manifest = self.manifests.package(dir)?;
            let version = manifest.version.as_deref().unwrap_or("0.0.0");
            let index = self
                .lock
                .packages
                .iter()
                .position(|p| p.source.is_none() && p.name == manifest.name && p.version == version)
                .ok_or_else(|| {
                    format!("member {} {version} is not in Cargo.lock", manifest.name)
                })?;
            self.members.insert(index, dir.to_path_buf());
            self.request(index, ["default".to_string()].into());
        }
        Ok(())
    }

    /// Asks features of a package; it is (re)visited if that reaches it or adds any.
    fn request(&mut self, index: usize, features: BTreeSet<String>) {
        let first = self.reached[index].is_none();
        let activation = self.activation(index);
        let before = activation.requested.len();
        activation.requested.extend(features);
        let grew = activation.requested.len() > before;
        if (first || grew) && !self.queued[index] {
            self.queued[index] = true;
            self.queue.push(index);
        }
    }

    pub(super) fn run(&mut self) -> Result<(), String> {
        while let Some(index) = self.queue.pop() {
            self.queued[index] = false;
            self.visit(index)?;
        }
        Ok(())
    }

    /// Follows the dependencies a package's requested features enable, as cargo's
    /// resolver does: non-optional ones, optional ones a feature enables, dev-dependencies
    /// of members only; the host platform's only (the manifest keeps no other's
    /// declarations, as `cargo metadata --filter-platform` does).
    fn visit(&mut self, index: usize) -> Result<(), String> {
        // A registry or git package not unpacked (a git source never fetched) is left out,
        // with what only it reaches: the rest of the graph is still read. A path package
        // not found is cargo's to resolve (one outside the tree is reported, never read).
        let unread = self.activation(index).manifest.is_none()
            && self.lock.packages[index].source.is_some()
            && self.sources(index).is_none();
        if unread {
            let locked = &self.lock.packages[index];
            self.missing
                .insert(format!("{} {}", locked.name, locked.version));
            return Ok(());
        }
        let manifest = self.manifest(index)?;
        let is_member = self.members.contains_key(&index);
        let requested = self.activation(index).requested.clone();
        let enabled = Enabled::by(&manifest, &requested);
        for declaration in &manifest.declarations {
            if declaration.kind == Kind::Dev && !is_member {
                continue;
            }
            if declaration.optional && !enabled.dependencies.contains_key(&declaration.key) {
                continue;
            }
            if let Origin::Path(dir) = &declaration.origin {
                let hints = self
                    .path_hints
                    .entry(declaration.package.clone())
                    .or_default();
                if !hints.contains(dir) {
                    hints.push(dir.clone());
                }
            }
            let target = self.resolve(index, declaration)?;
            let mut wanted: BTreeSet<String> = declaration.features.iter().cloned().collect();
            wanted.extend(enabled.features_of(&declaration.key));
            if declaration.default_features {
                wanted.insert("default".to_string());
            }
            self.link(index, target, declaration);
            self.request(target, wanted);
        }
        Ok(())
    }

    fn activation(&mut self, index: usize) -> &mut Activation {
        self.reached[index].get_or_insert_with(Activation::default)
    }

    fn link(&mut self, from: usize, to: usize, declaration: &Declaration) {
        let edge = self
            .activation(from)
            .edges
            .entry(to)
            .or_insert_with(|| Edge {
                declaration: declaration.clone(),
                for_code: false,
            });
        edge.for_code |= declaration.kind != Kind::Build;
    }

    /// Which of the package's locked dependencies a declaration resolved to: the only one
    /// of that package, else the one its version requirement, then its source kind, picks.
    fn resolve(&self, from: usize, declaration: &Declaration) -> Result<usize, String> {
        let locked = &self.lock.packages;
        let candidates: Vec<usize> = locked[from]
            .dependencies
            .iter()
            .copied()
            .filter(|&d| locked[d].name == declaration.package)
            .collect();
        let version_fits =
            |d: &usize| fits(declaration.version_req.as_deref(), &locked[*d].version);
        let origin_fits =
            |d: &usize| same_origin(&declaration.origin, locked[*d].source.as_deref());
        let chosen = match candidates[..] {
            [one] => Some(one),
            [] => None,
            _ => only(candidates.iter().copied().filter(version_fits)).or_else(|| {
                only(
                    candidates
                        .iter()
                        .copied()
                        .filter(|d| version_fits(d) && origin_fits(d)),
                )
            }),
        };
        let stale = || {
            format!(
                "Cargo.lock has no single `{}` fitting {}'s declaration (older than its manifest?)",
                declaration.package, locked[from].name
            )
        };
        let chosen = chosen.ok_or_else(stale)?;
        if !version_fits(&chosen) {
            return Err(stale());
        }
        Ok(chosen)
    }

    /// The package's manifest, read from where its sources are on the first visit.
    fn manifest(&mut self, index: usize) -> Result<Rc<Manifest>, String> {
        if let Some(found) = self.activation(index).manifest.clone() {
            return Ok(found);
        }
        let locked = &self.lock.packages[index];
        let dir = self
            .sources(index)
            .ok_or_else(|| format!("{} {} is not on disk", locked.name, locked.version))?;
        let manifest = self.manifests.package(&dir)?;
        if manifest.name != locked.name {
            return Err(format!(
                "{} holds {}, not {}",
                dir.display(),
                manifest.name,
                locked.name
            ));
        }
        self.activation(index).manifest = Some(manifest.clone());
        Ok(manifest)
    }

    /// The folder holding a locked package's manifest.
    fn sources(&mut self, index: usize) -> Option<PathBuf> {
        let locked = &self.lock.packages[index];
        match locked.source.as_deref() {
            None => self
                .members
                .get(&index)
                .cloned()
                .or_else(|| self.path_package(index)),
            Some(git) if git.starts_with("git+") => self.store.git_package(git, &locked.name),
            Some(registry)
                if registry.starts_with("registry+") || registry.starts_with("sparse+") =>
            {
                self.store
                    .registry_package(registry, &locked.name, &locked.version)
            }
            Some(_) => None,
        }
    }

    /// A path package's folder: among those declarations pointed at, the one holding it.
    fn path_package(&mut self, index: usize) -> Option<PathBuf> {
        let locked = &self.lock.packages[index];
        let hints = self.path_hints.get(&locked.name)?.clone();
        hints.into_iter().find(|dir| {
            self.workspace.holds(dir)
                && self.manifests.package(dir).is_ok_and(|m| {
                    m.name == locked.name
                        && m.version.as_deref().unwrap_or("0.0.0") == locked.version
                })
        })
    }

    fn lib(&self, index: usize) -> Option<&LibTarget> {
        self.reached[index]
            .as_ref()?
            .manifest
            .as_ref()?
            .lib
            .as_ref()
    }

    /// The graph as [`DependencyGraph::from_metadata`] builds it: every reached package
    /// with a linkable lib but the members and what the vocabulary describes; edges to
    /// packages with a lib, named as code names them.
    pub(super) fn into_graph(self) -> DependencyGraph {
        let ids: Vec<String> = self.lock.packages.iter().map(Locked::id).collect();
        let mut by_id = HashMap::new();
        let mut direct = BTreeMap::new();
        for (index, activation) in self.reached.iter().enumerate() {
            let Some(activation) = activation else {
                continue;
            };
            let deps: Vec<(String, String)> = activation
                .edges
                .iter()
                .filter(|(_, edge)| edge.for_code)
                .filter_map(|(&to, edge)| {
                    let name = edge.declaration.code_name(self.lib(to)?);
                    Some((name, ids[to].clone()))
                })
                .collect();
            if self.members.contains_key(&index) {
                let outside =
                    |(_, id): &(String, String)| !self.members.keys().any(|&m| &ids[m] == id);
                direct.extend(deps.into_iter().filter(outside));
                continue;
            }
            let locked = &self.lock.packages[index];
            if DESCRIBED_BY_VOCABULARY.contains(&locked.name.as_str()) {
                continue;
            }
            let Some(lib) = self.lib(index).filter(|lib| lib.linkable) else {
                continue; // proc-macro crates and binaries: nothing to call at run time
            };
            let features = activation.manifest.as_ref().map_or_else(Vec::new, |m| {
                Enabled::by(m, &activation.requested)
                    .features
                    .into_iter()
                    .collect()
            });
            let dependency = Dependency {
                name: locked.name.replace('-', "_"),
                package: locked.name.clone(),
                version: locked.version.clone(),
                source: locked.source.clone(),
                lib_root: lib.root.clone(),
                src_dir: lib.root.parent().map(PathBuf::from).unwrap_or_default(),
                deps,
                features,
                id: ids[index].clone(),
            };
            by_id.insert(ids[index].clone(), dependency);
        }
        DependencyGraph {
            by_id,
            direct: direct.into_iter().collect(),
            missing: self.missing.into_iter().collect(),
        }
    }
}

fn only(mut candidates: impl Iterator<Item = usize>) -> Option<usize> {
    let first = candidates.next()?;
    candidates.next().is_none().then_some(first)
}

/// Whether a locked version meets a declaration's requirement. Pre-releases and
/// requirements the semver crate does not read are given the benefit of the doubt: cargo's
/// matching of those has its own rules.
fn fits(requirement: Option<&str>, version: &str) -> bool {
    let Some(requirement) = requirement else {
        return true;
    };
    match (
        semver::VersionReq::parse(requirement),
        semver::Version::parse(version),
    ) {
        (Ok(req), Ok(version)) => !version.pre.is_empty() || req.matches(&version),
        _ => true,
    }
}

fn same_origin(origin: &Origin, source: Option<&str>) -> bool {
    match (origin, source) {
        (Origin::Path(_), None) => true,
        (Origin::Git, Some(s)) => s.starts_with("git+"),
        (Origin::Registry, Some(s)) => !s.starts_with("git+"),
        _ => false,
    }
}
