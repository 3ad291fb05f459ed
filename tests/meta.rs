//! The rule registry and `lints/*.md` agree: one file per rule, the same headings in each,
//! at least one `//~` case, unique codes, summaries in lint style, urls at the docs.

use std::collections::BTreeSet;
use std::path::Path;

use cancelsafe_engine::RULES;

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
fn docs_are_compiled_from_the_md_file() {
    for rule in RULES {
        let on_disk = std::fs::read_to_string(lints_dir().join(format!("{}.md", rule.id)))
            .expect("read rule docs");
        assert_eq!(rule.docs, on_disk, "{}: docs are the md file", rule.id);
    }
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

#[test]
fn urls_point_at_the_docs() {
    for rule in RULES {
        let url = rule.url();
        assert!(url.starts_with("https://"), "{url}");
        assert!(
            url.ends_with(&format!("/lints/{}.md", rule.id)),
            "{}: url {url} points at lints/{}.md",
            rule.id,
            rule.id
        );
    }
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
