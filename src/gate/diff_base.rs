//! `--diff-base REV`: keeps only findings whose primary span or a label touches a line
//! changed since git revision REV (the working tree against REV), or lies in a file REV
//! does not have that git tracks or would list as untracked. The two lines around a
//! deletion count as changed. Findings caused by a change elsewhere (a removed guard
//! attribute) are not kept unless their own lines changed too.
//!
//! The scanned tree may be hostile, and a repository's configuration can make `git diff`
//! run programs (clean filters and diff drivers named by `.gitattributes`, external diffs,
//! the fsmonitor hook). So git only lists and reads objects here (`rev-parse`, `ls-tree`,
//! `ls-files`, `cat-file`: none applies filters or drivers), with the hooks, fsmonitor,
//! pager, lazy fetches of a partial clone and discovery of bare repositories switched off,
//! and the changed lines of the files that have findings are computed here from the base
//! blob and the file's bytes. A repository whose files an outer repository tracks (a
//! `.git` folder that arrived inside the tree) is not used: the outer one is.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use similar::{Algorithm, DiffOp, TextDiff};

use crate::error::GateError;
use crate::source::Span;
use crate::Finding;

/// Settings every git call gets on its command line, which wins over the repository's
/// configuration: no fsmonitor or hook program, no transport (a partial clone would fetch
/// a missing blob), and bare repositories only when named.
const GIT_SETTINGS: [&str; 4] = [
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "protocol.allow=never",
    "safe.bareRepository=explicit",
];

/// How long the line diff of one file may take before it settles for a coarser answer
/// (more lines changed, so more findings kept).
const DIFF_TIMEOUT: Duration = Duration::from_secs(2);

/// Lines changed since a revision, by absolute file path.
#[derive(Debug, Default)]
pub struct ChangedLines {
    files: HashMap<PathBuf, Changed>,
}

#[derive(Debug)]
enum Changed {
    /// Not at the base revision: every line is new.
    Whole,
    Lines(BTreeSet<u32>),
}

impl ChangedLines {
    /// Asks git, in the repository around `dir`, what the files of `findings` were at
    /// `rev`, and compares them with the working tree.
    pub fn since(rev: &str, dir: &Path, findings: &[Finding]) -> Result<ChangedLines, GateError> {
        let repo = Repository::around(dir)?;
        let commit = repo.commit(rev)?;
        let wanted = files_of(findings);
        if wanted.is_empty() {
            return Ok(ChangedLines::default());
        }
        let at_base = repo.blobs_at(&commit)?;
        let known = repo.files()?;
        let mut files = HashMap::new();
        let mut reads: Vec<(PathBuf, String)> = Vec::new();
        for file in wanted {
            let Some(relative) = repo.relative(&file) else {
                continue; // outside the repository: nothing changed in it
            };
            if let Some(blob) = at_base.get(&relative) {
                reads.push((file, blob.clone()));
            } else if known.contains(&relative) {
                files.insert(file, Changed::Whole);
            }
        }
        let blobs = repo.read_blobs(reads.iter().map(|(_, blob)| blob.as_str()))?;
        for ((file, _), old) in reads.into_iter().zip(blobs) {
            // A file that can no longer be read compares as empty.
            let new = std::fs::read(&file).unwrap_or_default();
            files.insert(file, Changed::Lines(changed_lines(&old, &new)));
        }
        Ok(ChangedLines { files })
    }

    /// Does the span touch a changed line of `file`?
    pub fn touches(&self, file: &Path, span: &Span) -> bool {
        match self.files.get(&absolute(file)) {
            Some(Changed::Whole) => true,
            Some(Changed::Lines(lines)) => lines
                .range(span.line..=span.end_line.max(span.line))
                .next()
                .is_some(),
            None => false,
        }
    }

    /// Was anything in `file` changed?
    fn changed_at_all(&self, file: &Path) -> bool {
        match self.files.get(&absolute(file)) {
            Some(Changed::Whole) => true,
            Some(Changed::Lines(lines)) => !lines.is_empty(),
            None => false,
        }
    }

    /// The findings whose primary span or any label touches a changed line. A finding
    /// about a whole file (one that could not be analysed: it points at the place analysis
    /// stopped, not at the change that broke it) is kept whenever the file changed at all,
    /// so the gate never passes a changed file nobody read.
    pub fn filter(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| {
                (f.rule.whole_file && self.changed_at_all(&f.file))
                    || self.touches(&f.file, &f.span)
                    || f.labels.iter().any(|l| self.touches(&l.file, &l.span))
            })
            .collect()
    }
}

/// Every file a finding or one of its labels points into, absolute.
fn files_of(findings: &[Finding]) -> BTreeSet<PathBuf> {
    findings
        .iter()
        .flat_map(|f| std::iter::once(&f.file).chain(f.labels.iter().map(|l| &l.file)))
        .map(|file| absolute(file))
        .collect()
}

fn absolute(file: &Path) -> PathBuf {
    file.canonicalize().unwrap_or_else(|_| file.to_path_buf())
}

/// A git repository, found once; every call names its work tree.
struct Repository {
    root: PathBuf,
}

impl Repository {
    /// The repository around `dir`; the outer one when that one tracks its files, or when
    /// `dir` is in a bare repository's folder.
    fn around(dir: &Path) -> Result<Repository, GateError> {
        let not_a_repo = || GateError::NotGitRepo {
            path: dir.to_path_buf(),
        };
        let mut start = absolute(dir);
        let mut root = loop {
            if let Some(root) = toplevel(&start) {
                break root;
            }
            // git refuses a bare repository it was not named (safe.bareRepository): one
            // committed inside the tree. The repository is the one around it.
            let bare = start.ancestors().find(|d| looks_bare(d));
            match bare.and_then(Path::parent) {
                Some(outside) => start = outside.to_path_buf(),
                None => return Err(not_a_repo()),
            }
        };
        while let Some(outer) = root.parent().and_then(toplevel) {
            if !tracks_files_inside(&outer, &root) {
                break; // a submodule, or a repository of its own beside the outer one's files
            }
            root = outer;
        }
        Ok(Repository { root })
    }

    /// `rev` as a commit id.
    fn commit(&self, rev: &str) -> Result<String, GateError> {
        let commit = format!("{rev}^{{commit}}");
        let id = git(
            &self.root,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &commit,
            ],
            None,
        )
        .map_err(|_| GateError::BadRevision {
            rev: rev.to_string(),
        })?;
        Ok(String::from_utf8_lossy(&id).trim().to_string())
    }

    /// The blobs of `commit`, by path relative to the root.
    fn blobs_at(&self, commit: &str) -> Result<HashMap<String, String>, GateError> {
        let listing = self.run(&["ls-tree", "-r", "-z", "--full-tree", commit])?;
        // `<mode> blob <id>\t<path>`
        Ok(records(&listing)
            .filter_map(|entry| {
                let (meta, path) = entry.split_once('\t')?;
                let mut words = meta.split(' ');
                let (_, kind, id) = (words.next()?, words.next()?, words.next()?);
                (kind == "blob").then(|| (path.to_string(), id.to_string()))
            })
            .collect())
    }

    /// The files git tracks or lists as untracked (not ignored), relative to the root.
    fn files(&self) -> Result<HashSet<String>, GateError> {
        let listing = self.run(&[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])?;
        Ok(records(&listing).map(str::to_string).collect())
    }

    /// The contents of `blobs`, in order, from one `git cat-file --batch`.
    fn read_blobs<'a>(
        &self,
        blobs: impl Iterator<Item = &'a str>,
    ) -> Result<Vec<Vec<u8>>, GateError> {
        let ids: Vec<&str> = blobs.collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let input: String = ids.iter().map(|id| format!("{id}\n")).collect();
        let out = self.run_with_input(&["cat-file", "--batch"], input.into_bytes())?;
        parse_batch(&out, ids.len()).map_err(|message| GateError::Git {
            command: "cat-file --batch".to_string(),
            message,
        })
    }

    /// `file` relative to the root, as git writes paths; `None` outside it.
    fn relative(&self, file: &Path) -> Option<String> {
        let relative = file.strip_prefix(&self.root).ok()?;
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }

    fn run(&self, args: &[&str]) -> Result<Vec<u8>, GateError> {
        git(&self.root, args, None).map_err(|message| GateError::Git {
            command: args.join(" "),
            message,
        })
    }

    fn run_with_input(&self, args: &[&str], input: Vec<u8>) -> Result<Vec<u8>, GateError> {
        git(&self.root, args, Some(input)).map_err(|message| GateError::Git {
            command: args.join(" "),
            message,
        })
    }
}

/// The work tree root of the repository git finds from `dir`.
fn toplevel(dir: &Path) -> Option<PathBuf> {
    let out = git(dir, &["rev-parse", "--show-toplevel"], None).ok()?;
    let root = PathBuf::from(String::from_utf8_lossy(&out).trim_end_matches(['\n', '\r']));
    Some(root.canonicalize().unwrap_or(root))
}

/// Does `dir` hold a bare repository's layout?
fn looks_bare(dir: &Path) -> bool {
    dir.join("HEAD").is_file() && dir.join("objects").is_dir() && dir.join("refs").is_dir()
}

/// Does `outer` track files inside `inner` (not just a submodule entry for it)? Then
/// `inner`'s `.git` came with the files, and is not the user's repository.
fn tracks_files_inside(outer: &Path, inner: &Path) -> bool {
    let Ok(relative) = inner.strip_prefix(outer) else {
        return false;
    };
    let Some(relative) = relative.to_str() else {
        return false;
    };
    let listing = git(outer, &["ls-files", "-z", "--stage", "--", relative], None);
    // `<mode> <id> <stage>\t<path>`; mode 160000 is a submodule.
    listing.is_ok_and(|out| records(&out).any(|entry| !entry.starts_with("160000 ")))
}

/// The NUL-separated records of `-z` output.
fn records(out: &[u8]) -> impl Iterator<Item = &str> {
    out.split(|b| *b == 0)
        .filter(|r| !r.is_empty())
        .filter_map(|r| std::str::from_utf8(r).ok())
}

/// `git cat-file --batch` output: `<id> blob <size>\n<bytes>\n` per object.
fn parse_batch(mut out: &[u8], count: usize) -> Result<Vec<Vec<u8>>, String> {
    let mut blobs = Vec::with_capacity(count);
    for _ in 0..count {
        let end = out
            .iter()
            .position(|b| *b == b'\n')
            .ok_or("truncated output")?;
        let header = String::from_utf8_lossy(&out[..end]).into_owned();
        let size: usize = match header.split(' ').collect::<Vec<_>>()[..] {
            [_, "blob", size] => size.parse().map_err(|_| format!("bad header `{header}`"))?,
            // A partial clone without the blob: it is not fetched.
            _ => {
                return Err(format!(
                    "`{header}`: the base blob is not in the local repository"
                ))
            }
        };
        let body = out.get(end + 1..end + 1 + size).ok_or("truncated output")?;
        blobs.push(body.to_vec());
        out = out.get(end + 2 + size..).unwrap_or_default();
    }
    Ok(blobs)
}

/// Runs git in `dir` with [`GIT_SETTINGS`] and returns stdout, or stderr on failure.
pub(crate) fn git(dir: &Path, args: &[&str], input: Option<Vec<u8>>) -> Result<Vec<u8>, String> {
    let mut cmd = Command::new("git");
    cmd.args(["--no-pager", "--no-optional-locks", "--literal-pathspecs"]);
    for setting in GIT_SETTINGS {
        cmd.args(["-c", setting]);
    }
    cmd.args(args)
        .current_dir(dir)
        // A partial clone would fetch a missing blob from its remote.
        .env("GIT_NO_LAZY_FETCH", "1")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    // Written on its own thread: git answers while it reads, and a full pipe would stall.
    let writer = input.zip(child.stdin.take()).map(|(input, mut stdin)| {
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        })
    });
    let out = child
        .wait_with_output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    if out.status.success() {
        Ok(out.stdout)
    } else {
        // git's message can quote the tree's file names: printed, it must not be able to
        // move the cursor or start a workflow command.
        let message = String::from_utf8_lossy(&out.stderr);
        Err(crate::sanitize::text(message.trim()).into_owned())
    }
}

/// The lines of `new` (1-based) that differ from `old`; a pure deletion counts the lines
/// on both sides of it. Line endings are compared without `\r`, as git's eol handling
/// would store them.
fn changed_lines(old: &[u8], new: &[u8]) -> BTreeSet<u32> {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    let (old, new) = (text(old), text(new));
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .timeout(DIFF_TIMEOUT)
        .diff_lines(&old, &new);
    let line = |index: usize| u32::try_from(index).unwrap_or(u32::MAX);
    let mut lines = BTreeSet::new();
    for op in diff.ops() {
        match *op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete { new_index, .. } => {
                lines.extend([line(new_index).max(1), line(new_index).saturating_add(1)]);
            }
            DiffOp::Insert {
                new_index, new_len, ..
            }
            | DiffOp::Replace {
                new_index, new_len, ..
            } => lines.extend(line(new_index) + 1..=line(new_index + new_len)),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_those_of_the_new_side() {
        let old = "a\nb\nc\nd\ne\nf\n";
        // b edited, x inserted after d, f deleted at the end.
        let new = "a\nB\nc\nd\nx\ne\n";
        let lines: Vec<u32> = changed_lines(old.as_bytes(), new.as_bytes())
            .into_iter()
            .collect();
        assert_eq!(lines, [2, 5, 6, 7]);
    }

    #[test]
    fn a_deletion_marks_both_neighbours_and_line_endings_do_not_count() {
        let lines: Vec<u32> = changed_lines(b"a\nb\nc\n", b"a\r\nc\r\n")
            .into_iter()
            .collect();
        assert_eq!(lines, [1, 2]);
        assert!(changed_lines(b"a\nb\n", b"a\r\nb\r\n").is_empty());
    }

    #[test]
    fn batch_output_is_split_by_size() {
        let out = b"1111 blob 3\na\nb\n2222 blob 0\n\n";
        let blobs = parse_batch(out, 2).unwrap();
        assert_eq!(blobs, [b"a\nb".to_vec(), Vec::new()]);
        let err = parse_batch(b"3333 missing\n", 1).unwrap_err();
        assert!(err.contains("not in the local repository"), "{err}");
    }
}
