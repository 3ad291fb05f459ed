//! `--fix`: makes the edits of the findings' machine-applicable fixes (see
//! [`crate::rules::Fix`]) in the scanned files, as `cargo clippy --fix` does with rustc's
//! suggestions: [`plan`] picks them, [`vcs`] refuses files with uncommitted changes, and
//! [`write`] edits each file only inside the scanned trees, only where the text is still
//! what the finding saw, and atomically. The other fixes stay suggestions in the reports.

pub mod plan;
pub mod vcs;
pub mod write;

use std::path::{Path, PathBuf};

use crate::rules::Finding;
pub use plan::Plan;
pub use vcs::Unsafe;
pub use write::{Bounds, Refused};

/// What `--fix` may do besides editing committed files.
#[derive(Debug, Clone, Copy, Default)]
pub struct Allow {
    /// Edit files with uncommitted changes (`--allow-dirty`).
    pub dirty: bool,
    /// Edit files no git repository holds (`--allow-no-vcs`).
    pub no_vcs: bool,
}

/// What was done.
#[derive(Debug, Default)]
pub struct Outcome<'a> {
    /// Files written, with the number of edits made in each.
    pub written: Vec<(PathBuf, usize)>,
    /// The findings whose whole fix was made.
    pub fixed: Vec<&'a Finding>,
    /// Files left as they were, and why; the findings with edits there stay.
    pub refused: Vec<(PathBuf, Refused)>,
    /// Machine-applicable fixes not made: they overlap another fix.
    pub overlapping: Vec<&'a Finding>,
}

/// Applies the machine-applicable fixes of `findings` to files the analysis read
/// (`sources`) inside `trees`; `dir` is where the git repository is looked for. Refuses
/// everything if a file to edit has uncommitted changes or no repository, unless allowed.
pub fn apply<'a>(
    findings: &[&'a Finding],
    sources: &[PathBuf],
    trees: &[PathBuf],
    dir: &Path,
    allow: Allow,
) -> Result<Outcome<'a>, Unsafe> {
    let plan = Plan::of(findings);
    let files: Vec<&Path> = plan.edits.keys().map(PathBuf::as_path).collect();
    if !files.is_empty() {
        match vcs::check(dir, &files) {
            Ok(()) => {}
            Err(Unsafe::NoVcs) if allow.no_vcs => {}
            Err(Unsafe::Dirty(_)) if allow.dirty => {}
            Err(e) => return Err(e),
        }
    }
    let bounds = Bounds::new(trees, sources);
    let mut outcome = Outcome {
        overlapping: plan.overlapping,
        ..Outcome::default()
    };
    for (file, edits) in &plan.edits {
        match write::edit_file(&bounds, file, edits) {
            Ok(()) => outcome.written.push((file.clone(), edits.len())),
            Err(why) => outcome.refused.push((file.clone(), why)),
        }
    }
    // A fix is made when every file it edits was written.
    outcome.fixed = plan
        .fixed
        .into_iter()
        .filter(|f| {
            let edits = f
                .fix
                .as_ref()
                .map(|fix| fix.edits.as_slice())
                .unwrap_or_default();
            edits
                .iter()
                .all(|e| outcome.written.iter().any(|(file, _)| *file == e.file))
        })
        .collect();
    Ok(outcome)
}
