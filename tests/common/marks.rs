//! `//~` marks: what a test case says the engine must find, line by line, and the check of
//! an analysis against them. Shared by `tests/lints.rs` (the ```rust blocks of
//! `lints/*.md`), `tests/fixtures.rs` (`tests/fixtures/<rule>/<case>/`) and `tests/meta.rs`
//! (the list of known gaps).
//!
//! A mark is a `//~` comment at the end of the line a finding starts on (`//~^`: the line
//! above, one `^` per line up, for lines rustfmt would break). It holds items separated by
//! spaces:
//! - `<rule id>`: a finding of that rule starts here;
//! - `<rule id>:reached` / `<rule id>:unreached`: ... and a cancellation site in the case
//!   does / does not reach it;
//! - `gap(<rule id>): <why>`: a known gap, a finding we want here that the engine does not
//!   make yet;
//! - `false(<rule id>): <why>`: a known false finding, one the engine makes here and should
//!   not.
//!
//! A `gap`/`false` item takes the rest of the line as its reason, so it comes last, and the
//! reason is not empty. The check fails on a missed mark and on an unmarked finding, and
//! also when a gap is found or a false finding is gone: fixing the engine means updating
//! the mark (and `tests/known-gaps.md`, which lists every gap and false mark).
#![allow(dead_code)] // each test binary that includes this file uses part of it

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a finding of a rule starts: `file:line rule`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub rule: String,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} {}", self.file, self.line, self.rule)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The engine must find it; `Some(reached)` also asks whether a site reaches it.
    Found { reached: Option<bool> },
    /// The engine should find it and does not, for the reason given.
    Gap(String),
    /// The engine finds it and should not, for the reason given.
    False(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub place: Place,
    pub kind: Kind,
}

impl Mark {
    /// `gap(rule): why` / `false(rule): why` as written, with the file (no line, so the list
    /// of known gaps survives edits around it); `None` for a plain mark.
    pub fn known_gap(&self) -> Option<String> {
        let (word, why) = match &self.kind {
            Kind::Found { .. } => return None,
            Kind::Gap(why) => ("gap", why),
            Kind::False(why) => ("false", why),
        };
        Some(format!(
            "`{}` {word}({}): {why}",
            self.place.file, self.place.rule
        ))
    }
}

/// What the engine found: a place, and whether a cancellation site reaches it when the
/// rule says.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    pub place: Place,
    pub reached: Option<bool>,
}

/// The marks in `text`, a file shown as `file` whose first line is line `first_line`
/// there (a block of a Markdown file starts further down). Panics on a malformed mark.
pub fn parse(file: &str, text: &str, first_line: usize) -> Vec<Mark> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some((_, mark)) = line.split_once("//~") else {
            continue;
        };
        let at = first_line + i;
        let items = mark.trim_start_matches('^');
        let up = mark.len() - items.len();
        assert!(up <= i, "{file}:{at}: `//~^` points above the text");
        let place = |rule: &str| Place {
            file: file.to_string(),
            line: at - up,
            rule: known_rule(rule, file, at),
        };
        let mut rest = items.trim_start();
        assert!(!rest.is_empty(), "{file}:{at}: empty `//~` mark");
        while !rest.is_empty() {
            if let Some((word, rule, why)) = known_gap_item(rest) {
                assert!(
                    !why.is_empty(),
                    "{file}:{at}: `{word}({rule})` needs a reason after `:`"
                );
                let why = why.to_string();
                let kind = if word == "gap" {
                    Kind::Gap(why)
                } else {
                    Kind::False(why)
                };
                out.push(Mark {
                    place: place(rule),
                    kind,
                });
                break;
            }
            let (item, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let (rule, reached) = match item.split_once(':') {
                None => (item, None),
                Some((rule, "reached")) => (rule, Some(true)),
                Some((rule, "unreached")) => (rule, Some(false)),
                Some(_) => panic!(
                    "{file}:{at}: `{item}`: a mark is `rule`, `rule:reached`, \
                     `rule:unreached`, `gap(rule): why` or `false(rule): why`"
                ),
            };
            out.push(Mark {
                place: place(rule),
                kind: Kind::Found { reached },
            });
            rest = after.trim_start();
        }
    }
    out
}

/// `("gap" | "false", rule, reason)` when `item` starts a known-gap item.
fn known_gap_item(item: &str) -> Option<(&str, &str, &str)> {
    let (word, after) = item.split_once('(')?;
    if word != "gap" && word != "false" {
        return None;
    }
    let (rule, after) = after.split_once(')')?;
    let why = after.strip_prefix(':')?;
    Some((word, rule.trim(), why.trim()))
}

/// A rule named by its id exactly (not its code), so marks read alike everywhere.
fn known_rule(rule: &str, file: &str, at: usize) -> String {
    let found = cancelsafe_engine::rules::find(rule).map(|r| r.id);
    assert_eq!(
        found,
        Some(rule),
        "{file}:{at}: `{rule}` in a mark is not a rule id"
    );
    rule.to_string()
}

/// What `found` gets wrong against `marks`, one line per problem; empty when they agree.
pub fn problems(marks: &[Mark], found: &[Found]) -> Vec<String> {
    let mut reach: BTreeMap<&Place, BTreeSet<Option<bool>>> = BTreeMap::new();
    for f in found {
        reach.entry(&f.place).or_default().insert(f.reached);
    }
    let mut kinds: BTreeMap<&Place, &Kind> = BTreeMap::new();
    let mut out = Vec::new();
    for mark in marks {
        let place = &mark.place;
        if let Some(other) = kinds.insert(place, &mark.kind) {
            if other != &mark.kind {
                out.push(format!(
                    "{place}: marked twice, as {other:?} and {:?}",
                    mark.kind
                ));
            }
        }
        let at = reach.get(place);
        match &mark.kind {
            Kind::Found { .. } if at.is_none() => out.push(format!("missed: {place}")),
            Kind::Found {
                reached: Some(want),
            } if !at.is_some_and(|r| r.contains(&Some(*want))) => out.push(format!(
                "{place}: marked {}, found {:?}",
                if *want { "reached" } else { "unreached" },
                at.expect("found above")
            )),
            Kind::Found { .. } => {}
            Kind::Gap(_) if at.is_some() => out.push(format!(
                "gap closed: {place} is found now; mark it `//~ {}` and drop it from \
                 tests/known-gaps.md",
                place.rule
            )),
            Kind::False(_) if at.is_none() => out.push(format!(
                "false finding gone: {place} is not reported any more; remove its \
                 `false({})` mark and its line in tests/known-gaps.md",
                place.rule
            )),
            Kind::Gap(_) | Kind::False(_) => {}
        }
    }
    for place in reach.keys() {
        match kinds.get(place) {
            Some(Kind::Found { .. } | Kind::False(_)) => {}
            Some(Kind::Gap(_)) => {} // reported above
            None => out.push(format!(
                "unexpected: {place} (mark it `//~ {}`, or `//~ false({}): <why>` if it \
                 is wrong)",
                place.rule, place.rule
            )),
        }
    }
    out
}

/// Asserts `found` agrees with `marks` (the snapshots play no part in this), and prints
/// the known gaps `case` carries.
pub fn assert_agree(case: &str, marks: &[Mark], found: &[Found]) {
    for known in marks.iter().filter_map(Mark::known_gap) {
        println!("{case}: known {known}");
    }
    let problems = problems(marks, found);
    assert!(
        problems.is_empty(),
        "{case}: the findings do not match the //~ marks:\n  {}",
        problems.join("\n  ")
    );
}

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `path` relative to the crate root, with `/`.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(manifest_dir())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The ```rust blocks of a Markdown file, with their first line number in the file.
pub fn rust_blocks(md: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in md.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None if fence.starts_with("```rust") => current = Some((i + 2, String::new())),
            Some(_) if fence.starts_with("```") => blocks.push(current.take().expect("open block")),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// The marks of every ```rust block of `md_path`, placed by their line in the md file.
pub fn md_marks(md_path: &Path) -> Vec<Mark> {
    let md = std::fs::read_to_string(md_path).expect("read rule docs");
    let file = relative(md_path);
    rust_blocks(&md)
        .iter()
        .flat_map(|(first_line, code)| parse(&file, code, *first_line))
        .collect()
}

/// Every `.rs` file under `dir`, sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read fixture dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The marks of every `.rs` file under `dir`.
pub fn dir_marks(dir: &Path) -> Vec<Mark> {
    rust_files(dir)
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).expect("case file is UTF-8");
            parse(&relative(file), &text, 1)
        })
        .collect()
}

/// The folders marks live in: `lints/*.md` and `tests/fixtures/<rule>/<case>/` (folders
/// not named after a rule, like `tests/fixtures/dependencies/`, belong to other tests).
pub fn every_mark() -> Vec<Mark> {
    let mut out = Vec::new();
    for md in sorted_entries(&manifest_dir().join("lints")) {
        if md.extension().is_some_and(|e| e == "md") {
            out.extend(md_marks(&md));
        }
    }
    for rule in sorted_entries(&manifest_dir().join("tests/fixtures")) {
        let name = rule
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if cancelsafe_engine::rules::find(&name).is_some() {
            out.extend(dir_marks(&rule));
        }
    }
    out
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    out.sort();
    out
}
