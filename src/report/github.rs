//! `--format github`: GitHub Actions workflow commands, one line per finding or failure, so
//! they show up as annotations on the pull request's changed lines.
//!
//! `::error file=F,line=L,endLine=L,col=C,endColumn=C,title=T::message`; warnings are
//! `::warning`, notes `::notice`. See: https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
//!
//! Properties and data are encoded as the runner decodes them (`escape_property`,
//! `escape_data`), so `file=` names the real file, backslashes, line breaks and all. A file
//! whose name holds a character no log may carry and the encoding cannot (another control
//! or a bidirectional one, see [`sanitize`]) cannot be named safely: its annotation has no
//! `file=` and names it, escaped, in the message.

use std::path::Path;

use super::label_line;
use crate::sanitize::{self, display_path};
use crate::{Analysis, Error, Finding, Severity, Span};

/// Renders every finding, then every failure, as a workflow command line.
pub fn render(a: &Analysis, findings: &[&Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&finding(f));
    }
    for e in &a.errors {
        out.push_str(&error(e));
    }
    out
}

fn finding(f: &Finding) -> String {
    let f = &super::sanitized(f);
    let mut text = format!("{}\nhelp: {}", f.message, f.help);
    for l in &f.labels {
        text.push('\n');
        text.push_str(&label_line(l));
    }
    text.push_str(&format!("\nsee {}", f.rule.url()));
    let title = format!("cancelsafe::{} ({})", f.rule.id, f.rule.code);
    command(
        command_name(f.severity),
        &f.file,
        Some(&f.span),
        &title,
        &text,
    )
}

fn error(e: &Error) -> String {
    let title = format!("cancelsafe::{}", e.kind());
    let message = sanitize::line(&e.to_string()).into_owned();
    command("error", e.path(), e.span().as_ref(), &title, &message)
}

fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// `text` is safe to print already; `\n` in it is encoded with the rest.
fn command(name: &str, file: &Path, span: Option<&Span>, title: &str, text: &str) -> String {
    // CR and LF are encoded; other control characters have no encoding.
    let nameable = file
        .to_str()
        .is_some_and(|name| !sanitize::has_unsafe(&name.replace('\r', "")));
    if !nameable {
        let text = format!("in `{}`: {text}", sanitize::path(file));
        let title = escape_property(title);
        return format!("::{name} title={title}::{}\n", escape_data(&text));
    }
    let mut props = vec![format!("file={}", escape_property(&display_path(file)))];
    if let Some(s) = span {
        props.push(format!("line={}", s.line));
        props.push(format!("endLine={}", s.end_line));
        props.push(format!("col={}", s.column));
        props.push(format!("endColumn={}", s.end_column));
    }
    props.push(format!("title={}", escape_property(title)));
    format!("::{name} {}::{}\n", props.join(","), escape_data(text))
}

/// The message part: `%`, CR and LF are encoded so the command stays on one line.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as data, plus `:` and `,`, which would end the value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks_only() {
        assert_eq!(escape_data("100%\r\na: b, c"), "100%25%0D%0Aa: b, c");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn severities_map_to_command_names() {
        assert_eq!(command_name(Severity::Error), "error");
        assert_eq!(command_name(Severity::Warning), "warning");
        assert_eq!(command_name(Severity::Note), "notice");
    }
}
