//! Reading `Cargo.lock` with the `cargo-lock` crate, which knows every version of the
//! format (v1 names each dependency `name version (source)`; v2 on, by as little as tells
//! it apart) and gives each dependency whole. The resolution here wants packages by index
//! and sources as the strings cargo metadata prints (`SourceId`'s display), so the parsed
//! lock is turned into that form once.

use std::collections::HashMap;

use cargo_lock::{Lockfile, Package, SourceId, Version};

/// `Cargo.lock`: every package, each dependency resolved to its index.
pub(super) struct Lock {
    pub(super) packages: Vec<Locked>,
}

pub(super) struct Locked {
    pub(super) name: String,
    pub(super) version: String,
    /// `None` for a path package (workspace members included).
    pub(super) source: Option<String>,
    pub(super) dependencies: Vec<usize>,
}

impl Locked {
    /// Unique in a lock file, consistent within the graph (cargo metadata's ids differ).
    pub(super) fn id(&self) -> String {
        format!(
            "{} {} ({})",
            self.name,
            self.version,
            self.source.as_deref().unwrap_or("path")
        )
    }
}

/// A package as a dependency names it: name, version, source.
type Key = (String, String, Option<String>);

fn key(name: &str, version: &Version, source: Option<&SourceId>) -> Key {
    (
        name.to_string(),
        version.to_string(),
        source.map(SourceId::to_string),
    )
}

impl Lock {
    pub(super) fn parse(text: &str) -> Result<Lock, String> {
        let lock: Lockfile = text
            .parse()
            .map_err(|e| format!("cannot parse Cargo.lock: {e}"))?;
        // `[replace]`, long deprecated: not followed here.
        if let Some(p) = lock.packages.iter().find(|p| p.replace.is_some()) {
            return Err(format!("Cargo.lock replaces {} ([replace])", p.name));
        }
        let package_key = |p: &Package| key(p.name.as_str(), &p.version, p.source.as_ref());
        let mut by_key: HashMap<Key, usize> = HashMap::new();
        for (i, p) in lock.packages.iter().enumerate() {
            if by_key.insert(package_key(p), i).is_some() {
                return Err(format!("Cargo.lock holds {} {} twice", p.name, p.version));
            }
        }
        let packages = lock
            .packages
            .iter()
            .map(|p| {
                let dependencies = p
                    .dependencies
                    .iter()
                    .map(|d| {
                        let wanted = key(d.name.as_str(), &d.version, d.source.as_ref());
                        by_key.get(&wanted).copied().ok_or_else(|| {
                            format!("Cargo.lock names `{d}`, which it does not hold")
                        })
                    })
                    .collect::<Result<_, _>>()?;
                let (name, version, source) = package_key(p);
                Ok(Locked {
                    name,
                    version,
                    source,
                    dependencies,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Lock { packages })
    }
}
