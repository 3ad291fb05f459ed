//! Baselines: `--write-baseline FILE` records today's findings; `--baseline FILE` then hides
//! them and reports only new ones.
//!
//! Entries are matched by rule, file and fingerprint, counted: two identical findings in a
//! baseline hide two, not more. Fingerprints are made of the rule, the function and the
//! normalised text of the flagged awaits, never line numbers, so edits elsewhere in the file
//! do not turn old findings into new ones. File paths are stored relative to the baseline's
//! folder, so the baseline works from any current folder.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::GateError;
use crate::Finding;

/// The format version written and accepted.
pub const VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    /// Sorted, so the file diffs well.
    pub findings: Vec<Entry>,
}

/// One recorded finding. `function` and `message` are for people reading the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub file: String,
    pub rule: String,
    pub function: String,
    pub fingerprint: String,
    pub message: String,
}

/// The findings of a run held against a baseline.
#[derive(Debug)]
pub struct Comparison {
    /// Findings the baseline does not cover: these are reported.
    pub new: Vec<Finding>,
    /// How many findings the baseline covered.
    pub known: usize,
    /// Entries no finding matched any more.
    pub fixed: Vec<Entry>,
    /// The baseline without the fixed entries (what `--prune-baseline` writes).
    pub pruned: Baseline,
}

impl Baseline {
    /// Records `findings`; `path` is where the baseline will be written.
    pub fn of(findings: &[Finding], path: &Path) -> Baseline {
        let base = folder_of(path);
        let mut entries: Vec<Entry> = findings.iter().map(|f| entry(f, &base)).collect();
        entries.sort();
        Baseline {
            version: VERSION,
            findings: entries,
        }
    }

    pub fn read(path: &Path) -> Result<Baseline, GateError> {
        let fail = |message: String| GateError::BaselineRead {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
        if baseline.version != VERSION {
            return Err(fail(format!(
                "version {} is not supported (expected {VERSION})",
                baseline.version
            )));
        }
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> Result<(), GateError> {
        let text = serde_json::to_string_pretty(self).expect("baseline serialises") + "\n";
        std::fs::write(path, text).map_err(|e| GateError::BaselineWrite {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Splits `findings` into new and known; `path` is where this baseline was read from.
    pub fn compare(&self, findings: Vec<Finding>, path: &Path) -> Comparison {
        let base = folder_of(path);
        let mut unmatched: HashMap<Key, Vec<&Entry>> = HashMap::new();
        for e in &self.findings {
            let key = (e.rule.clone(), e.file.clone(), e.fingerprint.clone());
            unmatched.entry(key).or_default().push(e);
        }
        let mut new = Vec::new();
        let mut kept = Vec::new();
        for f in findings {
            let key = (
                f.rule.id.to_string(),
                relative_file(&f.file, &base),
                f.fingerprint.clone(),
            );
            let matched = unmatched.get_mut(&key).and_then(Vec::pop);
            match matched {
                Some(e) => kept.push(e.clone()),
                None => new.push(f),
            }
        }
        let mut fixed: Vec<Entry> = unmatched.into_values().flatten().cloned().collect();
        fixed.sort();
        kept.sort();
        Comparison {
            new,
            known: kept.len(),
            fixed,
            pruned: Baseline {
                version: VERSION,
                findings: kept,
            },
        }
    }
}

/// What matches a finding to an entry: rule, file, fingerprint.
type Key = (String, String, String);

fn entry(f: &Finding, base: &Path) -> Entry {
    Entry {
        file: relative_file(&f.file, base),
        rule: f.rule.id.to_string(),
        function: f.function.clone(),
        fingerprint: f.fingerprint.clone(),
        message: f.message.clone(),
    }
}

/// The folder a baseline file lives in, absolute when it can be.
fn folder_of(path: &Path) -> PathBuf {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent
        .canonicalize()
        .unwrap_or_else(|_| parent.to_path_buf())
}

/// `file` relative to `base` with `/` separators; as given when it is not under `base`.
fn relative_file(file: &Path, base: &Path) -> String {
    let absolute = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    let shown = absolute.strip_prefix(base).unwrap_or(&absolute);
    let parts: Vec<String> = shown
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}
