//! `cargo cancelsafe`: the command line. Arguments, reporters and the exit code; the
//! analysis itself is `cancelsafe_engine::analyze`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cancelsafe_engine::report::{human, json};
use cancelsafe_engine::{analyze, rules, Analysis, Config, Finding, Severity};
use clap::{Parser, Subcommand, ValueEnum};

/// No finding at a failing level.
const EXIT_CLEAN: u8 = 0;
/// Findings at a failing level.
const EXIT_FINDINGS: u8 = 1;
/// Could not run: bad arguments, or nothing readable.
const EXIT_FAILURE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "cargo-cancelsafe",
    bin_name = "cargo cancelsafe",
    version,
    about = "Finds cancellation-unsafe await points in async Rust",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Files or folders to scan (default: the cargo workspace around the current folder).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Cargo.toml of the workspace to scan when no PATH is given.
    #[arg(long)]
    manifest_path: Option<PathBuf>,
    /// Skip paths containing this fragment (repeatable).
    #[arg(long)]
    exclude: Vec<String>,
    /// Print the summaries of functions whose name contains this text (debugging).
    #[arg(long, hide = true)]
    debug_effects: Option<String>,
    /// Cache per-file summaries here (default: `target/cancelsafe-cache` of the cargo
    /// workspace when no PATH is given; no cache otherwise).
    #[arg(long, conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Summarise every file afresh and write no cache.
    #[arg(long)]
    no_cache: bool,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the rules.
    Rules,
    /// Print a rule's documentation.
    Explain { rule: String },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
enum Format {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Drops the `cancelsafe` that cargo inserts when run as `cargo cancelsafe`.
fn args() -> Vec<String> {
    let mut args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "cancelsafe") {
        args.remove(1);
    }
    args
}

fn run() -> miette::Result<u8> {
    let cli = match Cli::try_parse_from(args()) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_CLEAN
            };
            let _ = e.print();
            return Ok(code);
        }
    };
    match &cli.command {
        Some(Command::Rules) => return Ok(list_rules()),
        Some(Command::Explain { rule }) => return explain(rule),
        None => {}
    }
    let (paths, workspace_cache) = if cli.paths.is_empty() {
        let ws = workspace(cli.manifest_path.as_deref())?;
        (vec![ws.root], Some(ws.target_dir.join("cancelsafe-cache")))
    } else {
        (cli.paths.clone(), None)
    };
    let config = Config {
        excludes: cli.exclude.clone(),
        cache_dir: if cli.no_cache {
            None
        } else {
            cli.cache_dir.clone().or(workspace_cache)
        },
        ..Config::default()
    };
    if let Some(filter) = &cli.debug_effects {
        print!(
            "{}",
            cancelsafe_engine::debug_effects(&paths, &config, filter)
        );
        return Ok(EXIT_CLEAN);
    }
    let analysis = analyze(&paths, &config);
    let findings: Vec<&Finding> = analysis.findings.iter().collect();
    let out = match cli.format {
        Format::Json => json::render(&analysis, &findings),
        Format::Human => render_human(&analysis, &findings, use_color(cli.color)),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    Ok(exit_code(&analysis, &findings))
}

fn exit_code(analysis: &Analysis, findings: &[&Finding]) -> u8 {
    let failed = analysis
        .errors
        .iter()
        .filter(|e| e.is_file_failure())
        .count();
    let missing_path = analysis.errors.iter().any(|e| e.kind() == "not_found");
    if missing_path || analysis.files_scanned == 0 || failed >= analysis.files_scanned {
        EXIT_FAILURE
    } else if findings.iter().any(|f| f.severity == Severity::Error) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            let env_off = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let cargo = std::env::var("CARGO_TERM_COLOR").unwrap_or_default();
            match cargo.as_str() {
                "always" => true,
                "never" => false,
                _ => !env_off && std::io::stdout().is_terminal(),
            }
        }
    }
}

fn render_human(analysis: &Analysis, findings: &[&Finding], color: bool) -> String {
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    let style = human::Style { color, width };
    let mut out = String::new();
    for f in findings {
        let text = std::fs::read_to_string(&f.file).unwrap_or_default();
        out.push_str(&human::render_finding(f, &text, &style));
        out.push('\n');
    }
    for e in &analysis.errors {
        let text = std::fs::read_to_string(e.path()).ok();
        out.push_str(&human::render_error(e, text.as_deref(), &style));
        out.push('\n');
    }
    let n = findings.len();
    out.push_str(&format!(
        "cancelsafe: {} finding{} in {} file{} scanned{}\n",
        n,
        if n == 1 { "" } else { "s" },
        analysis.files_scanned,
        if analysis.files_scanned == 1 { "" } else { "s" },
        match analysis.errors.len() {
            0 => String::new(),
            e => format!(", {e} could not be analysed"),
        }
    ));
    out
}

fn list_rules() -> u8 {
    for r in rules::RULES {
        println!(
            "{:<28} {}  {:<8} {}",
            r.id,
            r.code,
            r.default.as_str(),
            r.summary
        );
    }
    EXIT_CLEAN
}

fn explain(name: &str) -> miette::Result<u8> {
    match rules::find(name) {
        Some(rule) => {
            print!("{}", rule.docs);
            Ok(EXIT_CLEAN)
        }
        None => {
            let known: Vec<&str> = rules::RULES.iter().map(|r| r.id).collect();
            eprintln!(
                "error: unknown rule `{name}`; known rules: {}",
                known.join(", ")
            );
            Ok(EXIT_FAILURE)
        }
    }
}

struct Workspace {
    /// Relative to the current folder when inside it.
    root: PathBuf,
    target_dir: PathBuf,
}

/// The workspace root and target folder from `cargo metadata --no-deps`.
fn workspace(manifest: Option<&Path>) -> miette::Result<Workspace> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.args(["metadata", "--no-deps", "--format-version", "1"]);
    if let Some(m) = manifest {
        cmd.arg("--manifest-path").arg(m);
    }
    let out = cmd
        .output()
        .map_err(|e| miette::miette!("cannot run `cargo metadata`: {e}"))?;
    if !out.status.success() {
        return Err(miette::miette!(
            help = "pass the folder to scan, or run inside a cargo workspace",
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| miette::miette!("bad `cargo metadata` output: {e}"))?;
    let root = meta["workspace_root"]
        .as_str()
        .ok_or_else(|| miette::miette!("`cargo metadata` gave no workspace_root"))?;
    let root = PathBuf::from(root);
    let target_dir = meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let cwd = std::env::current_dir().unwrap_or_default();
    let root = root
        .strip_prefix(&cwd)
        .map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        })
        .unwrap_or(root);
    Ok(Workspace { root, target_dir })
}
