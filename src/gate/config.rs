//! The settings file: `cancelsafe.toml`, or `[workspace.metadata.cancelsafe]` /
//! `[package.metadata.cancelsafe]` in a `Cargo.toml` (same keys; see `docs/config.md`).
//!
//! [`find`] walks up from the scanned folder. In each folder, `cancelsafe.toml` wins over
//! `Cargo.toml` metadata, and `[package.metadata.cancelsafe]` over
//! `[workspace.metadata.cancelsafe]`. The walk stops at the first settings found, at a
//! `Cargo.toml` with `[workspace]`, or at a folder holding `.git`. Every unknown key and bad
//! value is a [`ConfigError`] pointing at it.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::ConfigError;
use crate::gate::levels::{Level, Levels, RuleOptions};
use crate::rules;
use crate::sanitize;
use crate::vocab::VocabularyExtension;

/// The name of the dedicated settings file.
pub const FILE_NAME: &str = "cancelsafe.toml";

/// Loaded settings, ready to merge with the command line.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The file they came from; `None` when no settings file was found.
    pub path: Option<PathBuf>,
    pub levels: Levels,
    /// Path fragments to skip, like `--exclude-path`.
    pub exclude: Vec<String>,
    pub vocabulary: VocabularyExtension,
}

/// The keys of the settings table, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Table {
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RuleOptions>,
    warnings: Option<Level>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    vocabulary: VocabularyExtension,
}

/// Just the parts of a `Cargo.toml` that can hold settings; everything else is ignored.
#[derive(Deserialize)]
struct Manifest {
    workspace: Option<MetadataHolder>,
    package: Option<MetadataHolder>,
}

#[derive(Deserialize)]
struct MetadataHolder {
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    cancelsafe: Option<Table>,
}

/// Finds the settings for a scan of the folder `start`; defaults when there are none.
pub fn find(start: &Path) -> Result<Settings, Box<ConfigError>> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut dir = Some(cwd.join(start));
    while let Some(here) = dir {
        let dedicated = here.join(FILE_NAME);
        if dedicated.is_file() {
            let shown = relative_to(&dedicated, &cwd);
            stays_in(&here, &shown)?;
            return load(&shown);
        }
        let manifest_path = here.join("Cargo.toml");
        if manifest_path.is_file() {
            let shown = relative_to(&manifest_path, &cwd);
            stays_in(&here, &shown)?;
            let text = read(&shown)?;
            let manifest: Manifest = parse(&shown, &text)?;
            let is_workspace_root = manifest.workspace.is_some();
            if let Some(table) = metadata_table(manifest) {
                return settings(&shown, &text, table);
            }
            if is_workspace_root {
                break;
            }
        }
        if here.join(".git").exists() {
            break;
        }
        dir = here.parent().map(Path::to_path_buf);
    }
    Ok(Settings::default())
}

/// Loads settings from an explicit file: a `Cargo.toml` (its metadata tables) or any other
/// name, read as a `cancelsafe.toml`.
pub fn load(path: &Path) -> Result<Settings, Box<ConfigError>> {
    let text = read(path)?;
    if path.file_name().is_some_and(|n| n == "Cargo.toml") {
        let manifest: Manifest = parse(path, &text)?;
        let table = metadata_table(manifest).unwrap_or_default();
        settings(path, &text, table)
    } else {
        let table: Table = parse(path, &text)?;
        settings(path, &text, table)
    }
}

fn metadata_table(manifest: Manifest) -> Option<Table> {
    let of = |holder: Option<MetadataHolder>| holder?.metadata?.cancelsafe;
    of(manifest.package).or_else(|| of(manifest.workspace))
}

/// Checks what serde cannot (rule names) and builds the settings.
fn settings(path: &Path, text: &str, table: Table) -> Result<Settings, Box<ConfigError>> {
    let mut levels = Levels::default();
    for (name, options) in table.rules {
        let Some(rule) = rules::find(name.get_ref()) else {
            let known: Vec<&str> = rules::RULES.iter().map(|r| r.id).collect();
            return Err(error(
                path,
                text,
                format!("unknown rule `{}`", name.get_ref()),
                Some(name.span()),
                Some(format!(
                    "rules are named by id or code: {}",
                    known.join(", ")
                )),
            ));
        };
        levels.merge_rule(rule, options);
    }
    if let Some(level) = table.warnings {
        levels.set_warnings(level);
    }
    Ok(Settings {
        path: Some(path.to_path_buf()),
        levels,
        exclude: table.exclude,
        vocabulary: table.vocabulary,
    })
}

/// A settings file found by looking up is read only if it lies in the folder it was found
/// in once symlinks are resolved: a tree's `cancelsafe.toml -> /etc/passwd` is refused.
fn stays_in(folder: &Path, file: &Path) -> Result<(), Box<ConfigError>> {
    match (folder.canonicalize(), file.canonicalize()) {
        (Ok(folder), Ok(target)) if target.parent() == Some(folder.as_path()) => Ok(()),
        _ => {
            let why = "it is a symlink to a file outside its folder; not read";
            Err(error(file, "", why.into(), None, Some(why.into())))
        }
    }
}

fn read(path: &Path) -> Result<String, Box<ConfigError>> {
    std::fs::read_to_string(path)
        .map_err(|e| error(path, "", format!("cannot read it: {e}"), None, None))
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, Box<ConfigError>> {
    toml::from_str(text).map_err(|e| {
        error(
            path,
            text,
            e.message().trim_end().to_string(),
            e.span(),
            None,
        )
    })
}

fn error(
    path: &Path,
    text: &str,
    reason: String,
    span: Option<Range<usize>>,
    help: Option<String>,
) -> Box<ConfigError> {
    Box::new(ConfigError {
        path: path.to_path_buf(),
        // The file may be the scanned tree's: its text is shown made safe.
        source_code: miette::NamedSource::new(
            sanitize::line(&path.to_string_lossy()),
            sanitize::source(text).into_owned(),
        ),
        reason: sanitize::line(&reason).into_owned(),
        span: span.map(|r| (r.start, r.end.saturating_sub(r.start)).into()),
        help,
    })
}

/// `path` relative to `base` when it lies under it, so messages show short paths.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(name: &str, text: &str) -> Result<Settings, Box<ConfigError>> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        load(&path)
    }

    #[test]
    fn reads_every_key() {
        let s = load_text(
            FILE_NAME,
            r#"
warnings = "deny"
exclude = ["generated/"]
[rules.CS001]
level = "warn"
[vocabulary]
write-methods = ["send_command"]
read-methods = ["read_reply"]
stream-types = ["RedisConn"]
guard-attributes = ["my_guard"]
guard-functions = ["on_drop"]
"#,
        )
        .expect("valid");
        assert_eq!(s.exclude, ["generated/"]);
        assert_eq!(s.vocabulary.write_methods, ["send_command"]);
        assert_eq!(s.vocabulary.guard_functions, ["on_drop"]);
    }

    #[test]
    fn cargo_metadata_prefers_the_package_table() {
        let s = load_text(
            "Cargo.toml",
            r#"
[package]
name = "x"
[package.metadata.cancelsafe]
exclude = ["package"]
[workspace.metadata.cancelsafe]
exclude = ["workspace"]
"#,
        )
        .expect("valid");
        assert_eq!(s.exclude, ["package"]);
    }

    #[test]
    fn spans_point_at_the_bad_key() {
        let text = "[rules.nope]\nlevel = \"warn\"\n";
        let e = load_text(FILE_NAME, text).expect_err("unknown rule");
        let span = e.span.expect("span");
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "nope");
    }
}
