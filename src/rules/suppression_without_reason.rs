//! `suppression_without_reason`: a suppression that says why nothing is wrong is a review
//! record; one that does not is ignored and reported (found by `suppress`).

use super::{Check, Directive, Finding, Form};

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
        .fingerprint(&[&d.text])
}
