//! `cargo cancelsafe`: the command line. Arguments, reporters and the exit code; the
//! analysis itself is `cancelsafe_engine::analyze`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cancelsafe_engine::baseline::Baseline;
use cancelsafe_engine::cache::Cache;
use cancelsafe_engine::deps::{self, DependencyGraph};
use cancelsafe_engine::diff_base::ChangedLines;
use cancelsafe_engine::levels::{self, Level, Levels};
use cancelsafe_engine::report::{github, human, json, rustc_json, sarif};
use cancelsafe_engine::{analyze, config, rules, Analysis, Config, Finding, Severity, Vocabulary};
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

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
    /// Cargo's spelling: `json` is `--format rustc-json` (for rust-analyzer's
    /// `check.overrideCommand`), `human` is `--format human`.
    #[arg(long, value_enum, conflicts_with = "format")]
    message_format: Option<MessageFormat>,
    /// Cargo.toml of the workspace to scan when no PATH is given.
    #[arg(long)]
    manifest_path: Option<PathBuf>,
    /// Skip paths containing this fragment (repeatable).
    #[arg(long)]
    exclude: Vec<String>,
    /// Print the summaries of functions whose name contains this text (debugging).
    #[arg(long, hide = true)]
    debug_effects: Option<String>,
    /// Do not summarise the workspace's dependencies.
    #[arg(long)]
    no_deps: bool,
    /// Also report findings inside dependencies.
    #[arg(long, conflicts_with = "no_deps")]
    include_deps: bool,
    /// Cache summaries here (default: `target/cancelsafe-cache` of the cargo workspace when
    /// scanning one, with no PATH or with --manifest-path; no cache otherwise).
    #[arg(long, conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Summarise every file afresh and write no cache.
    #[arg(long)]
    no_cache: bool,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Settings file (default: `cancelsafe.toml` or `Cargo.toml` metadata, looked up from
    /// the scanned folder upward).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Drop the findings of RULE (id or code; `warnings`: every warning). Repeatable; a
    /// later -A/-W/-D wins.
    #[arg(short = 'A', long = "allow", value_name = "RULE")]
    allow: Vec<String>,
    /// Report RULE as a warning, which does not fail the run (`warnings`: no-op).
    #[arg(short = 'W', long = "warn", value_name = "RULE")]
    warn: Vec<String>,
    /// Report RULE as an error, which fails the run (`-D warnings`: every warning).
    #[arg(short = 'D', long = "deny", value_name = "RULE")]
    deny: Vec<String>,
    /// Record today's findings in FILE (JSON) and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Report, and fail on, only findings not recorded in FILE.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// With --baseline: rewrite FILE without the entries no finding matches any more.
    #[arg(long, requires = "baseline")]
    prune_baseline: bool,
    /// Report only findings on lines changed since git revision REV, or in untracked files.
    #[arg(long, value_name = "REV")]
    diff_base: Option<String>,
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
    /// Diagnostics for people (miette).
    Human,
    /// cancelsafe's own JSON report (versioned contract).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// cargo's JSON compiler messages, one per line.
    RustcJson,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
enum MessageFormat {
    Human,
    Json,
}

impl MessageFormat {
    fn format(self) -> Format {
        match self {
            MessageFormat::Human => Format::Human,
            MessageFormat::Json => Format::RustcJson,
        }
    }
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
    let parsed = Cli::command()
        .try_get_matches_from(args())
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
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
    let format = cli.message_format.map_or(cli.format, MessageFormat::format);
    let manifest = cli.manifest_path.as_deref();
    // Dependencies are summarised when scanning a cargo workspace (no PATH, or
    // --manifest-path): that is where `cargo metadata` knows them.
    let in_workspace = cli.paths.is_empty() || manifest.is_some();
    // The workspace's own metadata finds it, and names each file's package for rustc-json.
    // The last run's dependencies are decoded while `cargo metadata` runs.
    let prefetch = (in_workspace && !cli.no_deps && !cli.no_cache && !cli.include_deps)
        .then(|| guess_cache_dir(cli.cache_dir.as_deref(), manifest))
        .flatten()
        .map(deps::Prefetch::start);
    let t = cancelsafe_engine::timings::phase("cargo metadata --no-deps");
    let metadata = if in_workspace {
        Some(cargo_metadata(manifest, false)?)
    } else if format == Format::RustcJson {
        cargo_metadata(manifest, false).ok()
    } else {
        None
    };
    drop(t);
    let scanned_workspace = match &metadata {
        Some(meta) if in_workspace => Some(workspace(meta)?),
        _ => None,
    };
    let paths = match &scanned_workspace {
        Some(ws) if cli.paths.is_empty() => vec![ws.root.clone()],
        _ => cli.paths.clone(),
    };
    let workspace_cache = scanned_workspace.map(|ws| ws.target_dir.join("cancelsafe-cache"));
    let cache_dir = if cli.no_cache {
        None
    } else {
        cli.cache_dir.clone().or(workspace_cache)
    };
    // Dependencies are summarised when scanning a cargo workspace: that is where
    // `cargo metadata` knows them.
    let t = cancelsafe_engine::timings::phase("dependency graph");
    let dependencies = match &metadata {
        Some(meta) if in_workspace && !cli.no_deps => {
            dependency_graph(manifest, meta, cache_dir.as_deref())
        }
        _ => None,
    };
    drop(t);
    let config_cache_dir = cache_dir.clone();
    let settings = match &cli.config {
        Some(file) => config::load(file),
        None => config::find(&scan_folder(&paths[0])),
    }
    .map_err(|e| miette::Report::new(*e))?;
    let mut levels = settings.levels.clone();
    apply_level_flags(&mut levels, &matches)?;
    let mut vocab = Vocabulary::default();
    vocab.extend(&settings.vocabulary);
    let config = Config {
        vocab,
        excludes: [settings.exclude.as_slice(), cli.exclude.as_slice()].concat(),
        cache_dir,
        dependencies,
        include_deps: cli.include_deps,
        prefetched: {
            let _t = cancelsafe_engine::timings::phase("wait for the dependency set");
            prefetch
                .map(|p| p.finish(config_cache_dir.as_deref()))
                .unwrap_or_default()
        },
    };
    if let Some(filter) = &cli.debug_effects {
        print!(
            "{}",
            cancelsafe_engine::debug_effects(&paths, &config, filter)
        );
        return Ok(EXIT_CLEAN);
    }
    let mut analysis = analyze(&paths, &config);
    analysis.findings = gate(
        &cli,
        &paths,
        levels::apply(std::mem::take(&mut analysis.findings), &levels),
    )?;
    let findings: Vec<&Finding> = analysis.findings.iter().collect();
    let out = match format {
        Format::Json => json::render(&analysis, &findings),
        Format::Human => render_human(&analysis, &findings, use_color(cli.color)),
        Format::Sarif => sarif::render(&analysis, &findings),
        Format::Github => github::render(&analysis, &findings),
        Format::RustcJson => {
            let cwd = std::env::current_dir().unwrap_or_default();
            let packages = metadata
                .map(|m| rustc_json::Package::from_metadata(&m, &cwd))
                .unwrap_or_default();
            rustc_json::render(&analysis, &findings, &packages)
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    let recording = cli.write_baseline.is_some();
    Ok(exit_code(&analysis, &findings, !recording))
}

/// `-A/-W/-D` in command-line order, so a later flag overrides an earlier one (as clippy
/// does), on top of the config file's levels.
fn apply_level_flags(levels: &mut Levels, matches: &ArgMatches) -> miette::Result<()> {
    let mut flags = Vec::new();
    for (id, level) in [
        ("allow", Level::Allow),
        ("warn", Level::Warn),
        ("deny", Level::Deny),
    ] {
        if let (Some(at), Some(names)) = (matches.indices_of(id), matches.get_many::<String>(id)) {
            flags.extend(at.zip(names).map(|(i, name)| (i, level, id, name)));
        }
    }
    flags.sort_by_key(|f| f.0);
    for (_, level, flag, name) in flags {
        if name == "warnings" {
            levels.set_warnings(level);
            continue;
        }
        let Some(rule) = rules::find(name) else {
            let known: Vec<&str> = rules::RULES.iter().map(|r| r.id).collect();
            return Err(miette::miette!(
                help = format!(
                    "rules are named by id or code: {}, or `warnings`",
                    known.join(", ")
                ),
                "unknown rule `{name}` in `--{flag}`"
            ));
        };
        levels.set_rule(rule, level);
    }
    Ok(())
}

/// The optional gates after the levels: record or apply a baseline, keep changed lines.
/// Their notes go to stderr, so every `--format` on stdout stays as it is.
fn gate(cli: &Cli, paths: &[PathBuf], mut findings: Vec<Finding>) -> miette::Result<Vec<Finding>> {
    if let Some(file) = &cli.write_baseline {
        Baseline::of(&findings, file).write(file)?;
        eprintln!(
            "cancelsafe: wrote {} to baseline `{}`",
            plural(findings.len(), "finding"),
            file.display()
        );
    }
    if let Some(file) = &cli.baseline {
        let comparison = Baseline::read(file)?.compare(findings, file);
        findings = comparison.new;
        let fixed = comparison.fixed.len();
        let mut note = format!(
            "cancelsafe: baseline `{}` hides {}",
            file.display(),
            plural(comparison.known, "known finding")
        );
        if cli.prune_baseline {
            comparison.pruned.write(file)?;
            note.push_str(&format!("; pruned {}", plural(fixed, "fixed entry")));
        } else if fixed > 0 {
            note.push_str(&format!(
                "; {fixed} fixed, run with --prune-baseline to drop them"
            ));
        }
        eprintln!("{note}");
    }
    if let Some(rev) = &cli.diff_base {
        let before = findings.len();
        findings = ChangedLines::since(rev, &scan_folder(&paths[0]))?.filter(findings);
        eprintln!(
            "cancelsafe: --diff-base {rev} hides {} outside changed lines",
            plural(before - findings.len(), "finding")
        );
    }
    Ok(findings)
}

/// The folder settings and the git repository are looked up from: the first scanned path,
/// or its folder when it is a file.
fn scan_folder(first: &Path) -> PathBuf {
    match first.parent() {
        Some(parent) if first.is_file() && !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ if first.is_file() => PathBuf::from("."),
        _ => first.to_path_buf(),
    }
}

/// `1 finding`, `2 findings`; `entry` becomes `entries`.
fn plural(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        (_, None) => format!("{n} {noun}s"),
    }
}

/// `fail_on_findings` is off while recording a baseline: then only failures to run fail.
/// A file that could not be analysed is an `unanalysed_file` finding (error level unless the
/// settings lower it), so whether it fails the gate is decided here with the others.
fn exit_code(analysis: &Analysis, findings: &[&Finding], fail_on_findings: bool) -> u8 {
    let missing_path = analysis.errors.iter().any(|e| e.kind() == "not_found");
    if missing_path || analysis.files_scanned == 0 {
        EXIT_FAILURE
    } else if fail_on_findings && findings.iter().any(|f| f.severity == Severity::Error) {
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

/// A file's text to show around a diagnostic; none past the engine's size limit, so a file
/// the engine refused unread is not read whole to print a snippet of it either.
fn source_for_report(path: &Path) -> Option<String> {
    let size = std::fs::metadata(path).ok()?.len();
    if size > cancelsafe_engine::MAX_FILE_BYTES {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

fn render_human(analysis: &Analysis, findings: &[&Finding], color: bool) -> String {
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    let style = human::Style { color, width };
    let mut out = String::new();
    for f in findings {
        let text = source_for_report(&f.file).unwrap_or_default();
        out.push_str(&human::render_finding_with(
            f,
            &text,
            &style,
            source_for_report,
        ));
        out.push('\n');
    }
    for e in &analysis.errors {
        let text = source_for_report(e.path());
        out.push_str(&human::render_error(e, text.as_deref(), &style));
        out.push('\n');
    }
    let deps = &analysis.dependencies;
    if deps.crates > 0 {
        out.push_str(&format!(
            "cancelsafe: {} dependency crate{} summarised ({} files, {} from the cache)\n",
            deps.crates,
            if deps.crates == 1 { "" } else { "s" },
            deps.files,
            deps.cached,
        ));
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
    let width = rules::RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in rules::RULES {
        let default = if r.enabled_by_default {
            r.default.as_str()
        } else {
            "off"
        };
        println!("{:<width$} {}  {:<8} {}", r.id, r.code, default, r.summary);
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

/// `cargo metadata` for the workspace of `manifest` or of the current folder; with the
/// dependency graph when asked (cargo reads manifests and may download sources, but builds
/// and runs nothing).
fn cargo_metadata(manifest: Option<&Path>, with_deps: bool) -> miette::Result<serde_json::Value> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.args(["metadata", "--format-version", "1"]);
    if with_deps {
        // Only the dependencies that build here, as the lock-file path picks them.
        cmd.args(["--filter-platform", deps::HOST]);
    } else {
        cmd.arg("--no-deps");
    }
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
    serde_json::from_slice(&out.stdout)
        .map_err(|e| miette::miette!("bad `cargo metadata` output: {e}"))
}

/// The dependency graph, cached by the workspace's lock file and manifests, so a warm run
/// needs only the cheap `--no-deps` call. Read from `Cargo.lock` and the sources on disk
/// when they are all there, else from `cargo metadata` (which fetches what is missing).
/// Without a graph (offline, say) the scan goes on over the workspace alone.
fn dependency_graph(
    manifest: Option<&Path>,
    own: &serde_json::Value,
    cache_dir: Option<&Path>,
) -> Option<DependencyGraph> {
    let cache = cache_dir.map(|d| Cache::new(d, &Vocabulary::default()));
    let key = cache
        .as_ref()
        .map(|c| c.key("metadata", &lock_and_manifests(own)));
    if let Some(graph) = cache.as_ref().zip(key).and_then(|(c, k)| c.get(k)) {
        return Some(graph);
    }
    let graph = graph_from_lock_file(own).or_else(|| graph_from_metadata(manifest))?;
    if let (Some(c), Some(k)) = (&cache, key) {
        // A cache that cannot be written only costs time on the next run.
        let _ = c.put(k, &graph);
    }
    Some(graph)
}

/// The graph from `Cargo.lock` and the sources already on disk, without running cargo;
/// `None` when there is no lock yet or anything is missing.
fn graph_from_lock_file(own: &serde_json::Value) -> Option<DependencyGraph> {
    let root = Path::new(own["workspace_root"].as_str()?);
    if !root.join("Cargo.lock").is_file() {
        return None; // cargo metadata writes one
    }
    let _t = cancelsafe_engine::timings::phase("dependency graph from Cargo.lock");
    DependencyGraph::from_lockfile(root, &member_manifests(own))
        .map_err(|why| cancelsafe_engine::timings::note(&format!("Cargo.lock not used: {why}")))
        .ok()
}

/// The graph `cargo metadata` resolves (fetching what is missing).
fn graph_from_metadata(manifest: Option<&Path>) -> Option<DependencyGraph> {
    let _t = cancelsafe_engine::timings::phase("cargo metadata");
    cargo_metadata(manifest, true)
        .and_then(|full| DependencyGraph::from_metadata(&full).map_err(|e| miette::miette!("{e}")))
        .map_err(|e| eprintln!("warning: dependencies not summarised: {e}"))
        .ok()
}

/// The workspace members' manifests, from `cargo metadata --no-deps` (which lists only
/// members).
fn member_manifests(own: &serde_json::Value) -> Vec<PathBuf> {
    own["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|package| package["manifest_path"].as_str())
        .map(PathBuf::from)
        .collect()
}

/// Where the cache folder will be, before `cargo metadata` says: `--cache-dir`, or
/// `target/cancelsafe-cache` (or `$CARGO_TARGET_DIR`'s) of the nearest folder up with a
/// `Cargo.lock`. A wrong guess only means no head start.
fn guess_cache_dir(cache_dir: Option<&Path>, manifest: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = cache_dir {
        return Some(dir.to_path_buf());
    }
    let cwd = std::env::current_dir().ok()?;
    let start = match manifest.and_then(Path::parent) {
        Some(dir) => cwd.join(dir),
        None => cwd,
    };
    let root = start.ancestors().find(|d| d.join("Cargo.lock").is_file())?;
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    };
    Some(target.join("cancelsafe-cache"))
}

/// What the dependency graph depends on: the lock file and every workspace manifest.
fn lock_and_manifests(own: &serde_json::Value) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Some(root) = own["workspace_root"].as_str() {
        bytes.extend(std::fs::read(Path::new(root).join("Cargo.lock")).unwrap_or_default());
        // A virtual root is no member, but its `[workspace.dependencies]` count.
        bytes.extend(std::fs::read(Path::new(root).join("Cargo.toml")).unwrap_or_default());
    }
    for path in member_manifests(own) {
        bytes.extend(path.as_os_str().as_encoded_bytes());
        bytes.extend(std::fs::read(&path).unwrap_or_default());
    }
    bytes
}

struct Workspace {
    /// Relative to the current folder when inside it.
    root: PathBuf,
    target_dir: PathBuf,
}

/// The workspace root (relative to the current folder when inside it) and target folder
/// from `cargo metadata`.
fn workspace(meta: &serde_json::Value) -> miette::Result<Workspace> {
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
