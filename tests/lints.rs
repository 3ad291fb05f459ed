//! Rule cases from `lints/<id>.md`: every ```rust block is analysed on its own; `//~ id`
//! marks the line a finding must start on (`//~^ id`: the line above). Findings must match
//! the marks exactly, and what the user sees is snapshotted to `tests/snapshots/lints__<id>.snap`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cancelsafe_engine::report::{human, json};
use cancelsafe_engine::{analyze, Config};

/// The ```rust blocks of a Markdown file, with their first line number in the file.
fn rust_blocks(md: &str) -> Vec<(usize, String)> {
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

/// `(line, rule)` pairs expected by the `//~` marks.
fn expected_marks(code: &str) -> BTreeSet<(u32, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in code.lines().enumerate() {
        let Some(at) = line.find("//~") else { continue };
        let rest = &line[at + 3..];
        let (carets, rule) = (
            rest.chars().take_while(|c| *c == '^').count(),
            rest.trim_start_matches('^').trim(),
        );
        let rule = rule
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        out.insert(((i + 1 - carets) as u32, rule));
    }
    out
}

fn case_dir(rule: &str, n: usize) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("lints")
        .join(rule)
        .join(format!("case{n}"))
}

#[test]
fn rule_cases_match_their_marks() {
    insta::glob!("../lints", "*.md", |md_path| {
        let rule = md_path.file_stem().unwrap().to_string_lossy().into_owned();
        let md = std::fs::read_to_string(md_path).unwrap();
        let blocks = rust_blocks(&md);
        assert!(!blocks.is_empty(), "{rule}: no rust blocks");
        let mut rendered = String::new();
        for (n, (md_line, code)) in blocks.iter().enumerate() {
            let dir = case_dir(&rule, n);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join("case.rs");
            std::fs::write(&file, code).unwrap();
            let analysis = analyze(std::slice::from_ref(&dir), &Config::default());
            // `unanalysed_file`'s cases are files that fail: their errors are the point.
            assert!(
                analysis.errors.is_empty() || rule == "unanalysed_file",
                "{rule} block at md line {md_line}: {:?}",
                analysis.errors
            );
            let found: BTreeSet<(u32, String)> = analysis
                .findings
                .iter()
                .map(|f| (f.span.line, f.rule.id.to_string()))
                .collect();
            assert_eq!(
                found,
                expected_marks(code),
                "{rule}: block at lints/{rule}.md:{md_line} (left: found, right: marked)"
            );
            let style = human::Style {
                color: false,
                width: 80,
            };
            let prefix = format!("{}/", dir.display());
            rendered.push_str(&format!("── block at lints/{rule}.md:{md_line} ──\n"));
            for f in &analysis.findings {
                rendered.push_str(&human::render_finding(f, code, &style).replace(&prefix, ""));
            }
            let findings: Vec<_> = analysis.findings.iter().collect();
            rendered.push_str(&json::render(&analysis, &findings).replace(&prefix, ""));
        }
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true, snapshot_suffix => "" }, {
            insta::assert_snapshot!(format!("lints__{rule}"), rendered);
        });
    });
}
