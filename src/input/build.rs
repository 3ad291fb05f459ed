//! What cargo would compile of the scanned packages, as its flags say: which targets
//! (`--lib`, `--bins`, `--tests`, ..), with which features (`--features`,
//! `--all-features`, `--no-default-features`), and which packages are reported (`-p`).
//!
//! It decides three things before any file is parsed: which crate roots the module walk
//! starts from ([`Targets::keeps`], with the library the others link:
//! [`Targets::compiled`]); which `#[cfg(..)]` items of a file exist
//! ([`Build::file`]: `cfg(feature)` from its package's resolved features, `cfg(test)` and
//! `#[test]` fns only in a test build); and which findings are reported
//! ([`Build::reports`]). The binary fills it from the command line; without one
//! (`Config::build` is `None`) every root and every `cfg` branch is analysed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::manifest::{Manifest, TargetKind};

/// Cargo's selection flags, for the scanned packages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Build {
    /// The packages whose findings are reported, by name (`-p`; `None`: every package).
    /// Every package is still analysed, since a selected one may call into the others.
    pub packages: Option<Vec<String>>,
    /// Packages not reported (`--workspace --exclude`).
    pub excluded: Vec<String>,
    pub targets: Targets,
    pub features: Features,
}

/// Which targets of a package: all, some by name, or none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Pick {
    #[default]
    None,
    All,
    Named(Vec<String>),
}

impl Pick {
    fn has(&self, name: &str) -> bool {
        match self {
            Pick::None => false,
            Pick::All => true,
            Pick::Named(names) => names.iter().any(|n| n == name),
        }
    }
}

/// The targets selected, as cargo's target flags name them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Targets {
    pub lib: bool,
    pub bins: Pick,
    pub tests: Pick,
    pub benches: Pick,
    pub examples: Pick,
    /// The library and binaries are built as tests too (`--tests`, `--benches`,
    /// `--all-targets`): `cfg(test)` and `#[test]` fns exist in them.
    pub unit_tests: bool,
}

impl Default for Targets {
    /// `cargo check`'s and `cargo clippy`'s default: the library and the binaries.
    fn default() -> Self {
        Targets {
            lib: true,
            bins: Pick::All,
            tests: Pick::None,
            benches: Pick::None,
            examples: Pick::None,
            unit_tests: false,
        }
    }
}

impl Targets {
    /// What cargo compiles for these targets: them, and the library every other target of
    /// a package links. The library is analysed so that calls into it resolve; its findings
    /// are reported only when it is selected itself.
    pub fn compiled(&self) -> Targets {
        Targets {
            lib: true,
            ..self.clone()
        }
    }

    /// Whether a crate root of this kind is selected.
    pub fn keeps(&self, kind: &TargetKind) -> bool {
        match kind {
            TargetKind::Lib => self.lib,
            TargetKind::Bin(name) => self.bins.has(name),
            TargetKind::Test(name) => self.tests.has(name),
            TargetKind::Bench(name) => self.benches.has(name),
            TargetKind::Example(name) => self.examples.has(name),
            TargetKind::BuildScript | TargetKind::Unknown => true,
        }
    }
}

/// Cargo's feature flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Features {
    /// As given, split at commas and spaces: `x` (for each selected package that has it) or
    /// `package/x`.
    pub named: Vec<String>,
    /// `--all-features`: every feature of the selected packages.
    pub all: bool,
    /// `--no-default-features`: the selected packages start without `default`.
    pub no_default: bool,
}

impl Features {
    /// Whether any feature flag was given: only then is one build's set of features
    /// analysed, as cargo would compile it.
    pub fn given(&self) -> bool {
        !self.named.is_empty() || self.all || self.no_default
    }

    /// The features cargo turns on in `package`: its `default` (unless asked not to, for a
    /// selected package), the ones named for it, and what those enable in turn. A package
    /// not selected gets its defaults, as a dependency of a selected one would.
    pub fn enabled(&self, package: &Manifest, selected: bool) -> BTreeSet<String> {
        let table = &package.features;
        let mut asked: Vec<String> = Vec::new();
        if !(selected && self.no_default) && table.contains_key("default") {
            asked.push("default".into());
        }
        if selected && self.all {
            asked.extend(table.keys().cloned());
        }
        for name in &self.named {
            match name.split_once('/') {
                Some((pkg, feature)) if pkg == package.name => asked.push(feature.into()),
                None if selected => asked.push(name.clone()),
                _ => {}
            }
        }
        closure(table, asked)
    }
}

/// `asked` and every feature they turn on: a value names another feature, or `dep/feat`
/// (which turns on the optional dependency `dep`'s implicit feature); `dep:x` and `dep?/f`
/// turn on none of the package's features.
fn closure(table: &BTreeMap<String, Vec<String>>, asked: Vec<String>) -> BTreeSet<String> {
    let mut on = BTreeSet::new();
    let mut work = asked;
    while let Some(feature) = work.pop() {
        if !on.insert(feature.clone()) {
            continue;
        }
        for value in table.get(&feature).into_iter().flatten() {
            if value.starts_with("dep:") {
                continue;
            }
            let named = match value.split_once('/') {
                Some((dep, _)) if dep.ends_with('?') => continue,
                Some((dep, _)) => dep,
                None => value.as_str(),
            };
            if table.contains_key(named) {
                work.push(named.to_string());
            }
        }
    }
    on
}

/// How one file is compiled: its package's features and whether it is built as a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileBuild<'a> {
    /// `None`: every `cfg(feature)` branch is kept (no feature flag given, or a file in no
    /// package, whose features are not known).
    pub features: Option<&'a [String]>,
    pub test: bool,
}

impl FileBuild<'_> {
    /// Names the cache entries of files built this way: a file's summary depends on its
    /// text and on this.
    pub fn cache_namespace(self) -> String {
        let features = match self.features {
            Some(features) => features.join(","),
            None => "?".to_string(),
        };
        format!("file test={} features={features}", self.test)
    }
}

/// A scanned package as the build sees it.
#[derive(Debug, Clone, Copy)]
pub struct Package<'a> {
    pub folder: &'a Path,
    pub manifest: &'a Manifest,
    /// Its features this build turns on ([`Build::features_of`]).
    pub features: &'a [String],
}

impl Build {
    /// Whether `package` (by name) is reported.
    pub fn selects(&self, package: &str) -> bool {
        let listed = |names: &Vec<String>| names.iter().any(|n| n == package);
        self.packages.as_ref().is_none_or(listed) && !listed(&self.excluded)
    }

    /// The features this build turns on in the package of `manifest`.
    pub fn features_of(&self, manifest: &Manifest) -> Vec<String> {
        let selected = self.selects(&manifest.name);
        self.features
            .enabled(manifest, selected)
            .into_iter()
            .collect()
    }

    /// How `file` of `package` (the nearest scanned package above it, if any) is compiled.
    /// A file under the package's `tests/` or `benches/` belongs to a test target; others
    /// are built as tests when the library and binaries are.
    pub fn file<'a>(&self, file: &Path, package: Option<Package<'a>>) -> FileBuild<'a> {
        let Some(package) = package else {
            return FileBuild {
                features: None,
                test: self.targets.unit_tests,
            };
        };
        let in_test_target = ["tests", "benches"]
            .iter()
            .any(|dir| file.starts_with(package.folder.join(dir)));
        FileBuild {
            // With no feature flag every `cfg(feature)` branch is analysed: a bug behind an
            // optional feature (a library's `aio`, `tokio-comp`) ships to whoever turns it on.
            features: self.features.given().then_some(package.features),
            test: self.targets.unit_tests || in_test_target,
        }
    }

    /// Whether a finding in a file of `package` (by name; `None`: in no package) is
    /// reported.
    pub fn reports(&self, package: Option<&str>) -> bool {
        package.is_none_or(|name| self.selects(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, features: &[(&str, &[&str])]) -> Manifest {
        Manifest {
            name: name.into(),
            features: features
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect(),
            targets: Vec::new(),
        }
    }

    fn on(features: &Features, m: &Manifest, selected: bool) -> Vec<String> {
        features.enabled(m, selected).into_iter().collect()
    }

    #[test]
    fn features_follow_cargos_resolution() {
        let m = package(
            "app",
            &[
                ("default", &["fast"]),
                ("fast", &[]),
                ("tls", &["dep:rustls", "extra/x"]),
                ("extra", &["dep:extra"]),
                ("weak", &["other?/y"]),
                ("other", &["dep:other"]),
            ],
        );
        let none = Features::default();
        assert_eq!(on(&none, &m, true), ["default", "fast"]);
        let tls = Features {
            named: vec!["tls".into()],
            no_default: true,
            ..Features::default()
        };
        assert_eq!(on(&tls, &m, true), ["extra", "tls"]);
        // Unqualified names are for the selected packages; `app/x` for `app` anywhere.
        assert_eq!(on(&tls, &m, false), ["default", "fast"]);
        let qualified = Features {
            named: vec!["app/weak".into(), "lib/tls".into()],
            ..Features::default()
        };
        assert_eq!(on(&qualified, &m, false), ["default", "fast", "weak"]);
        let all = Features {
            all: true,
            ..Features::default()
        };
        assert_eq!(on(&all, &m, true).len(), 6);
        assert_eq!(on(&all, &m, false), ["default", "fast"]);
    }

    #[test]
    fn targets_pick_roots_by_kind_and_name() {
        let default = Targets::default();
        assert!(default.keeps(&TargetKind::Lib));
        assert!(default.keeps(&TargetKind::Bin("x".into())));
        assert!(!default.keeps(&TargetKind::Test("cli".into())));
        assert!(!default.keeps(&TargetKind::Example("e".into())));
        assert!(default.keeps(&TargetKind::BuildScript));
        let one_test = Targets {
            lib: false,
            bins: Pick::None,
            tests: Pick::Named(vec!["cli".into()]),
            ..Targets::default()
        };
        assert!(one_test.keeps(&TargetKind::Test("cli".into())));
        assert!(!one_test.keeps(&TargetKind::Test("other".into())));
        assert!(!one_test.keeps(&TargetKind::Lib));
    }

    #[test]
    fn test_targets_files_are_built_as_tests() {
        let m = package("app", &[]);
        let pkg = Package {
            folder: Path::new("ws/app"),
            manifest: &m,
            features: &[],
        };
        let build = Build::default();
        assert!(build.file(Path::new("ws/app/tests/a.rs"), Some(pkg)).test);
        assert!(!build.file(Path::new("ws/app/src/lib.rs"), Some(pkg)).test);
        assert_eq!(build.file(Path::new("loose.rs"), None).features, None);
        let p = Build {
            packages: Some(vec!["lib".into()]),
            ..Build::default()
        };
        assert!(!p.reports(Some("app")));
        assert!(p.reports(Some("lib")));
        assert!(p.reports(None));
        let excluded = Build {
            excluded: vec!["app".into()],
            ..Build::default()
        };
        assert!(!excluded.reports(Some("app")));
        assert!(excluded.reports(Some("lib")));
    }
}
