//! What the lock-file path needs of a package's `Cargo.toml`: its lib target, its
//! dependency declarations (kind, rename, optional, features) and its features table.
//! Registry manifests are normalized by cargo; members', path and git packages' may inherit
//! from their workspace (`version.workspace = true`, `foo = { workspace = true }`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use serde::Deserialize;

/// A package's manifest, reduced to what resolution and the graph need.
#[derive(Debug)]
pub(super) struct Manifest {
    pub name: String,
    /// `None` when not written (cargo's `0.0.0`) or not found in the workspace.
    pub version: Option<String>,
    pub lib: Option<LibTarget>,
    pub declarations: Vec<Declaration>,
    /// Explicit features and the implicit one of each optional dependency.
    pub features: BTreeMap<String, Vec<String>>,
}

/// The lib target (any crate type, proc-macro included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LibTarget {
    /// The name code uses for it (`[lib] name`, or the package's, `-` as `_`).
    pub crate_name: String,
    pub root: PathBuf,
    /// Whether cargo metadata calls it `lib` or `rlib` (not `proc-macro`, not only a
    /// `cdylib` or `staticlib`): the crates a dependency graph keeps.
    pub linkable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Normal,
    Build,
    Dev,
}

/// Where a declaration says the package comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Origin {
    Registry,
    Git,
    Path(PathBuf),
}

/// One dependency entry of a manifest.
#[derive(Debug, Clone)]
pub(super) struct Declaration {
    /// Its key in the table: what features name it by.
    pub key: String,
    /// The package it asks for (`package = ".."`, else the key).
    pub package: String,
    /// `package = ".."` was written: code names it by the key, not by its lib name.
    pub renamed: bool,
    pub kind: Kind,
    pub optional: bool,
    pub default_features: bool,
    pub features: Vec<String>,
    pub version_req: Option<String>,
    pub origin: Origin,
}

impl Declaration {
    /// The name code uses for the package this declaration resolved to.
    pub fn code_name(&self, target_lib: &LibTarget) -> String {
        if self.renamed {
            self.key.replace('-', "_")
        } else {
            target_lib.crate_name.clone()
        }
    }
}

type DependencyTable = BTreeMap<String, RawDependency>;

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawManifest {
    package: Option<RawPackage>,
    /// The old name of `[package]`, still met in crates published long ago.
    project: Option<RawPackage>,
    lib: Option<RawLib>,
    /// `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`.
    #[serde(flatten)]
    tables: RawTables,
    #[serde(default)]
    target: BTreeMap<String, RawTables>,
    #[serde(default)]
    features: BTreeMap<String, Vec<String>>,
    workspace: Option<RawWorkspace>,
    #[serde(default)]
    patch: BTreeMap<String, DependencyTable>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: Option<toml::Value>,
    edition: Option<toml::Value>,
    autolib: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawLib {
    name: Option<String>,
    path: Option<String>,
    #[serde(alias = "proc_macro")]
    proc_macro: Option<bool>,
    #[serde(alias = "crate_type")]
    crate_type: Option<Vec<String>>,
}

/// The dependency tables of a manifest, or of one platform of it (`[target.'..']`).
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawTables {
    #[serde(default)]
    dependencies: DependencyTable,
    #[serde(default, alias = "dev_dependencies")]
    dev_dependencies: DependencyTable,
    #[serde(default, alias = "build_dependencies")]
    build_dependencies: DependencyTable,
}

impl RawTables {
    fn with_kinds(&self) -> [(Kind, &DependencyTable); 3] {
        [
            (Kind::Normal, &self.dependencies),
            (Kind::Dev, &self.dev_dependencies),
            (Kind::Build, &self.build_dependencies),
        ]
    }
}

#[derive(Deserialize, Default)]
struct RawWorkspace {
    #[serde(default)]
    dependencies: DependencyTable,
    package: Option<RawWorkspacePackage>,
}

#[derive(Deserialize, Default)]
struct RawWorkspacePackage {
    version: Option<String>,
    edition: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum RawDependency {
    Version(String),
    Detailed(RawDetail),
}

#[derive(Deserialize, Clone, Default)]
#[serde(rename_all = "kebab-case")]
struct RawDetail {
    version: Option<String>,
    path: Option<String>,
    git: Option<String>,
    package: Option<String>,
    optional: Option<bool>,
    #[serde(alias = "default_features")]
    default_features: Option<bool>,
    features: Option<Vec<String>>,
    workspace: Option<bool>,
}

/// A workspace's `[workspace]` table, what its members inherit.
struct WorkspaceDefaults {
    dir: PathBuf,
    table: RawWorkspace,
}

/// Reads manifests once each, and the workspace roots they inherit from.
#[derive(Default)]
pub(super) struct Manifests {
    read: HashMap<PathBuf, Rc<Manifest>>,
    workspaces: HashMap<PathBuf, Option<Rc<WorkspaceDefaults>>>,
}

impl Manifests {
    /// The manifest of the package in folder `dir`.
    pub fn package(&mut self, dir: &Path) -> Result<Rc<Manifest>, String> {
        if let Some(found) = self.read.get(dir) {
            return Ok(found.clone());
        }
        let raw = read_raw(&dir.join("Cargo.toml"))?;
        let manifest = Rc::new(self.reduce(dir, raw)?);
        self.read.insert(dir.to_path_buf(), manifest.clone());
        Ok(manifest)
    }

    /// The package name in `dir`'s manifest, read cheaply (no inheritance, no
    /// declarations): to find one package among a git checkout's.
    pub fn package_name(dir: &Path) -> Option<String> {
        let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        #[derive(Deserialize)]
        struct NameOnly {
            package: Option<Named>,
        }
        #[derive(Deserialize)]
        struct Named {
            name: String,
        }
        toml::from_str::<NameOnly>(&text)
            .ok()?
            .package
            .map(|p| p.name)
    }

    /// The folders `[patch.*]` tables of the manifest in `dir` point at, by package name:
    /// a patched package is locked without a source.
    pub fn patched_paths(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
        let raw = read_raw(&dir.join("Cargo.toml"))?;
        let mut out = Vec::new();
        for table in raw.patch.values() {
            for (key, dep) in table {
                let detail = inherit(dep, key, None);
                if let Some(path) = &detail.path {
                    let package = detail.package.clone().unwrap_or_else(|| key.clone());
                    out.push((package, normalize(&dir.join(path))));
                }
            }
        }
        Ok(out)
    }

    fn reduce(&mut self, dir: &Path, raw: RawManifest) -> Result<Manifest, String> {
        let package = raw
            .package
            .as_ref()
            .or(raw.project.as_ref())
            .ok_or_else(|| format!("{}: no [package]", dir.display()))?;
        let inherits = uses_inheritance(&raw);
        let workspace = inherits.then(|| self.workspace_of(dir)).flatten();
        let defaults = workspace.as_ref().and_then(|w| w.table.package.as_ref());
        let version = inherited_string(&package.version, defaults.and_then(|d| d.version.clone()));
        let edition = inherited_string(&package.edition, defaults.and_then(|d| d.edition.clone()));
        let lib = lib_target(dir, &raw, package, edition.as_deref().unwrap_or("2015"));
        let declarations = declarations(dir, &raw, workspace.as_deref());
        let features = feature_table(&raw.features, &optional_keys(&raw));
        Ok(Manifest {
            name: package.name.clone(),
            version,
            lib,
            declarations,
            features,
        })
    }

    /// The nearest workspace root at or above `dir` (cargo's search for members that do
    /// not name theirs).
    fn workspace_of(&mut self, dir: &Path) -> Option<Rc<WorkspaceDefaults>> {
        for candidate in dir.ancestors() {
            if let Some(known) = self.workspaces.get(candidate) {
                if known.is_some() {
                    return known.clone();
                }
                continue;
            }
            let table = std::fs::read_to_string(candidate.join("Cargo.toml"))
                .ok()
                .and_then(|text| toml::from_str::<RawManifest>(&text).ok())
                .and_then(|raw| raw.workspace);
            let found = table.map(|table| {
                Rc::new(WorkspaceDefaults {
                    dir: candidate.to_path_buf(),
                    table,
                })
            });
            self.workspaces
                .insert(candidate.to_path_buf(), found.clone());
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

fn read_raw(path: &Path) -> Result<RawManifest, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

/// Whether anything in the manifest is taken from its workspace: only then is the
/// workspace root looked for (registry manifests never do).
fn uses_inheritance(raw: &RawManifest) -> bool {
    let package_field = |v: &Option<toml::Value>| v.as_ref().is_some_and(|v| v.is_table());
    let inherited_dep = |table: &DependencyTable| {
        table
            .values()
            .any(|d| matches!(d, RawDependency::Detailed(d) if d.workspace == Some(true)))
    };
    let package = raw.package.as_ref().or(raw.project.as_ref());
    package.is_some_and(|p| package_field(&p.version) || package_field(&p.edition))
        || all_tables(raw, false).any(|(_, table)| inherited_dep(table))
}

/// `version = "1.0"`, or `version.workspace = true` with the workspace's value.
fn inherited_string(field: &Option<toml::Value>, from_workspace: Option<String>) -> Option<String> {
    match field {
        Some(toml::Value::String(s)) => Some(s.clone()),
        Some(toml::Value::Table(_)) => from_workspace,
        _ => None,
    }
}

/// Every dependency table of the manifest with its kind: the plain ones, then each
/// platform's (`[target.'cfg(..)'.dependencies]`), or only the host's (as `cargo metadata
/// --filter-platform` takes them).
fn all_tables(
    raw: &RawManifest,
    only_host: bool,
) -> impl Iterator<Item = (Kind, &DependencyTable)> {
    let platforms = raw
        .target
        .iter()
        .filter(move |(key, _)| !only_host || crate::deps::cfg::matches_host(key))
        .flat_map(|(_, p)| p.with_kinds());
    let plain = raw.tables.with_kinds();
    plain.into_iter().chain(platforms)
}

fn declarations(
    dir: &Path,
    raw: &RawManifest,
    workspace: Option<&WorkspaceDefaults>,
) -> Vec<Declaration> {
    let mut out = Vec::new();
    for (kind, table) in all_tables(raw, true) {
        for (key, dep) in table {
            let own_dir = match dep {
                RawDependency::Detailed(d) if d.workspace == Some(true) => {
                    workspace.map_or(dir, |w| w.dir.as_path())
                }
                _ => dir,
            };
            let detail = inherit(dep, key, workspace);
            out.push(declaration(key, kind, detail, own_dir));
        }
    }
    out
}

/// The entry as written, with `workspace = true` filled in from the workspace's
/// `[workspace.dependencies]` (its source, rename and default features; the member's
/// features added, its `optional` kept).
fn inherit(dep: &RawDependency, key: &str, workspace: Option<&WorkspaceDefaults>) -> RawDetail {
    let own = match dep {
        RawDependency::Version(v) => {
            return RawDetail {
                version: Some(v.clone()),
                ..RawDetail::default()
            }
        }
        RawDependency::Detailed(d) => d.clone(),
    };
    if own.workspace != Some(true) {
        return own;
    }
    let Some(base) = workspace.and_then(|w| w.table.dependencies.get(key)) else {
        return own;
    };
    let mut merged = inherit(base, key, None);
    let mut features = merged.features.take().unwrap_or_default();
    features.extend(own.features.unwrap_or_default());
    merged.features = Some(features);
    merged.optional = own.optional;
    // A member can turn default features back on, not off (cargo warns and ignores).
    merged.default_features = match merged.default_features {
        Some(false) => Some(own.default_features.unwrap_or(false)),
        _ => Some(true),
    };
    merged
}

/// `own_dir` is the folder a `path` is relative to: the workspace root's for an inherited
/// entry.
fn declaration(key: &str, kind: Kind, detail: RawDetail, own_dir: &Path) -> Declaration {
    let origin = match (&detail.path, &detail.git) {
        (Some(path), _) => Origin::Path(normalize(&own_dir.join(path))),
        (None, Some(_)) => Origin::Git,
        (None, None) => Origin::Registry,
    };
    Declaration {
        key: key.to_string(),
        package: detail.package.clone().unwrap_or_else(|| key.to_string()),
        renamed: detail.package.is_some(),
        kind,
        optional: detail.optional.unwrap_or(false),
        default_features: detail.default_features.unwrap_or(true),
        features: detail.features.unwrap_or_default(),
        version_req: detail.version,
        origin,
    }
}

/// Cargo's lib target: `[lib] path`, else `src/lib.rs` when it exists (unless `autolib =
/// false` and no `[lib]`), else, in a 2015-edition package with a `[lib]`,
/// `src/<name>.rs`.
fn lib_target(
    dir: &Path,
    raw: &RawManifest,
    package: &RawPackage,
    edition: &str,
) -> Option<LibTarget> {
    let lib = raw.lib.as_ref();
    let name = lib
        .and_then(|l| l.name.clone())
        .unwrap_or_else(|| package.name.replace('-', "_"));
    let root = match lib.and_then(|l| l.path.as_ref()) {
        Some(path) => dir.join(path),
        None if lib.is_none() && package.autolib == Some(false) => return None,
        None => {
            let inferred = dir.join("src").join("lib.rs");
            let legacy = dir.join("src").join(format!("{name}.rs"));
            if inferred.is_file() {
                inferred
            } else if lib.is_some() && edition == "2015" && legacy.is_file() {
                legacy
            } else {
                return None;
            }
        }
    };
    let proc_macro = lib.and_then(|l| l.proc_macro).unwrap_or(false);
    let crate_types = lib.and_then(|l| l.crate_type.as_ref());
    let linkable = !proc_macro
        && crate_types.is_none_or(|types| types.iter().any(|t| t == "lib" || t == "rlib"));
    Some(LibTarget {
        crate_name: name.replace('-', "_"),
        root,
        linkable,
    })
}

/// The keys of the optional dependencies of every table, every platform's included: the
/// implicit feature of one exists (and code may test it) even where it is not built.
fn optional_keys(raw: &RawManifest) -> BTreeSet<String> {
    all_tables(raw, false)
        .flat_map(|(_, table)| table)
        .filter(|(_, dep)| matches!(dep, RawDependency::Detailed(d) if d.optional == Some(true)))
        .map(|(key, _)| key.clone())
        .collect()
}

/// The features table as cargo builds it: the written features, plus a feature named after
/// each optional dependency that no `dep:` value names.
fn feature_table(
    written: &BTreeMap<String, Vec<String>>,
    optional: &BTreeSet<String>,
) -> BTreeMap<String, Vec<String>> {
    let named_with_dep_syntax: BTreeSet<&str> = written
        .values()
        .flatten()
        .filter_map(|value| value.strip_prefix("dep:"))
        .collect();
    let mut table = written.clone();
    for key in optional {
        if !named_with_dep_syntax.contains(key.as_str()) {
            table
                .entry(key.clone())
                .or_insert_with(|| vec![format!("dep:{key}")]);
        }
    }
    table
}

/// `a/./b/../c` as `a/c`, without touching the file system (cargo joins and normalizes
/// path dependencies the same way).
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
