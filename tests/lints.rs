//! Rule cases from `lints/<id>.md`: every ```rust block is analysed on its own and its
//! findings must match its `//~` marks exactly (`tests/common/marks.rs` has the syntax:
//! `//~ id`, `//~^ id` for the line above, `//~ gap(id): why` for a finding the engine
//! misses, `//~ false(id): why` for one it makes wrongly). That check is an assertion; what
//! the user sees (human and JSON output) is also snapshotted to
//! `tests/snapshots/lints__<id>.snap`, but blessing a snapshot cannot pass a case whose
//! findings moved.

#[path = "common/marks.rs"]
mod marks;

use std::path::{Path, PathBuf};

use cancelsafe_engine::report::{human, json};
use cancelsafe_engine::{analyze, Config};

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
        let md_file = marks::relative(md_path);
        let md = std::fs::read_to_string(md_path).unwrap();
        let blocks = marks::rust_blocks(&md);
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
            // Findings are placed at their line in the md file, as the marks are.
            let found: Vec<marks::Found> = analysis
                .findings
                .iter()
                .map(|f| marks::Found {
                    place: marks::Place {
                        file: md_file.clone(),
                        line: md_line + f.span.line as usize - 1,
                        rule: f.rule.id.to_string(),
                    },
                    reached: f.reached,
                })
                .collect();
            marks::assert_agree(
                &format!("{md_file}:{md_line} (block)"),
                &marks::parse(&md_file, code, *md_line),
                &found,
            );
            let style = human::Style {
                color: false,
                width: 80,
            };
            let prefix = format!("{}/", dir.display());
            rendered.push_str(&format!("── block at lints/{rule}.md:{md_line} ──\n"));
            for f in &analysis.findings {
                // Relative before rendering: wrapping must not depend on the checkout's path.
                let mut f = f.clone();
                f.file = f.file.strip_prefix(&dir).unwrap_or(&f.file).to_path_buf();
                f.message = f.message.replace(&prefix, "");
                for label in &mut f.labels {
                    label.file = label
                        .file
                        .strip_prefix(&dir)
                        .unwrap_or(&label.file)
                        .to_path_buf();
                    label.message = label.message.replace(&prefix, "");
                }
                rendered.push_str(&human::render_finding(&f, code, &style));
            }
            let findings: Vec<_> = analysis.findings.iter().collect();
            rendered.push_str(&json::render(&analysis, &findings).replace(&prefix, ""));
        }
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true, snapshot_suffix => "" }, {
            insta::assert_snapshot!(format!("lints__{rule}"), rendered);
        });
    });
}
