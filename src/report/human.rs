//! `--format human`: miette diagnostics with the write and every read labelled.

use std::fmt;
use std::path::Path;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource,
    SourceSpan,
};

use crate::sanitize;
use crate::{Applicability, Error, Finding, Severity};

/// How to draw: colours and width.
pub struct Style {
    pub color: bool,
    pub width: usize,
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: NamedSource<String>,
}

/// A label in another file than the finding's (a callee in a dependency, the cancellation
/// site), rendered after it as a note with its own source.
struct Elsewhere {
    message: String,
    source: Option<NamedSource<String>>,
    span: SourceSpan,
}

impl fmt::Debug for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Elsewhere {}

impl Diagnostic for Elsewhere {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some("here".into()), self.span),
        )))
    }
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

fn span(s: &crate::Span) -> SourceSpan {
    SourceSpan::new((s.start_byte as usize).into(), s.byte_len())
}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("cancelsafe::{}", self.finding.rule.id)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let f = self.finding;
        match &f.fix {
            // Only a fix `--fix` makes is named here; the others are in the help already
            // and, as edits, in the machine formats.
            Some(fix) if fix.applicability == Applicability::MachineApplicable => {
                Some(Box::new(format!(
                    "{}\nfix: {} (`cargo cancelsafe --fix` makes it)",
                    f.help,
                    sanitize::line(&fix.message)
                )))
            }
            _ => Some(Box::new(&f.help)),
        }
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.finding.rule.url()))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let f = self.finding;
        let primary =
            LabeledSpan::new_primary_with_span(Some(f.primary_label.clone()), span(&f.span));
        let rest = f
            .labels
            .iter()
            .filter(|l| l.file == f.file)
            .map(|l| LabeledSpan::new_with_span(Some(l.message.clone()), span(&l.span)));
        Some(Box::new(std::iter::once(primary).chain(rest)))
    }
}

fn handler(style: &Style) -> GraphicalReportHandler {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(style.width)
}

/// Renders one finding; `text` is the file's source. Labels in other files are named by
/// path and line.
pub fn render_finding(f: &Finding, text: &str, style: &Style) -> String {
    render_finding_with(f, text, style, |_| None)
}

/// Renders one finding, with the source of other files its labels point into from `read`.
/// Every text from the scanned tree (names, messages, code) goes through [`sanitize`].
pub fn render_finding_with(
    f: &Finding,
    text: &str,
    style: &Style,
    read: impl Fn(&Path) -> Option<String>,
) -> String {
    let f = &super::sanitized(f);
    let elsewhere: Vec<Elsewhere> = f
        .labels
        .iter()
        .filter(|l| l.file != f.file)
        .map(|l| {
            let source = read(&l.file).map(|t| named_source(&l.file, &t));
            let message = match source {
                Some(_) => l.message.clone(),
                None => format!(
                    "{} ({}:{}:{})",
                    l.message,
                    sanitize::path(&l.file),
                    l.span.line,
                    l.span.column
                ),
            };
            Elsewhere {
                message,
                source,
                span: span(&l.span),
            }
        })
        .collect();
    let diag = FindingDiagnostic {
        finding: f,
        source: named_source(&f.file, text),
    };
    let handler = handler(style);
    let mut out = String::new();
    handler
        .render_report(&mut out, &diag)
        .expect("render to string");
    // Each label in another file follows as a note with its own code (miette's related
    // diagnostics would each open with an empty `Advice:` header).
    for note in elsewhere {
        handler
            .render_report(&mut out, &note)
            .expect("render to string");
    }
    out
}

/// A file's text as miette shows it, both made safe (offsets kept).
fn named_source(file: &Path, text: &str) -> NamedSource<String> {
    NamedSource::new(sanitize::path(file), sanitize::source(text).into_owned())
}

/// Renders a failure to read or parse a file; `text`, the file's, shows where.
pub fn render_error(e: &Error, text: Option<&str>, style: &Style) -> String {
    let mut diag = MietteDiagnostic::new(sanitize::line(&e.to_string()));
    if let Some(code) = e.code() {
        diag = diag.with_code(code.to_string());
    }
    let mut out = String::new();
    let rendered = match (e.span(), text) {
        (Some(s), Some(text)) => {
            let here = LabeledSpan::new_primary_with_span(Some("here".into()), span(&s));
            let report = miette::Report::new(diag.with_label(here))
                .with_source_code(named_source(e.path(), text));
            handler(style).render_report(&mut out, report.as_ref())
        }
        _ => handler(style).render_report(&mut out, &diag),
    };
    rendered.expect("render to string");
    out
}
