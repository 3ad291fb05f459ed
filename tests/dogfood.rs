//! The analyser on its own sources: every file parses and is summarised without error.

use std::path::{Path, PathBuf};

use cancelsafe_engine::{analyze, Config};

#[test]
fn own_sources_analyse_without_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let paths: Vec<PathBuf> = ["src", "macros/src", "guard/src"]
        .iter()
        .map(|p| root.join(p))
        .collect();
    for p in &paths {
        assert!(p.is_dir(), "{} exists", p.display());
    }
    let analysis = analyze(&paths, &Config::default());
    let errors: Vec<String> = analysis.errors.iter().map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "files that did not analyse: {errors:#?}");
    assert!(
        analysis.files_scanned >= 20,
        "scanned only {} files",
        analysis.files_scanned
    );
    println!(
        "dogfood: {} findings in {} files",
        analysis.findings.len(),
        analysis.files_scanned
    );
    for f in &analysis.findings {
        println!(
            "  {}:{}:{} {} ({})",
            f.file.display(),
            f.span.line,
            f.span.column,
            f.function,
            f.rule.id
        );
    }
}
