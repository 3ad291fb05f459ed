//! Reading `Cargo.lock`.

use std::collections::HashMap;

use serde::Deserialize;

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

#[derive(Deserialize)]
struct RawLock {
    #[serde(default)]
    package: Vec<RawLocked>,
}

#[derive(Deserialize)]
struct RawLocked {
    name: String,
    version: String,
    source: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    /// `[replace]`, long deprecated: not followed here.
    replace: Option<String>,
}

impl Lock {
    /// Any version of the format: v1 names every dependency `name version (source)`; v2 on
    /// name one by as little as tells it apart.
    pub(super) fn parse(text: &str) -> Result<Lock, String> {
        let raw: RawLock =
            toml::from_str(text).map_err(|e| format!("cannot parse Cargo.lock: {e}"))?;
        if let Some(p) = raw.package.iter().find(|p| p.replace.is_some()) {
            return Err(format!("Cargo.lock replaces {} ([replace])", p.name));
        }
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in raw.package.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_default().push(i);
        }
        let packages = raw
            .package
            .iter()
            .map(|p| {
                let dependencies = p
                    .dependencies
                    .iter()
                    .map(|spec| find_locked(spec, &raw.package, &by_name))
                    .collect::<Result<_, _>>()?;
                Ok(Locked {
                    name: p.name.clone(),
                    version: p.version.clone(),
                    source: p.source.clone(),
                    dependencies,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Lock { packages })
    }
}

/// The package a lock dependency names: `name`, `name version` or `name version (source)`.
fn find_locked(
    spec: &str,
    packages: &[RawLocked],
    by_name: &HashMap<&str, Vec<usize>>,
) -> Result<usize, String> {
    let (head, source) = match spec.split_once(" (") {
        Some((head, source)) => (head, Some(source.trim_end_matches(')'))),
        None => (spec, None),
    };
    let mut words = head.split_whitespace();
    let name = words.next().unwrap_or_default();
    let version = words.next();
    let matching: Vec<usize> = by_name
        .get(name)
        .into_iter()
        .flatten()
        .copied()
        .filter(|&i| version.is_none_or(|v| packages[i].version == v))
        .filter(|&i| source.is_none_or(|s| packages[i].source.as_deref() == Some(s)))
        .collect();
    match matching[..] {
        [one] => Ok(one),
        [] => Err(format!("Cargo.lock names `{spec}`, which it does not hold")),
        _ => Err(format!("Cargo.lock names `{spec}`, which is ambiguous")),
    }
}
