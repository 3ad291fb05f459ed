//! One invocation of `cargo cancelsafe`: settings, the analysis, the gates after it, the
//! reporter and the exit code. The analysis itself is `cancelsafe_engine::analyze`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use cancelsafe_engine::callgraph;
use cancelsafe_engine::gate::baseline::Baseline;
use cancelsafe_engine::gate::diff_base::ChangedLines;
use cancelsafe_engine::gate::{config, levels};
use cancelsafe_engine::report::{github, human, json, rustc_json, sarif};
use cancelsafe_engine::store::cache::{self, Secret};
use cancelsafe_engine::{
    analyze, rules, sanitize, Analysis, Config, Finding, Severity, Vocabulary,
};

use crate::args::{self, Cli, Color, Command, Format, MessageFormat};
use crate::select;
use crate::workspace::{self, Cargo};

/// No finding at a failing level.
const EXIT_CLEAN: u8 = 0;
/// Findings at a failing level.
const EXIT_FINDINGS: u8 = 1;
/// Could not run: bad arguments, or nothing readable.
pub const EXIT_FAILURE: u8 = 2;

/// One invocation, from the command line to the exit code.
pub fn run() -> miette::Result<u8> {
    // The engine reads no environment: the switches it honours are read here.
    cancelsafe_engine::timings::enable(std::env::var_os("CANCELSAFE_TIMINGS").is_some());
    let (cli, matches) = match args::parse() {
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
    let cache_dir = chosen_cache_dir(&cli, in_workspace);
    if cache_dir.is_some() {
        load_cache_secret();
    }
    // The workspace's own metadata finds it, and names each file's package for rustc-json.
    // The last run's dependencies are decoded while `cargo metadata` runs.
    let prefetch = (in_workspace && !cli.no_deps && !cli.include_deps)
        .then(|| cache_dir.clone())
        .flatten()
        .map(callgraph::Prefetch::start);
    let cargo = Cargo::new(cli.fetch);
    let t = cancelsafe_engine::timings::phase("cargo metadata --no-deps");
    let members = if in_workspace {
        Some(cargo.members(manifest)?)
    } else if format == Format::RustcJson {
        cargo.members(manifest).ok()
    } else {
        None
    };
    drop(t);
    let scanned_workspace = match &members {
        Some(members) if in_workspace => Some(members.workspace()),
        _ => None,
    };
    let paths = match &scanned_workspace {
        Some(ws) if cli.paths.is_empty() => vec![ws.root.clone()],
        _ => cli.paths.clone(),
    };
    let workspace_metadata = members.as_ref().filter(|_| in_workspace);
    let build = select::build(&cli, workspace_metadata.map(|m| &m.metadata))?;
    // Dependencies are summarised when scanning a cargo workspace: that is where
    // `cargo metadata` knows them.
    let t = cancelsafe_engine::timings::phase("dependency graph");
    let dependencies = match workspace_metadata {
        Some(members) if !cli.no_deps => {
            let features = select::metadata_feature_args(&build, &members.metadata);
            workspace::dependency_graph(&cargo, members, cache_dir.as_deref(), &features)
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
    args::apply_level_flags(&mut levels, &matches)?;
    let mut vocab = Vocabulary::default();
    vocab.extend(&settings.vocabulary);
    let config = Config {
        vocab,
        excludes: [settings.exclude.as_slice(), cli.exclude_path.as_slice()].concat(),
        cache_dir,
        dependencies,
        include_deps: cli.include_deps,
        prefetched: {
            let _t = cancelsafe_engine::timings::phase("wait for the dependency set");
            prefetch
                .map(|p| p.finish(config_cache_dir.as_deref()))
                .unwrap_or_default()
        },
        build: Some(build),
    };
    if let Some(filter) = &cli.debug_effects {
        print!(
            "{}",
            cancelsafe_engine::debug_effects(&paths, &config, filter)
        );
        return Ok(EXIT_CLEAN);
    }
    let mut analysis = analyze(&paths, &config);
    if cli.verbose {
        eprint!("{}", verbose_notes(&analysis, &config));
    }
    analysis.findings = gate(
        &cli,
        &paths,
        levels::apply(std::mem::take(&mut analysis.findings), &levels),
    )?;
    if cli.fix {
        crate::apply_fixes::apply_fixes(&cli, &paths, &mut analysis)?;
    }
    let findings: Vec<&Finding> = analysis.findings.iter().collect();
    let out = match format {
        Format::Json => json::render(&analysis, &findings),
        Format::Human => render_human(&analysis, &findings, use_color(cli.color), !cli.quiet),
        Format::Sarif => sarif::render(&analysis, &findings),
        Format::Github => github::render(&analysis, &findings),
        Format::RustcJson => {
            let cwd = std::env::current_dir().unwrap_or_default();
            let packages = members
                .map(|m| rustc_json::Package::from_metadata(&m.json, &cwd))
                .unwrap_or_default();
            rustc_json::render(&analysis, &findings, &packages)
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    if cli.statistics {
        // Machine formats keep stdout to themselves: the counts go to stderr there.
        let table = statistics(&findings);
        if format == Format::Human {
            let _ = stdout.write_all(table.as_bytes());
        } else {
            eprint!("{table}");
        }
    }
    let _ = stdout.flush();
    let recording = cli.write_baseline.is_some();
    Ok(exit_code(&analysis, &findings, !recording))
}

/// The optional gates after the levels: record or apply a baseline, keep changed lines.
/// Their notes go to stderr, so every `--format` on stdout stays as it is.
fn gate(cli: &Cli, paths: &[PathBuf], mut findings: Vec<Finding>) -> miette::Result<Vec<Finding>> {
    let note = |text: String| {
        if !cli.quiet {
            eprintln!("{text}");
        }
    };
    if let Some(file) = &cli.write_baseline {
        Baseline::of(&findings, file).write(file)?;
        note(format!(
            "cancelsafe: wrote {} to baseline `{}`",
            plural(findings.len(), "finding"),
            file.display()
        ));
    }
    if let Some(file) = &cli.baseline {
        let comparison = Baseline::read(file)?.compare(findings, file);
        findings = comparison.new;
        let fixed = comparison.fixed.len();
        let mut text = format!(
            "cancelsafe: baseline `{}` hides {}",
            file.display(),
            plural(comparison.known, "known finding")
        );
        if cli.prune_baseline {
            comparison.pruned.write(file)?;
            text.push_str(&format!("; pruned {}", plural(fixed, "fixed entry")));
        } else if fixed > 0 {
            text.push_str(&format!(
                "; {fixed} fixed, run with --prune-baseline to drop them"
            ));
        }
        note(text);
    }
    if let Some(rev) = &cli.diff_base {
        let before = findings.len();
        findings = ChangedLines::since(rev, &scan_folder(&paths[0]), &findings)?.filter(findings);
        note(format!(
            "cancelsafe: --diff-base {rev} hides {} outside changed lines",
            plural(before - findings.len(), "finding")
        ));
    }
    Ok(findings)
}

/// The folder settings and the git repository are looked up from: the first scanned path,
/// or its folder when it is a file.
pub(crate) fn scan_folder(first: &Path) -> PathBuf {
    match first.parent() {
        Some(parent) if first.is_file() && !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ if first.is_file() => PathBuf::from("."),
        _ => first.to_path_buf(),
    }
}

/// `1 finding`, `2 findings`; `entry` becomes `entries`.
pub(crate) fn plural(n: usize, noun: &str) -> String {
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

/// `--statistics`: how many findings each rule has, most first (then by code), and the
/// total.
fn statistics(findings: &[&Finding]) -> String {
    let mut counts: Vec<(usize, &str, &str)> = Vec::new();
    for f in findings {
        match counts.iter_mut().find(|c| c.1 == f.rule.code) {
            Some(c) => c.0 += 1,
            None => counts.push((1, f.rule.code, f.rule.id)),
        }
    }
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let width = counts.first().map_or(1, |c| c.0.to_string().len());
    let mut out = String::new();
    for (n, code, id) in counts {
        out.push_str(&format!("{n:>width$} {code} {id}\n"));
    }
    out.push_str(&format!("{} in total\n", plural(findings.len(), "finding")));
    out
}

/// `-v`: what was analysed besides the findings, on stderr.
fn verbose_notes(analysis: &Analysis, config: &Config) -> String {
    let read = dependency_crates_read(analysis, config);
    if read.is_empty() {
        return "cancelsafe: no dependency crate read\n".to_string();
    }
    format!("cancelsafe: dependency crates read: {}\n", read.join(", "))
}

/// `redis 0.22.3`, ..: the dependency crates some of whose files the analysis read,
/// sorted.
fn dependency_crates_read(analysis: &Analysis, config: &Config) -> Vec<String> {
    let Some(graph) = &config.dependencies else {
        return Vec::new();
    };
    let read = &analysis.sources[analysis.files_scanned.min(analysis.sources.len())..];
    let mut labels: Vec<String> = graph
        .crates()
        .filter(|dep| read.iter().any(|f| f.starts_with(&dep.src_dir)))
        .map(|dep| sanitize::text(&dep.label()).into_owned())
        .collect();
    labels.sort();
    labels.dedup();
    labels
}

/// The findings and errors, then (unless `-q`) the count lines.
fn render_human(analysis: &Analysis, findings: &[&Finding], color: bool, summary: bool) -> String {
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    let style = human::Style { color, width };
    // Only a file the analysis read is shown: a path a finding names is not proof of that.
    let read = analysis.source_reader();
    let mut out = String::new();
    for f in findings {
        let text = read(&f.file).unwrap_or_default();
        out.push_str(&human::render_finding_with(f, &text, &style, &read));
        out.push('\n');
    }
    for e in &analysis.errors {
        let text = read(e.path());
        out.push_str(&human::render_error(e, text.as_deref(), &style));
        out.push('\n');
    }
    if !summary {
        return out;
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
            eprintln!(
                "error: unknown rule `{name}`; known rules (id or code): {}",
                args::known_rules()
            );
            Ok(EXIT_FAILURE)
        }
    }
}

/// The cache folder, chosen by the user only (a scanned tree's `target-dir` or committed
/// `target/` has no say): `--cache-dir`, else `$CANCELSAFE_CACHE_DIR`, else, for a
/// workspace scan, [`user_cache_dir`]; none with `--no-cache`.
fn chosen_cache_dir(cli: &Cli, in_workspace: bool) -> Option<PathBuf> {
    if cli.no_cache {
        return None;
    }
    cli.cache_dir
        .clone()
        .or_else(|| {
            std::env::var_os(CACHE_DIR_ENV)
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| in_workspace.then(user_cache_dir).flatten())
}

/// Names the cache folder, as `--cache-dir` does.
const CACHE_DIR_ENV: &str = "CANCELSAFE_CACHE_DIR";

/// `cancelsafe` in the user's cache folder (`$XDG_CACHE_HOME` or `~/.cache` on Linux,
/// `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows).
fn user_cache_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("cancelsafe"))
}

/// Loads the secret cache entries are authenticated with (see `cache::Secret`) from
/// `key` in [`user_cache_dir`], whichever cache folder is used, so no scanned tree can
/// hold it. Without it, this run's entries are trusted by this run only.
fn load_cache_secret() {
    let Some(file) = user_cache_dir().map(|d| d.join("key")) else {
        return;
    };
    match Secret::load_or_create(&file) {
        Ok(secret) => cache::set_secret(secret),
        Err(e) => eprintln!(
            "warning: cache key `{}` unusable ({e}); cached entries will not be reused",
            file.display()
        ),
    }
}
