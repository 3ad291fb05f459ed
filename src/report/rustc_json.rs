//! `--format rustc-json` (`--message-format=json`): cargo's JSON message stream, one
//! `compiler-message` line per finding or failure, then `build-finished`, so tools that
//! read `cargo check --message-format=json` (rust-analyzer's `check.overrideCommand`,
//! editors, CI problem matchers) show findings like compiler diagnostics.
//!
//! Each message names the cargo package and target whose folder holds the file, from
//! [`Package::from_metadata`]; a file outside every known package gets an empty package id
//! and manifest path (rust-analyzer only uses the id to group diagnostics).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::label_line;
use crate::sanitize::{self, display_path};
use crate::{Analysis, Error, Finding, Fix, Severity, Span};

/// A cargo package as `cargo metadata` describes it, to attribute messages to.
#[derive(Debug, Clone)]
pub struct Package {
    id: String,
    manifest_path: String,
    root: Folder,
    /// Each target's source folder and its metadata object, printed as is.
    targets: Vec<(Folder, Value)>,
}

/// A folder from `cargo metadata` (absolute) and the same folder relative to the current
/// folder, so both kinds of file path the engine reports can be matched.
#[derive(Debug, Clone)]
struct Folder {
    absolute: PathBuf,
    relative: Option<PathBuf>,
}

impl Folder {
    fn new(absolute: &Path, cwd: &Path) -> Folder {
        Folder {
            absolute: absolute.to_path_buf(),
            relative: absolute.strip_prefix(cwd).ok().map(Path::to_path_buf),
        }
    }

    fn holds(&self, file: &Path) -> bool {
        match &self.relative {
            Some(rel) if file.is_relative() => file.starts_with(rel),
            _ => file.starts_with(&self.absolute),
        }
    }

    fn depth(&self) -> usize {
        self.absolute.components().count()
    }
}

impl Package {
    /// The packages in `cargo metadata --format-version 1` output; `cwd` is the folder
    /// relative file paths start from.
    pub fn from_metadata(metadata: &Value, cwd: &Path) -> Vec<Package> {
        let folder_of = |file: &str| Some(Folder::new(Path::new(file).parent()?, cwd));
        let packages = metadata["packages"].as_array().map(Vec::as_slice);
        packages
            .unwrap_or_default()
            .iter()
            .filter_map(|p| {
                let manifest_path = p["manifest_path"].as_str()?;
                let targets = p["targets"].as_array().map(Vec::as_slice);
                Some(Package {
                    id: p["id"].as_str()?.to_string(),
                    manifest_path: manifest_path.to_string(),
                    root: folder_of(manifest_path)?,
                    targets: targets
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|t| Some((folder_of(t["src_path"].as_str()?)?, t.clone())))
                        .collect(),
                })
            })
            .collect()
    }
}

/// The package fields of a message: id, manifest path and target.
struct Origin<'a> {
    package_id: &'a str,
    manifest_path: &'a str,
    target: Value,
}

/// The innermost package holding `file`, and its target with the innermost source folder.
fn origin<'a>(packages: &'a [Package], file: &Path) -> Origin<'a> {
    let normalized = display_path(file);
    let file = Path::new(&normalized);
    let package = packages
        .iter()
        .filter(|p| p.root.holds(file))
        .max_by_key(|p| p.root.depth());
    let Some(package) = package else {
        return Origin {
            package_id: "",
            manifest_path: "",
            target: json!({ "name": "", "kind": [], "crate_types": [], "src_path": normalized }),
        };
    };
    let target = package
        .targets
        .iter()
        .filter(|(dir, _)| dir.holds(file))
        .max_by_key(|(dir, _)| dir.depth())
        .or(package.targets.first())
        .map(|(_, t)| t.clone())
        .unwrap_or(Value::Null);
    Origin {
        package_id: &package.id,
        manifest_path: &package.manifest_path,
        target,
    }
}

/// Renders one JSON line per finding and failure, then the `build-finished` line.
/// `success` is false when any message is at error level.
pub fn render(a: &Analysis, findings: &[&Finding], packages: &[Package]) -> String {
    let mut out = String::new();
    let mut line = |file: &Path, message: Value| {
        let o = origin(packages, file);
        let msg = json!({
            "reason": "compiler-message",
            "package_id": o.package_id,
            "manifest_path": o.manifest_path,
            "target": o.target,
            "message": message,
        });
        out.push_str(&sanitize::json(msg.to_string()));
        out.push('\n');
    };
    // Suggestions quote the lines they edit, as rustc's do (`rustfix` and rust-analyzer's
    // column mapping read them); only files the analysis read are quoted.
    let read = a.source_reader();
    let mut texts: HashMap<PathBuf, Option<String>> = HashMap::new();
    let mut quote = |file: &Path, s: &Span| -> Value {
        let text = texts
            .entry(file.to_path_buf())
            .or_insert_with_key(|f| read(f));
        text.as_deref().map_or(json!([]), |t| span_lines(t, s))
    };
    for f in findings {
        line(&f.file, finding(f, &mut quote));
    }
    for e in &a.errors {
        line(e.path(), error(e));
    }
    let failed = findings.iter().any(|f| f.severity == Severity::Error) || !a.errors.is_empty();
    out.push_str(&json!({ "reason": "build-finished", "success": !failed }).to_string());
    out.push('\n');
    out
}

fn finding(f: &Finding, quote: &mut dyn FnMut(&Path, &Span) -> Value) -> Value {
    // `rendered` is printed as it is by cargo's readers: all its text is made safe.
    let f = &super::sanitized(f);
    let code = format!("cancelsafe::{}", f.rule.id);
    let level = f.severity.as_str();
    let mut spans = vec![span(&f.file, &f.span, true, Some(&f.primary_label))];
    spans.extend(
        f.labels
            .iter()
            .map(|l| span(&l.file, &l.span, false, Some(&l.message))),
    );
    let see = format!("for more information, see {}", f.rule.url());
    let mut rendered = header(level, &code, &f.message, &f.file, Some(&f.span));
    for l in &f.labels {
        rendered.push_str(&format!("   = note: {}\n", label_line(l)));
    }
    rendered.push_str(&format!("   = help: {}\n", f.help));
    let mut children = vec![child("help", &f.help)];
    if let Some(fix) = &f.fix {
        let message = sanitize::line(&fix.message);
        rendered.push_str(&format!(
            "   = help: {message} ({})\n",
            fix.applicability.as_str()
        ));
        children.push(suggestion(&message, fix, quote));
    }
    rendered.push_str(&format!("   = note: {see}\n"));
    children.push(child("note", &see));
    json!({
        "$message_type": "diagnostic",
        "message": f.message,
        "code": { "code": code, "explanation": f.rule.docs },
        "level": level,
        "spans": spans,
        "children": children,
        "rendered": rendered,
    })
}

/// A fix as rustc writes a suggestion: a `help` child whose spans carry the replacement
/// text and the applicability, which rust-analyzer offers as a quick fix and `rustfix`
/// applies.
fn suggestion(message: &str, fix: &Fix, quote: &mut dyn FnMut(&Path, &Span) -> Value) -> Value {
    let spans: Vec<Value> = fix
        .edits
        .iter()
        .map(|e| {
            let mut s = span(&e.file, &e.span, true, None);
            s["text"] = quote(&e.file, &e.span);
            s["suggested_replacement"] = json!(e.replacement);
            s["suggestion_applicability"] = json!(fix.applicability.as_str());
            s
        })
        .collect();
    json!({
        "message": message,
        "code": null,
        "level": "help",
        "spans": spans,
        "children": [],
        "rendered": null,
    })
}

fn error(e: &Error) -> Value {
    let code = format!("cancelsafe::{}", e.kind());
    let message = sanitize::line(&e.to_string()).into_owned();
    // A file that could not be analysed gets a span at its start when the failure has no
    // position, so editors still attach it to the file; a missing path or folder gets none.
    let at = e.span().or_else(|| e.is_file_failure().then(file_start));
    let spans: Vec<Value> = at.iter().map(|s| span(e.path(), s, true, None)).collect();
    json!({
        "$message_type": "diagnostic",
        "message": message,
        "code": { "code": code, "explanation": null },
        "level": "error",
        "spans": spans,
        "children": [],
        "rendered": header("error", &code, &message, e.path(), at.as_ref()),
    })
}

/// rustc's `text` of a span: each line it covers, with the columns it highlights there
/// (1-based characters, end exclusive).
fn span_lines(text: &str, s: &Span) -> Value {
    let first = s.line.max(1) as usize;
    let count = (s.end_line.max(s.line) - s.line) as usize + 1;
    let lines: Vec<Value> = text
        .lines()
        .skip(first - 1)
        .take(count)
        .enumerate()
        .map(|(i, line)| {
            let start = if i == 0 { s.column } else { 1 };
            let end = if i + 1 == count {
                s.end_column
            } else {
                line.chars().count() as u32 + 1
            };
            json!({ "text": line, "highlight_start": start, "highlight_end": end })
        })
        .collect();
    json!(lines)
}

/// An empty range at line 1, column 1.
fn file_start() -> Span {
    Span {
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
        start_byte: 0,
        end_byte: 0,
    }
}

/// rustc's span object: 1-based lines and character columns (end exclusive), byte offsets.
fn span(file: &Path, s: &Span, is_primary: bool, label: Option<&str>) -> Value {
    json!({
        "file_name": display_path(file),
        "byte_start": s.start_byte,
        "byte_end": s.end_byte,
        "line_start": s.line,
        "line_end": s.end_line,
        "column_start": s.column,
        "column_end": s.end_column,
        "is_primary": is_primary,
        "text": [],
        "label": label,
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

fn child(level: &str, message: &str) -> Value {
    json!({
        "message": message,
        "code": null,
        "level": level,
        "spans": [],
        "children": [],
        "rendered": null,
    })
}

/// The first lines of rustc's human form: `level[code]: message` and ` --> file:line:col`.
fn header(level: &str, code: &str, message: &str, file: &Path, at: Option<&Span>) -> String {
    let place = match at {
        Some(s) => format!("{}:{}:{}", sanitize::path(file), s.line, s.column),
        None => sanitize::path(file),
    };
    format!("{level}[{code}]: {message}\n  --> {place}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata() -> Value {
        json!({ "packages": [
            { "id": "path+file:///ws#app@0.1.0", "manifest_path": "/ws/Cargo.toml", "targets": [
                { "name": "app", "kind": ["lib"], "src_path": "/ws/src/lib.rs" },
                { "name": "cli", "kind": ["test"], "src_path": "/ws/tests/cli.rs" },
            ]},
            { "id": "path+file:///ws/sub#sub@0.1.0", "manifest_path": "/ws/sub/Cargo.toml", "targets": [
                { "name": "sub", "kind": ["lib"], "src_path": "/ws/sub/src/lib.rs" },
            ]},
        ]})
    }

    #[test]
    fn files_are_attributed_to_the_innermost_package_and_target() {
        let packages = Package::from_metadata(&metadata(), Path::new("/ws"));
        let o = origin(&packages, Path::new("src/conn/mod.rs"));
        assert_eq!(o.package_id, "path+file:///ws#app@0.1.0");
        assert_eq!(o.manifest_path, "/ws/Cargo.toml");
        assert_eq!(o.target["name"], "app");
        assert_eq!(
            origin(&packages, Path::new("tests/cli.rs")).target["name"],
            "cli"
        );
        let sub = origin(&packages, Path::new("sub/src/lib.rs"));
        assert_eq!(sub.package_id, "path+file:///ws/sub#sub@0.1.0");
        assert_eq!(sub.target["name"], "sub");
        assert_eq!(
            origin(&packages, Path::new("./src/lib.rs")).target["name"],
            "app"
        );
        assert_eq!(
            origin(&packages, Path::new("/ws/sub/src/a.rs")).target["name"],
            "sub"
        );
        assert_eq!(
            origin(&packages, Path::new("/elsewhere/a.rs")).package_id,
            ""
        );
    }
}
