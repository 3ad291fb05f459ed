//! The README cut into its checkable parts, and `tests/readme-claims.md`, the table that
//! names the test running each claim (or, for a measured figure, the command that measured
//! it).

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One part of the README a user could check: a paragraph, a list item, a table row, a
/// line of a `sh` or `toml` block (each line there is its own claim), or another fenced
/// block whole. `section` is the `##`/`###` heading it is under.
pub struct Part {
    pub section: String,
    pub text: String,
}

/// Whitespace runs become one space, so a quote may cross the README's line breaks.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_table_separator(line: &str) -> bool {
    line.starts_with('|') && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

pub fn parts(readme: &str) -> Vec<Part> {
    let lines: Vec<&str> = readme.lines().map(str::trim).collect();
    let mut parts = Vec::new();
    let mut section = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut fence: Option<(&str, Vec<&str>)> = None;
    let mut push = |section: &str, text: String| {
        parts.push(Part {
            section: section.to_string(),
            text: normalise(&text),
        })
    };
    for (at, line) in lines.iter().enumerate() {
        if let Some((info, body)) = fence.as_mut() {
            if line.starts_with("```") {
                if !matches!(*info, "sh" | "toml") {
                    push(&section, body.join("\n"));
                }
                fence = None;
            } else if matches!(*info, "sh" | "toml") {
                if !line.is_empty() {
                    push(&section, line.to_string());
                }
            } else {
                body.push(line);
            }
            continue;
        }
        let ends_paragraph = line.is_empty()
            || line.starts_with('#')
            || line.starts_with("```")
            || line.starts_with('|')
            || line.starts_with("- ");
        if ends_paragraph && !paragraph.is_empty() {
            push(&section, paragraph.join(" "));
            paragraph.clear();
        }
        if let Some(info) = line.strip_prefix("```") {
            fence = Some((info.trim(), Vec::new()));
        } else if line.starts_with('#') {
            section = line.trim_start_matches('#').trim().to_string();
        } else if line.starts_with('|') {
            let header = lines
                .get(at + 1)
                .is_some_and(|next| is_table_separator(next));
            if !header && !is_table_separator(line) {
                push(&section, line.to_string());
            }
        } else if !line.is_empty() {
            paragraph.push(line);
        }
    }
    if !paragraph.is_empty() {
        push(&section, paragraph.join(" "));
    }
    parts
}

/// A row of `tests/readme-claims.md`: what the README says, and what runs it.
pub struct Claim {
    pub quote: String,
    pub runs: Vec<Run>,
}

pub enum Run {
    /// `path::name`: a test fn in that file.
    Test { file: String, name: String },
    /// `path`: a case file a test runs (a trybuild case, a fixture).
    Case(String),
    /// `measured: COMMAND`: a figure one run of COMMAND printed, not a promise.
    Measured(String),
}

pub const CLAIMS_FILE: &str = "tests/readme-claims.md";

pub fn claims() -> Vec<Claim> {
    let text = std::fs::read_to_string(root().join(CLAIMS_FILE)).expect(CLAIMS_FILE);
    text.lines()
        .filter(|l| l.starts_with("| ") && !is_table_separator(l))
        .skip(1) // the header
        .map(|row| {
            // `\|` is a `|` inside a cell.
            let row = row.trim_end().trim_end_matches('|').replace("\\|", "\u{1}");
            let (quote, runs) = row[2..]
                .rsplit_once(" | ")
                .unwrap_or_else(|| panic!("two columns: {row}"));
            Claim {
                quote: normalise(&quote.replace('\u{1}', "|")),
                runs: runs.split(", ").map(|r| parse_run(r.trim())).collect(),
            }
        })
        .collect()
}

fn parse_run(run: &str) -> Run {
    let run = run.trim_matches('`');
    if let Some(command) = run.strip_prefix("measured: ") {
        Run::Measured(command.to_string())
    } else if let Some((file, name)) = run.split_once("::") {
        Run::Test {
            file: file.to_string(),
            name: name.to_string(),
        }
    } else {
        Run::Case(run.to_string())
    }
}

/// Why `run` does not lead to something that runs, if it does not.
pub fn broken(run: &Run) -> Option<String> {
    match run {
        Run::Test { file, name } => {
            let Ok(source) = std::fs::read_to_string(root().join(file)) else {
                return Some(format!("no file {file}"));
            };
            let lines: Vec<&str> = source.lines().collect();
            let head = format!("fn {name}(");
            let annotated = lines.iter().enumerate().any(|(at, line)| {
                let line = line.trim_start();
                let head_here =
                    line.starts_with(&head) || line.starts_with(&format!("async {head}"));
                head_here
                    && lines[at.saturating_sub(4)..at]
                        .iter()
                        .any(|l| l.contains("#[test]") || l.contains("#[tokio::test"))
            });
            (!annotated).then(|| format!("no test fn `{name}` in {file}"))
        }
        Run::Case(file) => (!root().join(file).is_file()).then(|| format!("no file {file}")),
        Run::Measured(command) => command_missing(command),
    }
}

/// Why a measuring command does not exist in this checkout, if it does not.
fn command_missing(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    match words.as_slice() {
        ["cargo", "bench", "--bench", name, ..] => {
            let manifest: toml::Table = std::fs::read_to_string(root().join("Cargo.toml"))
                .expect("manifest")
                .parse()
                .expect("TOML");
            let declared = manifest
                .get("bench")
                .and_then(|b| b.as_array())
                .is_some_and(|benches| {
                    benches
                        .iter()
                        .any(|b| b.get("name").and_then(|n| n.as_str()) == Some(*name))
                });
            let source = root().join("benches").join(format!("{name}.rs"));
            (!(declared && source.is_file())).then(|| format!("no bench target `{name}`"))
        }
        ["cargo", "install", "--locked", "--path", "."] => {
            (!root().join("Cargo.lock").is_file()).then(|| "no Cargo.lock for --locked".to_string())
        }
        [program, ..] => executable(&root().join(program))
            .err()
            .map(|why| format!("`{program}`: {why}")),
        [] => Some("an empty command".to_string()),
    }
}

fn executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
        Ok(())
    } else {
        Err("not an executable file".to_string())
    }
}

/// A date written `YYYY-MM-DD`.
pub fn has_date(text: &str) -> bool {
    text.as_bytes().windows(10).any(|w| {
        w.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
    })
}
