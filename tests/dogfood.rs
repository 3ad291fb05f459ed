//! The analyser on code whose findings are known, asserted exactly: its own sources (every
//! file analyses, and nothing is flagged) and the incident example (the unguarded client's
//! two exchanges and the simulation's two timeouts around them, nothing in the guarded
//! clients). Findings are compared as sorted `(file, function, rule)`, counted, not by line,
//! so moving code keeps the test green while a new or a lost finding fails it; when that is
//! intended, update the list here.

use std::path::Path;

use cancelsafe_engine::{analyze, Analysis, Config};

/// `(file relative to the crate, function, rule)`.
type Found = (String, String, String);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Analyses `paths` (relative to the crate), asserting no file failed, and prints the
/// findings with their lines.
fn analyse(paths: &[&str]) -> (Analysis, Vec<Found>) {
    let paths: Vec<_> = paths.iter().map(|p| root().join(p)).collect();
    for p in &paths {
        assert!(p.is_dir(), "{} exists", p.display());
    }
    let analysis = analyze(&paths, &Config::default());
    let errors: Vec<String> = analysis.errors.iter().map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "files that did not analyse: {errors:#?}");
    let mut found = Vec::new();
    for f in &analysis.findings {
        let file = f
            .file
            .strip_prefix(root())
            .unwrap_or(&f.file)
            .to_string_lossy()
            .replace('\\', "/");
        println!("  {file}:{} {} ({})", f.span.line, f.function, f.rule.id);
        found.push((file, f.function.clone(), f.rule.id.to_string()));
    }
    found.sort();
    (analysis, found)
}

fn owned(list: &[(&str, &str, &str)]) -> Vec<Found> {
    let mut out: Vec<Found> = list
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn own_sources_have_no_findings() {
    let (analysis, found) = analyse(&["src", "macros/src", "guard/src"]);
    assert!(
        analysis.files_scanned >= 20,
        "scanned only {} files",
        analysis.files_scanned
    );
    assert_eq!(found, owned(&[]), "the project's own findings");
}

#[test]
fn the_incident_example_has_exactly_its_known_findings() {
    let (_, found) = analyse(&["examples/incident"]);
    let (client, sim) = ("examples/incident/client.rs", "examples/incident/sim.rs");
    let (write_then_read, raced) = ("unguarded_write_then_read", "cancel_unsafe_future_raced");
    let expected = owned(&[
        (client, "UnguardedClient::get", write_then_read),
        (client, "UnguardedClient::set", write_then_read),
        // `timeout_at(deadline, conn.set(..))` and `timeout_at(deadline, conn.get(..))`.
        (sim, "run", raced),
        (sim, "run", raced),
    ]);
    assert_eq!(found, expected, "the incident example's findings");
}
