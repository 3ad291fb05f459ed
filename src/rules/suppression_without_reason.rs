//! `suppression_without_reason`: a suppression that says why nothing is wrong is a review
//! record; one that does not is ignored and reported (found by `suppress`).

use super::{Applicability, Check, Directive, Edit, Finding, Fix, Form};

declare_rule! {
    pub SUPPRESSION_WITHOUT_REASON: SuppressionWithoutReason,
    id: "suppression_without_reason",
    code: "CS101",
    category: "suppression",
    default: Warning,
    summary: "a suppression gives no reason, so it is ignored",
}

impl Check for SuppressionWithoutReason {
    /// A readable directive with no reason (one that cannot be read is `unused_suppression`'s).
    fn directive(&self, d: &Directive, _used: &[bool], out: &mut Vec<Finding>) {
        if let (Some(names), None) = (&d.names, &d.reason) {
            out.push(finding(d, names));
        }
    }
}

fn finding(d: &Directive, names: &[String]) -> Finding {
    let names = names.join(", ");
    let (label, help) = match d.form {
        Form::Comment => (
            "add ` -- <why this is fine>` after the rule list",
            format!("for example `// cancelsafe: allow({names}) -- replies are drained before the connection is reused`"),
        ),
        Form::Attribute => (
            "add `reason = \"...\"` to the rule list",
            format!("for example `#[cfg_attr(any(), cancelsafe::allow({names}, reason = \"replies are drained before reuse\"))]`"),
        ),
    };
    Finding::build(&SUPPRESSION_WITHOUT_REASON, d.file.clone(), d.span, d.item.clone())
        .message("this suppression gives no reason, so it suppresses nothing")
        .primary_label(label)
        .help(help)
        .fix(with_reason(d))
        .fingerprint(&[&d.text])
}

/// The directive with a reason to fill in: a placeholder, so never applied by `--fix`.
fn with_reason(d: &Directive) -> Option<Fix> {
    let written = d.raw.trim_end();
    let replacement = match d.form {
        Form::Comment => format!(
            "{} -- <why this is fine>",
            written.trim_end_matches('-').trim_end()
        ),
        // `#[cfg_attr(any(), cancelsafe::allow(names))]`, as it is usually written.
        Form::Attribute => format!(
            "{}, reason = \"<why this is fine>\"))]",
            written.strip_suffix("))]")?
        ),
    };
    Some(Fix {
        message: "give the reason".into(),
        applicability: Applicability::HasPlaceholders,
        edits: vec![Edit {
            file: d.file.clone(),
            span: d.span,
            original: d.raw.clone(),
            replacement,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn directive(form: Form, raw: &str) -> Directive {
        Directive {
            file: "a.rs".into(),
            span: Span::default(),
            form,
            names: Some(vec!["CS001".into()]),
            reason: None,
            lines: (1, 1),
            item: String::new(),
            text: raw.into(),
            raw: raw.into(),
            removal: Edit {
                file: "a.rs".into(),
                span: Span::default(),
                original: raw.into(),
                replacement: String::new(),
            },
        }
    }

    fn replacement(form: Form, raw: &str) -> Option<String> {
        let fix = with_reason(&directive(form, raw))?;
        assert_eq!(fix.applicability, Applicability::HasPlaceholders);
        assert_eq!(fix.edits[0].original, raw);
        Some(fix.edits[0].replacement.clone())
    }

    #[test]
    fn the_fix_adds_a_reason_to_fill_in() {
        assert_eq!(
            replacement(Form::Comment, "// cancelsafe: allow(CS001)").as_deref(),
            Some("// cancelsafe: allow(CS001) -- <why this is fine>")
        );
        assert_eq!(
            replacement(Form::Comment, "// cancelsafe: allow(CS001) --").as_deref(),
            Some("// cancelsafe: allow(CS001) -- <why this is fine>"),
            "an empty reason is filled, not doubled"
        );
        assert_eq!(
            replacement(Form::Attribute, "#[cfg_attr(any(), cancelsafe::allow(CS001))]").as_deref(),
            Some("#[cfg_attr(any(), cancelsafe::allow(CS001, reason = \"<why this is fine>\"))]")
        );
        assert_eq!(
            replacement(Form::Attribute, "#[cfg_attr(any(), cancelsafe::allow(CS001) )]"),
            None,
            "an attribute written otherwise gets no edit"
        );
    }
}
