//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub `upload-sarif`, IDE viewers).
//!
//! One run: every rule with its docs as help, one result per finding (the write as the
//! location, the awaited reads and calls as related locations and as one code flow), and
//! files that could not be analysed as tool execution notifications. Relative paths are
//! relative to `%SRCROOT%`, the folder the tool ran in.

use std::path::Path;

use serde_json::{json, Value};

use crate::sanitize::{self, display_path};
use crate::{Analysis, Error, Finding, Fix, Span, RULES};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// Key of the finding fingerprint in `partialFingerprints`; bump the version if the
/// fingerprint's recipe changes.
const FINGERPRINT_KEY: &str = "cancelsafe/v1";

/// Renders the whole analysis as one SARIF log.
pub fn render(a: &Analysis, findings: &[&Finding]) -> String {
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver() },
            "invocations": [invocation(&a.errors)],
            // Our columns count characters, not UTF-16 code units (SARIF's default).
            "columnKind": "unicodeCodePoints",
            "results": findings.iter().map(|f| result(&super::sanitized(f))).collect::<Vec<_>>(),
        }],
    });
    sanitize::json(serde_json::to_string_pretty(&log).expect("SARIF serialises")) + "\n"
}

fn driver() -> Value {
    json!({
        "name": "cancelsafe",
        "informationUri": env!("CARGO_PKG_REPOSITORY"),
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": RULES.iter().map(|rule| json!({
            "id": rule.code,
            "name": rule.id,
            "shortDescription": { "text": rule.summary },
            "fullDescription": { "text": rule.section("What it does").unwrap_or(rule.summary) },
            "help": { "text": rule.docs, "markdown": rule.docs },
            "helpUri": rule.url(),
            "defaultConfiguration": { "level": rule.default.as_str() },
            "properties": { "tags": [rule.category] },
        })).collect::<Vec<_>>(),
    })
}

/// The run itself: successful unless a file could not be analysed.
fn invocation(errors: &[Error]) -> Value {
    json!({
        "executionSuccessful": errors.is_empty(),
        "toolExecutionNotifications": errors.iter().map(notification).collect::<Vec<_>>(),
    })
}

fn notification(e: &Error) -> Value {
    json!({
        "level": "error",
        "message": { "text": sanitize::line(&e.to_string()) },
        "descriptor": { "id": e.kind() },
        "locations": [location(e.path(), e.span().as_ref(), None)],
    })
}

fn result(f: &Finding) -> Value {
    let rule_index = RULES
        .iter()
        .position(|r| r.id == f.rule.id)
        .expect("a finding's rule is registered");
    let related: Vec<Value> = f
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut loc = location(&l.file, Some(&l.span), Some(&l.message));
            loc["id"] = json!(i + 1);
            loc
        })
        .collect();
    // The chain as a reader follows it: the write, then each call and read it reaches.
    let steps: Vec<Value> =
        std::iter::once(location(&f.file, Some(&f.span), Some(&f.primary_label)))
            .chain(
                f.labels
                    .iter()
                    .map(|l| location(&l.file, Some(&l.span), Some(&l.message))),
            )
            .map(|loc| json!({ "location": loc }))
            .collect();
    let mut primary = location(&f.file, Some(&f.span), None);
    primary["logicalLocations"] = json!([{ "fullyQualifiedName": f.function, "kind": "function" }]);
    let mut result = json!({
        "ruleId": f.rule.code,
        "ruleIndex": rule_index,
        "level": f.severity.as_str(),
        "message": { "text": format!("{}\nhelp: {}", f.message, f.help) },
        "locations": [primary],
        "partialFingerprints": { FINGERPRINT_KEY: f.fingerprint },
        "properties": { "rule": f.rule.id, "function": f.function },
    });
    if let Some(fix) = &f.fix {
        result["fixes"] = json!([sarif_fix(fix)]);
    }
    // A single location is no chain: related locations and the flow only when labelled.
    if !f.labels.is_empty() {
        result["relatedLocations"] = json!(related);
        result["codeFlows"] = json!([{ "threadFlows": [{ "locations": steps }] }]);
    }
    result
}

/// A fix as SARIF's `fix`: one `artifactChange` per file, each edit a `replacement` of
/// its region (empty for an insertion); rustc's applicability goes in `properties`.
fn sarif_fix(fix: &Fix) -> Value {
    let mut changes: Vec<(&Path, Vec<Value>)> = Vec::new();
    for e in &fix.edits {
        let replacement = json!({
            "deletedRegion": {
                "startLine": e.span.line,
                "startColumn": e.span.column,
                "endLine": e.span.end_line,
                "endColumn": e.span.end_column,
            },
            "insertedContent": { "text": e.replacement },
        });
        match changes
            .iter_mut()
            .find(|(file, _)| *file == e.file.as_path())
        {
            Some((_, replacements)) => replacements.push(replacement),
            None => changes.push((&e.file, vec![replacement])),
        }
    }
    json!({
        "description": { "text": sanitize::line(&fix.message) },
        "artifactChanges": changes
            .into_iter()
            .map(|(file, replacements)| json!({
                "artifactLocation": artifact(file),
                "replacements": replacements,
            }))
            .collect::<Vec<_>>(),
        "properties": { "applicability": fix.applicability.as_str() },
    })
}

fn location(file: &Path, span: Option<&Span>, message: Option<&str>) -> Value {
    let mut physical = json!({ "artifactLocation": artifact(file) });
    if let Some(s) = span {
        physical["region"] = json!({
            "startLine": s.line,
            "startColumn": s.column,
            "endLine": s.end_line,
            "endColumn": s.end_column,
        });
    }
    let mut loc = json!({ "physicalLocation": physical });
    if let Some(text) = message {
        loc["message"] = json!({ "text": text });
    }
    loc
}

/// A relative path is a URI reference against `%SRCROOT%`; an absolute one a `file:` URI.
fn artifact(file: &Path) -> Value {
    let path = display_path(file);
    if path.starts_with('/') {
        json!({ "uri": format!("file://{}", encode_uri_path(&path)) })
    } else {
        json!({ "uri": encode_uri_path(&path), "uriBaseId": SRCROOT })
    }
}

/// Percent-encodes everything but unreserved characters and `/` (RFC 3986), so a file
/// name with spaces, `%` or `:` stays a valid URI reference.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_paths_are_percent_encoded() {
        assert_eq!(encode_uri_path("src/a b.rs"), "src/a%20b.rs");
        assert_eq!(encode_uri_path("c:%,é.rs"), "c%3A%25%2C%C3%A9.rs");
    }

    #[test]
    fn absolute_paths_become_file_uris_and_relative_ones_use_srcroot() {
        assert_eq!(
            artifact(Path::new("/tmp/x.rs")),
            json!({ "uri": "file:///tmp/x.rs" })
        );
        assert_eq!(
            artifact(Path::new("./src/x.rs")),
            json!({ "uri": "src/x.rs", "uriBaseId": "%SRCROOT%" })
        );
    }
}
