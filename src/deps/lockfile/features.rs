//! Which features and optional dependencies a package's requested features turn on.

use std::collections::{BTreeMap, BTreeSet};

use super::manifest::Manifest;

/// What a package's requested features turn on: features, and dependencies by key with
/// the features asked of each (cargo's `Requirements`).
pub(super) struct Enabled<'m> {
    manifest: &'m Manifest,
    pub(super) features: BTreeSet<String>,
    pub(super) dependencies: BTreeMap<String, BTreeSet<String>>,
}

impl<'m> Enabled<'m> {
    pub(super) fn by(manifest: &'m Manifest, requested: &BTreeSet<String>) -> Self {
        let mut enabled = Enabled {
            manifest,
            features: BTreeSet::new(),
            dependencies: BTreeMap::new(),
        };
        for feature in requested {
            enabled.feature(feature);
        }
        enabled
    }

    pub(super) fn features_of(&self, key: &str) -> impl Iterator<Item = String> + '_ {
        self.dependencies.get(key).into_iter().flatten().cloned()
    }

    /// A feature the package does not have is ignored (cargo would have refused the lock).
    fn feature(&mut self, name: &str) {
        let Some(values) = self.manifest.features.get(name) else {
            return;
        };
        if !self.features.insert(name.to_string()) {
            return;
        }
        for value in values {
            self.value(value);
        }
    }

    /// `dep:x` turns dependency x on; `x/f` turns x on with f, and x's own feature if it is
    /// optional; `x?/f` asks f of x — and the resolver (unlike the build) turns x on too.
    fn value(&mut self, value: &str) {
        if let Some(dependency) = value.strip_prefix("dep:") {
            self.dependencies.entry(dependency.to_string()).or_default();
        } else if let Some((dependency, feature)) = value.split_once('/') {
            let (dependency, weak) = match dependency.strip_suffix('?') {
                Some(d) => (d, true),
                None => (dependency, false),
            };
            let optional = self
                .manifest
                .declarations
                .iter()
                .any(|d| d.optional && d.key == dependency);
            if !weak && optional {
                self.feature(dependency);
            }
            self.dependencies
                .entry(dependency.to_string())
                .or_default()
                .insert(feature.to_string());
        } else {
            self.feature(value);
        }
    }
}
