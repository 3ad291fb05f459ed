//! `unused_suppression`: a suppression that suppresses nothing (found by `suppress`, after
//! the other rules ran).

use super::finding::Builder;
use super::{Applicability, Check, Directive, Finding, Fix, Form};

declare_rule! {
    pub UNUSED_SUPPRESSION: UnusedSuppression,
    id: "unused_suppression",
    code: "CS100",
    category: "suppression",
    default: Warning,
    summary: "a suppression that matches no finding, names no rule, or cannot be read",
}

impl Check for UnusedSuppression {
    /// A directive that cannot be read, and each rule name in one with a reason that matched
    /// no finding (one without a reason is `suppression_without_reason`'s).
    fn directive(&self, d: &Directive, used: &[bool], out: &mut Vec<Finding>) {
        match &d.names {
            None => out.push(unreadable(d)),
            Some(_) if d.reason.is_none() => {}
            Some(names) => {
                // Deleting it is the fix only when none of its names is needed; a guess
                // still: findings depend on what was analysed (features, dependencies).
                let useless = !used.contains(&true) && names.iter().all(|n| super::find(n).is_some());
                let fix = useless.then(|| Fix {
                    message: "remove this suppression".into(),
                    applicability: Applicability::MaybeIncorrect,
                    edits: vec![d.removal.clone()],
                });
                out.extend(
                    names
                        .iter()
                        .zip(used)
                        .filter(|(_, used)| !**used)
                        .map(|(name, _)| unused(d, name, fix.clone())),
                )
            }
        }
    }
}

/// A rule name in `d` that matched no finding on the lines it covers; `fix` deletes `d`.
fn unused(d: &Directive, name: &str, fix: Option<Fix>) -> Finding {
    match super::find(name) {
        Some(rule) => build(
            d,
            format!("this suppression of `{}` matches no finding", rule.id),
            format!("covers {}", covered(d)),
            "remove it, or move it to the line the finding is reported on, the line above \
             that, or above the enclosing fn"
                .into(),
        )
        .fix(fix)
        .fingerprint(&[&d.text, name]),
        None => {
            let known: Vec<&str> = super::RULES.iter().map(|r| r.id).collect();
            build(
                d,
                format!("`{name}` in this suppression is not a rule"),
                "unknown rule".into(),
                format!("rules are named by id or code: {}", known.join(", ")),
            )
            .fingerprint(&[&d.text, name])
        }
    }
}

/// A directive whose rule list cannot be read.
fn unreadable(d: &Directive) -> Finding {
    let syntax = match d.form {
        Form::Comment => "`// cancelsafe: allow(RULE, ..) -- reason`",
        Form::Attribute => "`#[cfg_attr(any(), cancelsafe::allow(RULE, .., reason = \"...\"))]`",
    };
    build(
        d,
        "this suppression cannot be read, so it suppresses nothing".into(),
        "expected a list of rule names".into(),
        format!("write it as {syntax}"),
    )
    .fingerprint(&[&d.text, ""])
}

/// A finding on `d`, to be finished with its fingerprint.
fn build(d: &Directive, message: String, label: String, help: String) -> Builder {
    Finding::build(&UNUSED_SUPPRESSION, d.file.clone(), d.span, d.item.clone())
        .message(message)
        .primary_label(label)
        .help(help)
}

/// `line 9` or `` `Conn::get` (lines 8-12) ``.
fn covered(d: &Directive) -> String {
    let (first, last) = d.lines;
    match (first == last, d.item.is_empty()) {
        (true, _) => format!("line {first}"),
        (false, true) => format!("lines {first}-{last}"),
        (false, false) => format!("`{}` (lines {first}-{last})", d.item),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::rules::Edit;
    use crate::source::Span;

    fn directive(names: &[&str]) -> Directive {
        let removal = Edit {
            file: PathBuf::from("a.rs"),
            span: Span::default(),
            original: "// cancelsafe: allow(..) -- r\n".into(),
            replacement: String::new(),
        };
        Directive {
            file: "a.rs".into(),
            span: Span::default(),
            form: Form::Comment,
            names: Some(names.iter().map(|n| n.to_string()).collect()),
            reason: Some("r".into()),
            lines: (1, 1),
            item: String::new(),
            text: String::new(),
            raw: String::new(),
            removal,
        }
    }

    fn fixes(names: &[&str], used: &[bool]) -> Vec<Option<Applicability>> {
        let mut out = Vec::new();
        UnusedSuppression.directive(&directive(names), used, &mut out);
        out.iter()
            .map(|f| f.fix.as_ref().map(|x| x.applicability))
            .collect()
    }

    #[test]
    fn a_suppression_that_suppresses_nothing_can_be_removed() {
        let maybe = Some(Applicability::MaybeIncorrect);
        assert_eq!(fixes(&["CS001", "CS002"], &[false, false]), [maybe, maybe]);
    }

    #[test]
    fn no_removal_while_a_name_is_used_or_is_no_rule() {
        assert_eq!(fixes(&["CS001", "CS002"], &[true, false]), [None]);
        assert_eq!(fixes(&["CS001", "nonsense"], &[false, false]), [None, None]);
    }
}
