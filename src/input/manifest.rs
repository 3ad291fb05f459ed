//! What the analysis reads of a scanned package's `Cargo.toml`: its name, its `[features]`
//! table (with the implicit feature of each optional dependency, as cargo adds it) and its
//! targets (cargo's default layout plus the `[lib]`, `[[bin]]`, `[[test]]`, `[[bench]]` and
//! `[[example]]` tables), each with its kind, so cargo's target flags can pick them.
//!
//! The manifest comes from the scanned tree: it is read bounded like a source file, and one
//! that does not parse gives the default layout, no features, and every `.rs` path a line
//! names as a target of unknown kind (analysed whatever the flags), as before targets had
//! kinds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::source_file::read_bytes;

/// A crate root of a package and what kind of target it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    Lib,
    Bin(String),
    Test(String),
    Bench(String),
    Example(String),
    /// `build.rs`: compiled for every target, so always analysed.
    BuildScript,
    /// A path named by a manifest that did not parse.
    Unknown,
}

/// A target kind, given the target's name.
type Kind = fn(String) -> TargetKind;

/// Cargo's auto-discovered target folders: each `.rs` file, or `<dir>/main.rs`, is a target
/// named after it.
const TARGET_DIRS: &[(&str, Kind)] = &[
    ("src/bin", TargetKind::Bin),
    ("tests", TargetKind::Test),
    ("examples", TargetKind::Example),
    ("benches", TargetKind::Bench),
];

/// The parts of a package manifest the analysis uses.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// `package.name` (empty when unreadable).
    pub name: String,
    /// `[features]`, plus `name = ["dep:name"]` for each optional dependency no feature
    /// names with `dep:`.
    pub features: BTreeMap<String, Vec<String>>,
    /// The crate roots, absolute or relative as the package folder was given.
    pub targets: Vec<(PathBuf, TargetKind)>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct Raw {
    package: Option<RawPackage>,
    features: BTreeMap<String, Vec<String>>,
    lib: Option<RawTarget>,
    bin: Vec<RawTarget>,
    test: Vec<RawTarget>,
    bench: Vec<RawTarget>,
    example: Vec<RawTarget>,
    dependencies: BTreeMap<String, toml::Value>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RawPackage {
    name: String,
    build: Option<toml::Value>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RawTarget {
    name: Option<String>,
    path: Option<String>,
}

impl Manifest {
    /// Reads `<package>/Cargo.toml`.
    pub fn read(package: &Path) -> Manifest {
        let text = read_bytes(&package.join("Cargo.toml"))
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        match toml::from_str::<Raw>(&text) {
            Ok(raw) => Manifest::from_raw(package, raw),
            Err(_) => Manifest::unparsed(package, &text),
        }
    }

    fn from_raw(package: &Path, raw: Raw) -> Manifest {
        let name = raw
            .package
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let mut targets = default_layout(package, &name);
        let mut named = |tables: Vec<RawTarget>, kind: Kind| {
            for t in tables {
                let Some(path) = t.path.filter(|p| p.ends_with(".rs")) else {
                    continue;
                };
                let name = t.name.unwrap_or_else(|| stem(Path::new(&path)));
                targets.push((package.join(path), kind(name)));
            }
        };
        named(raw.bin, TargetKind::Bin);
        named(raw.test, TargetKind::Test);
        named(raw.bench, TargetKind::Bench);
        named(raw.example, TargetKind::Example);
        if let Some(path) = raw.lib.and_then(|l| l.path).filter(|p| p.ends_with(".rs")) {
            targets.push((package.join(path), TargetKind::Lib));
        }
        if let Some(toml::Value::String(build)) = raw.package.and_then(|p| p.build) {
            targets.push((package.join(build), TargetKind::BuildScript));
        }
        let mut features = raw.features;
        let named_by_dep: Vec<String> = features
            .values()
            .flatten()
            .filter_map(|v| v.strip_prefix("dep:").map(str::to_string))
            .collect();
        for (dep, spec) in raw.dependencies {
            let optional = spec.get("optional").and_then(toml::Value::as_bool) == Some(true);
            if optional && !named_by_dep.contains(&dep) {
                features
                    .entry(dep.clone())
                    .or_insert_with(|| vec![format!("dep:{dep}")]);
            }
        }
        Manifest {
            name,
            features,
            targets,
        }
    }

    /// A manifest that does not parse: cargo would not build it either, but its code is
    /// still analysed (the default layout, and each `.rs` path a line names).
    fn unparsed(package: &Path, text: &str) -> Manifest {
        let mut targets = default_layout(package, "");
        for line in text.lines() {
            let Some((key, value)) = line.trim().split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            if matches!(key.trim(), "path" | "build") && value.ends_with(".rs") {
                targets.push((package.join(value), TargetKind::Unknown));
            }
        }
        Manifest {
            targets,
            ..Manifest::default()
        }
    }
}

/// Cargo's defaults: `src/lib.rs`, `src/main.rs` (the bin named after the package),
/// `build.rs`, and the target folders.
fn default_layout(package: &Path, name: &str) -> Vec<(PathBuf, TargetKind)> {
    let mut targets = vec![
        (package.join("src/lib.rs"), TargetKind::Lib),
        (
            package.join("src/main.rs"),
            TargetKind::Bin(name.to_string()),
        ),
        (package.join("build.rs"), TargetKind::BuildScript),
    ];
    for (dir, kind) in TARGET_DIRS {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(package.join(dir))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            let name = stem(&path);
            let root = if path.is_dir() {
                path.join("main.rs")
            } else {
                path
            };
            targets.push((root, kind(name)));
        }
    }
    targets
}

/// `tests/cli.rs` -> `cli`; a folder's own name.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str, files: &[&str]) -> (tempfile::TempDir, Manifest) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), text).unwrap();
        for f in files {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let m = Manifest::read(dir.path());
        (dir, m)
    }

    fn kinds(dir: &Path, m: &Manifest) -> Vec<(String, TargetKind)> {
        m.targets
            .iter()
            .map(|(p, k)| {
                let rel = p.strip_prefix(dir).unwrap();
                (rel.to_string_lossy().into_owned(), k.clone())
            })
            .collect()
    }

    #[test]
    fn targets_have_cargo_kinds_and_names() {
        let (dir, m) = manifest(
            "[package]\nname = \"app\"\n[[test]]\nname = \"it\"\npath = \"checks/it.rs\"\n",
            &["tests/cli.rs", "src/bin/tool/main.rs", "benches/b.rs"],
        );
        assert_eq!(m.name, "app");
        let kinds = kinds(dir.path(), &m);
        for expected in [
            ("src/lib.rs", TargetKind::Lib),
            ("src/main.rs", TargetKind::Bin("app".into())),
            ("src/bin/tool/main.rs", TargetKind::Bin("tool".into())),
            ("tests/cli.rs", TargetKind::Test("cli".into())),
            ("benches/b.rs", TargetKind::Bench("b".into())),
            ("checks/it.rs", TargetKind::Test("it".into())),
        ] {
            let expected = (expected.0.to_string(), expected.1);
            assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
        }
    }

    #[test]
    fn optional_dependencies_are_implicit_features() {
        let (_dir, m) = manifest(
            "[package]\nname = \"p\"\n[features]\ndefault = [\"fast\"]\nfast = []\n\
             tls = [\"dep:rustls\"]\n[dependencies]\nserde = { version = \"1\", optional = true }\n\
             rustls = { version = \"0.23\", optional = true }\n",
            &[],
        );
        let names: Vec<&str> = m.features.keys().map(String::as_str).collect();
        assert_eq!(names, ["default", "fast", "serde", "tls"]);
    }

    #[test]
    fn an_unparsed_manifest_keeps_the_paths_its_lines_name() {
        let (dir, m) = manifest("[[bin]\npath = \"tools/x.rs\"\n", &[]);
        let kinds = kinds(dir.path(), &m);
        assert!(kinds.contains(&("tools/x.rs".into(), TargetKind::Unknown)));
        assert!(m.features.is_empty());
    }
}
