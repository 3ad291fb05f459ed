//! `--diff-base REV`: keeps only findings whose primary span or a label touches a line
//! changed since git revision REV (`git diff --unified=0 REV`, the working tree against REV),
//! or lies in an untracked file. The two lines around a deletion count as changed. Findings
//! caused by a change elsewhere (a removed guard attribute) are not kept unless their own
//! lines changed too.
//!
//! git runs as a subprocess with external diff tools, text conversion and the fsmonitor hook
//! switched off, so nothing from the scanned repository is executed.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::GateError;
use crate::source::Span;
use crate::Finding;

/// Lines changed since a revision, by absolute file path.
#[derive(Debug, Default)]
pub struct ChangedLines {
    files: HashMap<PathBuf, Changed>,
}

#[derive(Debug)]
enum Changed {
    /// Untracked: every line is new.
    Whole,
    Lines(BTreeSet<u32>),
}

impl ChangedLines {
    /// Asks git, in the repository around `dir`, what changed since `rev`.
    pub fn since(rev: &str, dir: &Path) -> Result<ChangedLines, GateError> {
        let root =
            git(dir, &["rev-parse", "--show-toplevel"]).map_err(|_| GateError::NotGitRepo {
                path: dir.to_path_buf(),
            })?;
        let root = PathBuf::from(root.trim_end_matches(['\n', '\r']));
        let root = root.canonicalize().unwrap_or(root);
        let commit = format!("{rev}^{{commit}}");
        git(&root, &["rev-parse", "--verify", "--quiet", &commit]).map_err(|_| {
            GateError::BadRevision {
                rev: rev.to_string(),
            }
        })?;
        let diff_args = [
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--unified=0",
            rev,
            "--",
        ];
        let diff = git(&root, &diff_args).map_err(|message| GateError::Git {
            command: diff_args.join(" "),
            message,
        })?;
        let untracked_args = ["ls-files", "--others", "--exclude-standard", "-z"];
        let untracked = git(&root, &untracked_args).map_err(|message| GateError::Git {
            command: untracked_args.join(" "),
            message,
        })?;
        let mut files: HashMap<PathBuf, Changed> = parse_diff(&diff)
            .into_iter()
            .map(|(path, lines)| (root.join(path), Changed::Lines(lines)))
            .collect();
        for path in untracked.split('\0').filter(|p| !p.is_empty()) {
            files.insert(root.join(path), Changed::Whole);
        }
        Ok(ChangedLines { files })
    }

    /// Does the span touch a changed line of `file`?
    pub fn touches(&self, file: &Path, span: &Span) -> bool {
        let absolute = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
        match self.files.get(&absolute) {
            Some(Changed::Whole) => true,
            Some(Changed::Lines(lines)) => lines
                .range(span.line..=span.end_line.max(span.line))
                .next()
                .is_some(),
            None => false,
        }
    }

    /// The findings whose primary span or any label touches a changed line.
    pub fn filter(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| {
                self.touches(&f.file, &f.span)
                    || f.labels.iter().any(|l| self.touches(&l.file, &l.span))
            })
            .collect()
    }
}

/// Runs git in `dir` and returns stdout, or stderr on failure.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(["-c", "core.fsmonitor=false", "-c", "core.quotepath=off"])
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Changed lines of the new side of a `--unified=0` diff, by path relative to the repo root.
fn parse_diff(diff: &str) -> HashMap<String, BTreeSet<u32>> {
    let mut out: HashMap<String, BTreeSet<u32>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = path
                .trim_matches('"')
                .strip_prefix("b/")
                .map(str::to_string);
        } else if let (Some(path), Some(hunk)) = (&current, line.strip_prefix("@@ ")) {
            if let Some((start, count)) = new_side(hunk) {
                let lines = out.entry(path.clone()).or_default();
                if count == 0 {
                    // A pure deletion after line `start`: both neighbours count.
                    lines.extend([start.max(1), start + 1]);
                } else {
                    lines.extend(start..start + count);
                }
            }
        }
    }
    out
}

/// `-a,b +c,d @@ ...` -> `(c, d)`; `d` defaults to 1.
fn new_side(hunk: &str) -> Option<(u32, u32)> {
    let plus = hunk.split_whitespace().find_map(|w| w.strip_prefix('+'))?;
    let (start, count) = match plus.split_once(',') {
        Some((s, c)) => (s.parse().ok()?, c.parse().ok()?),
        None => (plus.parse().ok()?, 1),
    };
    Some((start, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hunks_of_the_new_side() {
        let diff = "\
diff --git a/src/a.rs b/src/a.rs
--- a/src/a.rs
+++ b/src/a.rs
@@ -3 +3 @@ fn x
-a
+b
@@ -10,0 +11,2 @@
+c
+d
@@ -20,2 +21,0 @@
-e
-f
diff --git a/gone.rs b/gone.rs
--- a/gone.rs
+++ /dev/null
@@ -1,2 +0,0 @@
";
        let changed = parse_diff(diff);
        let lines: Vec<u32> = changed["src/a.rs"].iter().copied().collect();
        assert_eq!(lines, [3, 11, 12, 21, 22]);
        assert_eq!(changed.len(), 1);
    }
}
