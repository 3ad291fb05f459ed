//! `unused_suppression`: a suppression that suppresses nothing (found by `suppress`, after
//! the other rules ran).

use super::{Check, Directive, Finding, Form};

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
            Some(names) => out.extend(
                names
                    .iter()
                    .zip(used)
                    .filter(|(_, used)| !**used)
                    .map(|(name, _)| unused(d, name)),
            ),
        }
    }
}

/// A rule name in `d` that matched no finding on the lines it covers.
fn unused(d: &Directive, name: &str) -> Finding {
    match super::find(name) {
        Some(rule) => build(
            d,
            name,
            format!("this suppression of `{}` matches no finding", rule.id),
            format!("covers {}", covered(d)),
            "remove it, or move it to the line the finding is reported on, the line above \
             that, or above the enclosing fn"
                .into(),
        ),
        None => {
            let known: Vec<&str> = super::RULES.iter().map(|r| r.id).collect();
            build(
                d,
                name,
                format!("`{name}` in this suppression is not a rule"),
                "unknown rule".into(),
                format!("rules are named by id or code: {}", known.join(", ")),
            )
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
        "",
        "this suppression cannot be read, so it suppresses nothing".into(),
        "expected a list of rule names".into(),
        format!("write it as {syntax}"),
    )
}

fn build(d: &Directive, name: &str, message: String, label: String, help: String) -> Finding {
    Finding::build(&UNUSED_SUPPRESSION, d.file.clone(), d.span, d.item.clone())
        .message(message)
        .primary_label(label)
        .help(help)
        .fingerprint(&[&d.text, name])
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
