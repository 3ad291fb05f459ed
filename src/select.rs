//! Cargo's package, target and feature flags (`-p`, `--workspace`, `--exclude`, `--lib`,
//! `--tests`, `--features`, ..), read into the engine's [`Build`] and checked, when a cargo
//! workspace is scanned, against its members as cargo checks them: an unknown package,
//! target or feature is an error, not a silent empty scan.

use cancelsafe_engine::input::build::{Build, Features, Pick, Targets};
use cargo_metadata::{Metadata, Package};

use crate::args::Cli;

/// The engine's [`Build`] for this command line; `metadata` (the workspace's members) to
/// check names against, when scanning a cargo workspace.
pub fn build(cli: &Cli, metadata: Option<&Metadata>) -> miette::Result<Build> {
    let build = Build {
        packages: (!cli.package.is_empty()).then(|| cli.package.clone()),
        excluded: cli.exclude.clone(),
        targets: targets(cli),
        features: Features {
            named: split_features(&cli.features),
            all: cli.all_features,
            no_default: cli.no_default_features,
        },
    };
    if let Some(metadata) = metadata {
        check(&build, cli, metadata)?;
    }
    Ok(build)
}

/// Cargo's target flags; none given is `cargo clippy`'s default (library and binaries).
fn targets(cli: &Cli) -> Targets {
    if cli.all_targets {
        return Targets {
            lib: true,
            bins: Pick::All,
            tests: Pick::All,
            benches: Pick::All,
            examples: Pick::All,
            unit_tests: true,
        };
    }
    let any = cli.lib
        || cli.bins
        || !cli.bin.is_empty()
        || cli.tests
        || !cli.test.is_empty()
        || cli.benches
        || cli.examples;
    if !any {
        return Targets::default();
    }
    let named = |all: bool, names: &[String]| match (all, names.is_empty()) {
        (true, _) => Pick::All,
        (false, false) => Pick::Named(names.to_vec()),
        (false, true) => Pick::None,
    };
    let picked = Targets {
        lib: cli.lib,
        bins: named(cli.bins, &cli.bin),
        tests: named(cli.tests, &cli.test),
        benches: named(cli.benches, &[]),
        examples: named(cli.examples, &[]),
        unit_tests: cli.tests || cli.benches,
    };
    // `--tests` and `--benches` also build the library and binaries as tests (cargo's
    // `test = true` and `bench = true` defaults).
    if picked.unit_tests {
        return Targets {
            lib: true,
            bins: Pick::All,
            ..picked
        };
    }
    picked
}

/// `--features "a,b c" -F d` -> `a`, `b`, `c`, `d`, as cargo splits them.
fn split_features(given: &[String]) -> Vec<String> {
    given
        .iter()
        .flat_map(|f| f.split([',', ' ']))
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect()
}

/// Cargo's checks: every package named is a member, every target named exists in a
/// selected package, every feature exists where it is asked for.
fn check(build: &Build, cli: &Cli, metadata: &Metadata) -> miette::Result<()> {
    let members: Vec<&Package> = metadata.workspace_packages();
    let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
    for spec in build.packages.iter().flatten() {
        if !names.contains(&spec.as_str()) {
            return Err(miette::miette!(
                help = format!("the workspace's packages: {}", names.join(", ")),
                "package ID specification `{spec}` did not match any packages"
            ));
        }
    }
    // cargo only warns of an excluded package it does not know.
    for spec in &build.excluded {
        if !names.contains(&spec.as_str()) {
            eprintln!("warning: excluded package `{spec}` not found in the workspace");
        }
    }
    let selected: Vec<&Package> = members
        .iter()
        .copied()
        .filter(|p| build.selects(&p.name))
        .collect();
    for (kind, wanted) in [("bin", &cli.bin), ("test", &cli.test)] {
        for name in wanted {
            let found = selected
                .iter()
                .flat_map(|p| &p.targets)
                .any(|t| t.name == *name && t.kind.iter().any(|k| k.to_string() == kind));
            if !found {
                return Err(miette::miette!("no {kind} target named `{name}`"));
            }
        }
    }
    for feature in &build.features.named {
        match feature.split_once('/') {
            Some((package, name)) => {
                let Some(member) = members.iter().find(|p| p.name.as_str() == package) else {
                    // A dependency's feature: cargo resolves it for the dependency graph.
                    continue;
                };
                if !member.features.contains_key(name) {
                    return Err(miette::miette!(
                        "the package `{package}` does not contain this feature: {name}"
                    ));
                }
            }
            None if !selected.iter().any(|p| p.features.contains_key(feature)) => {
                return Err(miette::miette!(
                    "none of the selected packages contains this feature: {feature}"
                ));
            }
            None => {}
        }
    }
    Ok(())
}

/// The feature flags for `cargo metadata`, which resolves the dependency graph: each
/// feature qualified by the selected member that has it (cargo refuses bare names at a
/// virtual workspace's root); empty when the flags ask for nothing but the defaults.
pub fn metadata_feature_args(build: &Build, metadata: &Metadata) -> Vec<String> {
    let features = &build.features;
    let mut qualified = Vec::new();
    for feature in &features.named {
        if feature.contains('/') {
            qualified.push(feature.clone());
            continue;
        }
        for member in metadata.workspace_packages() {
            if build.selects(&member.name) && member.features.contains_key(feature) {
                qualified.push(format!("{}/{feature}", member.name));
            }
        }
    }
    let mut args = Vec::new();
    if !qualified.is_empty() {
        args.extend(["--features".to_string(), qualified.join(",")]);
    }
    if features.all {
        args.push("--all-features".into());
    }
    if features.no_default {
        args.push("--no-default-features".into());
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_split_at_commas_and_spaces() {
        let given = ["a,b c".to_string(), "pkg/d".to_string(), ",".to_string()];
        assert_eq!(split_features(&given), ["a", "b", "c", "pkg/d"]);
    }
}
