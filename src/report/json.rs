//! `--format json`: the machine contract (version 1). One object, findings sorted by file,
//! line and column, byte-identical across runs.

use serde::Serialize;

use crate::error::ErrorRecord;
use crate::sanitize::{self, display_path};
use crate::{Analysis, Finding, Fix};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    files_scanned: usize,
    findings: Vec<FindingRecord<'a>>,
    errors: Vec<ErrorRecord>,
}

#[derive(Serialize)]
struct FindingRecord<'a> {
    rule: &'a str,
    code: &'a str,
    severity: &'a str,
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    function: &'a str,
    message: &'a str,
    labels: Vec<LabelRecord<'a>>,
    help: &'a str,
    url: String,
    fingerprint: &'a str,
    reached: Option<bool>,
    /// A call the finding rests on was resolved by the method's name alone (its receiver's
    /// type unknown): a guess to check.
    resolved_by_name: bool,
    /// `null` where the rule has no fix.
    fix: Option<FixRecord>,
}

#[derive(Serialize)]
struct FixRecord {
    message: String,
    /// rustc's `Applicability`: only `MachineApplicable` fixes are applied by `--fix`.
    applicability: &'static str,
    edits: Vec<EditRecord>,
}

/// A replacement: lines and character columns as the findings' (end exclusive), plus the
/// byte range, the text found there when the finding was made, and its replacement.
#[derive(Serialize)]
struct EditRecord {
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    byte_start: u32,
    byte_end: u32,
    original: String,
    replacement: String,
}

fn fix_record(fix: &Fix) -> FixRecord {
    FixRecord {
        message: sanitize::line(&fix.message).into_owned(),
        applicability: fix.applicability.as_str(),
        edits: fix
            .edits
            .iter()
            .map(|e| EditRecord {
                file: display_path(&e.file),
                line: e.span.line,
                column: e.span.column,
                end_line: e.span.end_line,
                end_column: e.span.end_column,
                byte_start: e.span.start_byte,
                byte_end: e.span.end_byte,
                original: e.original.clone(),
                replacement: e.replacement.clone(),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct LabelRecord<'a> {
    file: String,
    line: u32,
    column: u32,
    message: &'a str,
}

fn record(f: &Finding) -> FindingRecord<'_> {
    FindingRecord {
        rule: f.rule.id,
        code: f.rule.code,
        severity: f.severity.as_str(),
        file: display_path(&f.file),
        line: f.span.line,
        column: f.span.column,
        end_line: f.span.end_line,
        end_column: f.span.end_column,
        function: &f.function,
        message: &f.message,
        labels: f
            .labels
            .iter()
            .map(|l| LabelRecord {
                file: display_path(&l.file),
                line: l.span.line,
                column: l.span.column,
                message: &l.message,
            })
            .collect(),
        help: &f.help,
        url: f.rule.url(),
        fingerprint: &f.fingerprint,
        reached: f.reached,
        resolved_by_name: f.resolved_by_name,
        fix: f.fix.as_ref().map(fix_record),
    }
}

/// Renders the whole analysis as one JSON object. Paths are the files' real names; text
/// goes through [`sanitize`].
pub fn render(a: &Analysis, findings: &[&Finding]) -> String {
    let safe: Vec<Finding> = findings.iter().map(|f| super::sanitized(f)).collect();
    let report = Report {
        version: 1,
        files_scanned: a.files_scanned,
        findings: safe.iter().map(record).collect(),
        errors: a.errors.iter().map(error_record).collect(),
    };
    sanitize::json(serde_json::to_string_pretty(&report).expect("findings serialise")) + "\n"
}

fn error_record(e: &crate::Error) -> ErrorRecord {
    let mut record = e.record();
    record.message = sanitize::line(&record.message).into_owned();
    record
}
