//! The whole result of a run, cached by everything it depends on: every source file's
//! path and content, the package manifests, the dependencies, the settings and the tool
//! itself (the [`Cache`] salt). A re-run on an unchanged tree reads and hashes the files and
//! returns the stored result, as a build system skips an unchanged target; any change
//! misses, and the run goes on with the per-file summaries cached.

use std::path::PathBuf;

use bincode::{Decode, Encode};
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

use crate::deps::DependencyStats;
use crate::error::Error;
use crate::input::discover::Discovered;
use crate::input::source_file::read_bytes;
use crate::rules::{self, Finding, Fix, Label, Severity};
use crate::source::Span;
use crate::store::cache::{Cache, Key};
use crate::{Analysis, Config};

/// The key of a run over `paths`, which the walk `found`; `None` when something could not
/// be read (then the run is not stored: its errors would not be reproduced).
pub fn key(cache: &Cache, paths: &[PathBuf], found: &Discovered, config: &Config) -> Option<Key> {
    if !found.errors.is_empty() {
        return None;
    }
    let hashes: Vec<Option<u128>> = found
        .files
        .par_iter()
        // Bounded like the analysis' own read: a file past the limit is not stored.
        .map(|f| read_bytes(f).ok().map(|b| xxh3_128(&b)))
        .collect();
    let mut bytes = Vec::new();
    let mut add = |b: &[u8]| {
        bytes.extend((b.len() as u64).to_le_bytes());
        bytes.extend(b);
    };
    for p in paths {
        add(p.as_os_str().as_encoded_bytes());
    }
    for e in &config.excludes {
        add(e.as_bytes());
    }
    add(&[u8::from(config.include_deps)]);
    // Targets, features and packages change what is analysed and reported.
    add(format!("{:?}", config.build).as_bytes());
    for (file, hash) in found.files.iter().zip(hashes) {
        add(file.as_os_str().as_encoded_bytes());
        add(&hash?.to_le_bytes());
    }
    for package in &found.packages {
        add(&std::fs::read(package.join("Cargo.toml")).ok()?);
    }
    if let Some(graph) = &config.dependencies {
        add(&graph.identity());
    }
    Some(cache.key("result", &bytes))
}

/// The stored result for `key`.
pub fn get(cache: &Cache, key: Key) -> Option<Analysis> {
    let stored: Stored = cache.get(key)?;
    let findings = stored
        .findings
        .into_iter()
        .map(StoredFinding::into_finding)
        .collect::<Option<Vec<_>>>()?;
    let mut dependencies = stored.dependencies;
    dependencies.cached = dependencies.crates;
    Some(Analysis {
        files_scanned: stored.files_scanned,
        dependencies,
        findings,
        errors: stored.errors,
        sources: stored.sources,
    })
}

/// Stores `analysis` under `key` (a cache that cannot be written only costs time later).
pub fn put(cache: &Cache, key: Key, analysis: &Analysis) {
    let stored = Stored {
        files_scanned: analysis.files_scanned,
        dependencies: analysis.dependencies.clone(),
        findings: analysis.findings.iter().map(StoredFinding::from).collect(),
        errors: analysis.errors.clone(),
        sources: analysis.sources.clone(),
    };
    let _ = cache.put(key, &stored);
}

#[derive(Encode, Decode)]
struct Stored {
    files_scanned: usize,
    dependencies: DependencyStats,
    findings: Vec<StoredFinding>,
    errors: Vec<Error>,
    sources: Vec<PathBuf>,
}

/// A [`Finding`] with its rule by id.
#[derive(Encode, Decode)]
struct StoredFinding {
    rule: String,
    severity: Severity,
    file: PathBuf,
    span: Span,
    function: String,
    message: String,
    primary_label: String,
    labels: Vec<Label>,
    help: String,
    fingerprint: String,
    reached: Option<bool>,
    resolved_by_name: bool,
    fix: Option<Fix>,
}

impl From<&Finding> for StoredFinding {
    fn from(f: &Finding) -> Self {
        StoredFinding {
            rule: f.rule.id.to_string(),
            severity: f.severity,
            file: f.file.clone(),
            span: f.span,
            function: f.function.clone(),
            message: f.message.clone(),
            primary_label: f.primary_label.clone(),
            labels: f.labels.clone(),
            help: f.help.clone(),
            fingerprint: f.fingerprint.clone(),
            reached: f.reached,
            resolved_by_name: f.resolved_by_name,
            fix: f.fix.clone(),
        }
    }
}

impl StoredFinding {
    fn into_finding(self) -> Option<Finding> {
        Some(Finding {
            rule: rules::find(&self.rule)?,
            severity: self.severity,
            file: self.file,
            span: self.span,
            function: self.function,
            message: self.message,
            primary_label: self.primary_label,
            labels: self.labels,
            help: self.help,
            fingerprint: self.fingerprint,
            reached: self.reached,
            resolved_by_name: self.resolved_by_name,
            fix: self.fix,
        })
    }
}
