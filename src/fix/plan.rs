//! Which fixes `--fix` applies: the machine-applicable ones, each whole or not at all, and
//! none whose edits overlap an edit already chosen (the same edit from two findings, a
//! guard wanted by two sections of one fn, is one edit).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::rules::{Applicability, Edit, Finding};

/// The edits to make, by file, sorted by start; and which findings they fix.
#[derive(Debug, Default)]
pub struct Plan<'a> {
    pub edits: BTreeMap<PathBuf, Vec<&'a Edit>>,
    /// The findings whose whole fix is in `edits`.
    pub fixed: Vec<&'a Finding>,
    /// Machine-applicable fixes left out: an edit overlaps one of another fix.
    pub overlapping: Vec<&'a Finding>,
}

impl<'a> Plan<'a> {
    /// Takes the machine-applicable fixes of `findings` in order.
    pub fn of(findings: &[&'a Finding]) -> Plan<'a> {
        let mut plan = Plan::default();
        for f in findings {
            let Some(fix) = f.fix.as_ref() else { continue };
            if fix.applicability != Applicability::MachineApplicable || fix.edits.is_empty() {
                continue;
            }
            if fix.edits.iter().all(|e| plan.fits(e)) {
                for e in &fix.edits {
                    plan.add(e);
                }
                plan.fixed.push(f);
            } else {
                plan.overlapping.push(f);
            }
        }
        plan
    }

    /// The edit is already planned, or touches no planned edit of its file.
    fn fits(&self, e: &Edit) -> bool {
        let planned = self
            .edits
            .get(&e.file)
            .map(Vec::as_slice)
            .unwrap_or_default();
        planned.iter().all(|p| *p == e || !overlaps(p, e))
    }

    fn add(&mut self, e: &'a Edit) {
        let planned = self.edits.entry(e.file.clone()).or_default();
        if !planned.contains(&e) {
            let at = planned.partition_point(|p| p.span.start_byte <= e.span.start_byte);
            planned.insert(at, e);
        }
    }
}

/// Two byte ranges share a byte, or two insertions are at the same place (their order
/// would be a guess).
fn overlaps(a: &Edit, b: &Edit) -> bool {
    let (a, b) = (&a.span, &b.span);
    a.start_byte < b.end_byte && b.start_byte < a.end_byte || a.start_byte == b.start_byte
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Fix, UNANALYSED_RULE_ID};
    use crate::source::Span;

    fn edit(file: &str, start: u32, end: u32, replacement: &str) -> Edit {
        Edit {
            file: file.into(),
            span: Span {
                start_byte: start,
                end_byte: end,
                ..Span::default()
            },
            original: "x".repeat((end - start) as usize),
            replacement: replacement.into(),
        }
    }

    fn finding(edits: Vec<Edit>, applicability: Applicability) -> Finding {
        let rule = crate::rules::find(UNANALYSED_RULE_ID).expect("a rule");
        let mut f = Finding::build(rule, "a.rs".into(), Span::default(), String::new())
            .file_fingerprint(&[]);
        f.fix = Some(Fix {
            message: "m".into(),
            applicability,
            edits,
        });
        f
    }

    #[test]
    fn only_machine_applicable_fixes_are_planned() {
        let sure = finding(
            vec![edit("a.rs", 0, 2, "y")],
            Applicability::MachineApplicable,
        );
        let maybe = finding(vec![edit("a.rs", 5, 6, "y")], Applicability::MaybeIncorrect);
        let placeholder = finding(
            vec![edit("a.rs", 8, 9, "y")],
            Applicability::HasPlaceholders,
        );
        let plan = Plan::of(&[&sure, &maybe, &placeholder]);
        assert_eq!(plan.fixed.len(), 1);
        assert_eq!(plan.edits[&PathBuf::from("a.rs")].len(), 1);
    }

    #[test]
    fn the_same_edit_twice_is_made_once_and_fixes_both() {
        let a = finding(
            vec![edit("a.rs", 0, 2, "y")],
            Applicability::MachineApplicable,
        );
        let b = finding(
            vec![edit("a.rs", 0, 2, "y")],
            Applicability::MachineApplicable,
        );
        let plan = Plan::of(&[&a, &b]);
        assert_eq!(plan.fixed.len(), 2);
        assert_eq!(plan.edits[&PathBuf::from("a.rs")].len(), 1);
    }

    #[test]
    fn a_fix_overlapping_a_planned_one_is_left_out_whole() {
        let first = finding(
            vec![edit("a.rs", 0, 4, "y")],
            Applicability::MachineApplicable,
        );
        let clash = finding(
            vec![edit("b.rs", 0, 1, "z"), edit("a.rs", 3, 6, "z")],
            Applicability::MachineApplicable,
        );
        let same_place = finding(
            vec![edit("a.rs", 0, 0, "w")],
            Applicability::MachineApplicable,
        );
        let later = finding(
            vec![edit("a.rs", 4, 5, "v")],
            Applicability::MachineApplicable,
        );
        let plan = Plan::of(&[&first, &clash, &same_place, &later]);
        assert_eq!(plan.fixed.len(), 2, "the first and the adjacent one");
        assert_eq!(plan.overlapping.len(), 2);
        assert!(
            !plan.edits.contains_key(&PathBuf::from("b.rs")),
            "no part of a clashing fix"
        );
        let starts: Vec<u32> = plan.edits[&PathBuf::from("a.rs")]
            .iter()
            .map(|e| e.span.start_byte)
            .collect();
        assert_eq!(starts, [0, 4]);
    }
}
