//! The rule registry and `lints/*.md` agree: one file per rule, the same headings in each,
//! at least one `//~` case, unique codes, summaries in lint style, urls at the docs in the
//! manifest's repository; and `tests/known-gaps.md` lists the known-gap marks.

use std::collections::BTreeSet;
use std::path::Path;

use cancelsafe_engine::RULES;

#[path = "common/marks.rs"]
mod marks;

const HEADINGS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Known problems",
    "## Example",
    "## Use instead",
    "## Configuration",
    "## References",
];

fn lints_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lints")
}

/// File stems of `lints/*.md`.
fn md_stems() -> BTreeSet<String> {
    std::fs::read_dir(lints_dir())
        .expect("lints/ exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
        .collect()
}

#[test]
fn rules_and_docs_are_one_to_one() {
    assert!(!RULES.is_empty(), "at least one rule");
    let ids: BTreeSet<String> = RULES.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(ids.len(), RULES.len(), "rule ids are unique");
    assert_eq!(
        ids,
        md_stems(),
        "every rule has lints/<id>.md and vice versa"
    );
}

#[test]
fn docs_have_every_heading_in_order() {
    for rule in RULES {
        let lines: Vec<&str> = rule.docs.lines().map(str::trim_end).collect();
        let mut last = 0;
        for h in HEADINGS {
            let pos = lines
                .iter()
                .position(|l| l == h)
                .unwrap_or_else(|| panic!("{}: missing heading `{h}`", rule.id));
            assert!(pos >= last, "{}: `{h}` is out of order", rule.id);
            last = pos;
        }
        assert_eq!(
            lines.first().copied(),
            Some(format!("# `{}`", rule.id).as_str()),
            "{}: title is the rule id",
            rule.id
        );
    }
}

#[test]
fn docs_have_a_marked_case() {
    for rule in RULES {
        let mark = format!("//~ {}", rule.id);
        let mark_above = format!("//~^ {}", rule.id);
        assert!(
            rule.docs.contains(&mark) || rule.docs.contains(&mark_above),
            "{}: no `{mark}` case",
            rule.id
        );
    }
}

#[test]
fn codes_are_unique_and_well_formed() {
    let codes: BTreeSet<&str> = RULES.iter().map(|r| r.code).collect();
    assert_eq!(codes.len(), RULES.len(), "codes are unique");
    for rule in RULES {
        let digits = rule.code.strip_prefix("CS").unwrap_or("");
        assert!(
            digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{}: code `{}` is CS + 3 digits",
            rule.id,
            rule.code
        );
        assert!(
            rule.docs.contains(&format!("`{}`", rule.code)),
            "{}: docs name the code",
            rule.id
        );
    }
}

#[test]
fn ids_are_snake_case() {
    for rule in RULES {
        assert!(
            !rule.id.is_empty()
                && rule
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{}: id is snake_case",
            rule.id
        );
    }
}

#[test]
fn summaries_are_lint_style() {
    for rule in RULES {
        let s = rule.summary;
        let first = s.chars().next().expect("summary is not empty");
        assert!(
            first.is_lowercase(),
            "{}: summary starts lowercase: {s:?}",
            rule.id
        );
        assert!(
            !s.ends_with('.'),
            "{}: summary has no trailing period",
            rule.id
        );
        assert_eq!(s.trim(), s, "{}: summary has no stray spaces", rule.id);
    }
}

/// A rule's url is written in `src/rules/mod.rs`; it must lead to its md file in the
/// repository `Cargo.toml` names, on the default branch.
#[test]
fn urls_lead_to_the_docs_in_the_manifests_repository() {
    let manifest: toml::Table = std::fs::read_to_string(marks::manifest_dir().join("Cargo.toml"))
        .expect("read Cargo.toml")
        .parse()
        .expect("Cargo.toml parses");
    let repository = manifest["workspace"]["package"]["repository"]
        .as_str()
        .expect("[workspace.package] repository");
    for rule in RULES {
        assert_eq!(
            rule.url(),
            format!("{repository}/blob/main/lints/{}.md", rule.id),
            "{}: url",
            rule.id
        );
    }
}

const KNOWN_GAPS: &str = "tests/known-gaps.md";

/// `tests/known-gaps.md` lists exactly the `gap(..)` and `false(..)` marks of the rule docs
/// and the fixtures, so known gaps are read in one place.
#[test]
fn known_gaps_are_listed() {
    let mut marked: Vec<String> = marks::every_mark()
        .iter()
        .filter_map(marks::Mark::known_gap)
        .collect();
    marked.sort();
    let text = std::fs::read_to_string(marks::manifest_dir().join(KNOWN_GAPS))
        .expect("read tests/known-gaps.md");
    let mut listed: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .filter(|l| l.starts_with('`'))
        .map(str::to_string)
        .collect();
    listed.sort();
    for gap in &marked {
        println!("known gap: {gap}");
    }
    assert_eq!(
        listed, marked,
        "{KNOWN_GAPS} (left) lists the gap(..) and false(..) marks (right), one `- ` line each"
    );
}

#[test]
fn find_accepts_id_code_and_prefixed_id() {
    for rule in RULES {
        for name in [
            rule.id.to_string(),
            rule.code.to_string(),
            rule.code.to_lowercase(),
            format!("cancelsafe::{}", rule.id),
        ] {
            let found = cancelsafe_engine::rules::find(&name).map(|r| r.id);
            assert_eq!(found, Some(rule.id), "find({name:?})");
        }
    }
    assert!(cancelsafe_engine::rules::find("no_such_rule").is_none());
}

/// The `//~` check itself, on a made-up case: each kind of disagreement is a problem, so a
/// case can only pass with findings that match its marks.
#[test]
fn the_mark_check_names_every_disagreement() {
    let rule = "unguarded_write_then_read";
    let text = format!(
        "a(); //~ {rule}\n\
         b(); //~ {rule}:reached\n\
         c(); //~ gap({rule}): behind a closure\n\
         d(); //~ false({rule}): guarded by hand\n\
         e();\n\
         //~^ {rule}\n"
    );
    let marks = marks::parse("case.rs", &text, 10);
    let at = |line: usize, reached: Option<bool>| marks::Found {
        place: marks::Place {
            file: "case.rs".to_string(),
            line,
            rule: rule.to_string(),
        },
        reached,
    };
    let agreeing = [at(10, None), at(11, Some(true)), at(13, None), at(14, None)];
    assert_eq!(marks::problems(&marks, &agreeing), Vec::<String>::new());

    // Line 10 missed, line 11 unreached, the gap on 12 found, the false finding on 13
    // gone, line 14 (marked from the line below) found, line 15 unmarked.
    let wrong = [
        at(11, Some(false)),
        at(12, None),
        at(14, None),
        at(15, None),
    ];
    let problems = marks::problems(&marks, &wrong);
    let starts = [
        "missed: case.rs:10",
        "case.rs:11 unguarded_write_then_read: marked reached",
        "gap closed: case.rs:12",
        "false finding gone: case.rs:13",
        "unexpected: case.rs:15",
    ];
    assert_eq!(problems.len(), starts.len(), "{problems:#?}");
    for (problem, start) in problems.iter().zip(starts) {
        assert!(
            problem.starts_with(start),
            "{problem:?} starts with {start:?}"
        );
    }
    assert_eq!(
        marks[2].known_gap().as_deref(),
        Some("`case.rs` gap(unguarded_write_then_read): behind a closure")
    );
}

#[test]
#[should_panic(expected = "needs a reason")]
fn a_known_gap_without_a_reason_is_refused() {
    marks::parse("case.rs", "a(); //~ gap(unguarded_write_then_read):\n", 1);
}
