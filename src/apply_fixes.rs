//! `--fix` in the binary: applies the machine-applicable fixes of the reported findings
//! (`cancelsafe_engine::fix`), says on stderr what it did and did not do, and leaves the
//! findings not fixed for the report.

use std::path::PathBuf;

use cancelsafe_engine::fix::{self, Allow, Unsafe};
use cancelsafe_engine::sanitize;
use cancelsafe_engine::Analysis;

use crate::args::Cli;
use crate::run::{plural, scan_folder};

/// Fixes what can be fixed, then drops the fixed findings from `analysis`.
pub fn apply_fixes(cli: &Cli, paths: &[PathBuf], analysis: &mut Analysis) -> miette::Result<()> {
    let allow = Allow {
        dirty: cli.allow_dirty,
        no_vcs: cli.allow_no_vcs,
    };
    let findings: Vec<_> = analysis.findings.iter().collect();
    let dir = scan_folder(&paths[0]);
    let outcome = match fix::apply(&findings, &analysis.sources, paths, &dir, allow) {
        Ok(outcome) => outcome,
        Err(Unsafe::NoVcs) => {
            return Err(miette::miette!(
                help = "commit the files to a git repository first, or pass --allow-no-vcs",
                "no git repository holds the files --fix would edit, so its edits could not be told apart or undone"
            ))
        }
        Err(Unsafe::Dirty(files)) => {
            let list: Vec<String> = files
                .iter()
                .map(|f| format!("  * {} (dirty)", sanitize::path(f)))
                .collect();
            return Err(miette::miette!(
                help = "commit or stash the changes, or pass --allow-dirty",
                "the files --fix would edit have uncommitted changes, which its edits would mix with:\n{}",
                list.join("\n")
            ));
        }
    };
    for (file, edits) in &outcome.written {
        eprintln!(
            "cancelsafe: fixed {} ({})",
            sanitize::path(file),
            plural(*edits, "edit")
        );
    }
    for f in &outcome.fixed {
        let message = f
            .fix
            .as_ref()
            .map(|x| x.message.as_str())
            .unwrap_or_default();
        eprintln!(
            "cancelsafe:   {}:{}: {} in `{}`: {}",
            sanitize::path(&f.file),
            f.span.line,
            f.rule.id,
            sanitize::line(&f.function),
            sanitize::line(message)
        );
    }
    for (file, why) in &outcome.refused {
        eprintln!("cancelsafe: did not fix {}: {why}", sanitize::path(file));
    }
    for f in &outcome.overlapping {
        eprintln!(
            "cancelsafe: did not fix {}:{} ({}): its edit overlaps another fix; run --fix again",
            sanitize::path(&f.file),
            f.span.line,
            f.rule.id
        );
    }
    let fixed: Vec<(&'static str, PathBuf, cancelsafe_engine::Span)> = outcome
        .fixed
        .iter()
        .map(|f| (f.rule.id, f.file.clone(), f.span))
        .collect();
    analysis
        .findings
        .retain(|f| !fixed.contains(&(f.rule.id, f.file.clone(), f.span)));
    Ok(())
}
