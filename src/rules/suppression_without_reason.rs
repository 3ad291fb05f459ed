//! `suppression_without_reason`: a suppression that says why nothing is wrong is a review
//! record; one that does not is ignored and reported (found by `suppress`).

use super::{declare_rule, stable_hash, Finding};
use crate::suppress::{Directive, Form};

declare_rule! {
    pub SUPPRESSION_WITHOUT_REASON,
    id: "suppression_without_reason",
    code: "CS101",
    category: "suppression",
    default: Warning,
    summary: "a suppression gives no reason, so it is ignored",
}

pub fn finding(d: &Directive) -> Finding {
    let names = d.names.as_deref().unwrap_or_default().join(", ");
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
    Finding {
        rule: &SUPPRESSION_WITHOUT_REASON,
        severity: SUPPRESSION_WITHOUT_REASON.default,
        file: d.file.clone(),
        span: d.span,
        function: d.item.clone(),
        message: "this suppression gives no reason, so it suppresses nothing".into(),
        primary_label: label.into(),
        labels: Vec::new(),
        help,
        fingerprint: stable_hash(&[SUPPRESSION_WITHOUT_REASON.id, &d.item, &d.text]),
        reached: None,
    }
}
