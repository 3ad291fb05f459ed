//! cancelsafe: finds cancellation-unsafe await points in async Rust.
//!
//! The pipeline: [`discover`] finds `.rs` files, each is parsed with `syn` and reduced to
//! [`summary`] data on a worker thread (the tree is dropped there), [`callgraph`] resolves
//! calls across the workspace and propagates effects to a fixpoint, [`rules`] turn the
//! result into [`Finding`]s, and [`suppress`] applies the suppressions written in the code.
//! After that, the binary gates the findings with pure steps: [`levels`], [`baseline`],
//! [`diff_base`]. The engine never prints or exits; the binary does.

pub mod baseline;
pub mod callgraph;
pub mod config;
pub mod deps;
pub mod diff_base;
pub mod discover;
pub mod error;
pub mod levels;
pub mod report;
pub mod rules;
pub mod source;
pub mod summary;
pub mod suppress;
pub mod vocab;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub use error::Error;
pub use rules::{Finding, Label, Rule, Severity, RULES};
pub use source::Span;
pub use vocab::Vocabulary;

use summary::FileSummary;

/// What the engine needs to know besides the paths.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub vocab: Vocabulary,
    /// Path fragments to skip (`tests/fixtures`).
    pub excludes: Vec<String>,
    /// The workspace's dependency graph: the crates the code calls into are summarised too,
    /// so a cancellation in the code that reaches a dependency's exchange is found.
    pub dependencies: Option<deps::DependencyGraph>,
    /// Also report findings inside dependencies.
    pub include_deps: bool,
}

/// What was summarised besides the scanned code.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DependencyStats {
    /// Dependency crates summarised.
    pub crates: usize,
    pub files: usize,
    /// Dependency files that could not be analysed (not reported: not the user's code).
    pub failed_files: usize,
}

/// The result of a run: findings, and the inputs that could not be analysed.
#[derive(Debug, Default)]
pub struct Analysis {
    pub files_scanned: usize,
    pub dependencies: DependencyStats,
    pub findings: Vec<Finding>,
    pub errors: Vec<Error>,
}

/// Deepest bracket nesting analysed; deeper files are reported instead of risking the stack.
const MAX_NESTING: usize = 1500;
/// Longest operator chain in one statement analysed.
const MAX_CHAIN: usize = 20_000;
/// Stack for parsing threads: syn parses, visits and drops trees recursively.
const PARSER_STACK: usize = 256 << 20;

/// Analyses every Rust file under `paths`.
pub fn analyze(paths: &[PathBuf], config: &Config) -> Analysis {
    let (mut files, mut errors) = discover::rust_files(paths, &config.excludes);
    let (mut summaries, parse_errors) = summarize_all(&files, &config.vocab);
    errors.extend(parse_errors);
    let files_scanned = files.len();
    let mut file_crates = vec![None; files.len()];
    let mut dependencies = DependencyStats::default();
    if let Some(graph) = &config.dependencies {
        let chosen = select_dependencies(graph, &files, &config.excludes);
        dependencies.crates = chosen.len();
        for dep in &chosen {
            let (dep_files, _) = discover::rust_files(std::slice::from_ref(&dep.src_dir), &[]);
            let (dep_summaries, dep_errors) = summarize_all(&dep_files, &config.vocab);
            dependencies.files += dep_files.len();
            dependencies.failed_files += dep_errors.len();
            file_crates.extend(dep_files.iter().map(|f| Some(module_path(dep, f))));
            files.extend(dep_files);
            summaries.extend(dep_summaries);
        }
    }
    let mut workspace = callgraph::Workspace::with_crates(summaries, file_crates, &config.vocab);
    if config.include_deps {
        workspace = workspace.analyse_all_dependencies();
    }
    let outcome = workspace.solve();
    let cx = rules::RuleCx {
        workspace: &workspace,
        outcome: &outcome,
        files: &files,
    };
    let mut findings = rules::check_all(&cx);
    if !config.include_deps {
        let dependency_files: std::collections::HashSet<&PathBuf> =
            files[files_scanned..].iter().collect();
        findings.retain(|f| !dependency_files.contains(&f.file));
    }
    sort_findings(&mut findings);
    findings.dedup_by(|a, b| a.file == b.file && a.span == b.span && a.rule.id == b.rule.id);
    drop_raced_duplicates(&mut findings);
    // Directives live in the scanned code only.
    let mut findings = suppress::apply(findings, &files[..files_scanned]);
    sort_findings(&mut findings);
    errors.sort_by(|a, b| a.path().cmp(b.path()));
    Analysis {
        files_scanned,
        dependencies,
        findings,
        errors,
    }
}

/// By file, line, column and rule; stable, so equal keys keep their order.
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.file, a.span.line, a.span.column, a.rule.id).cmp(&(
            &b.file,
            b.span.line,
            b.span.column,
            b.rule.id,
        ))
    });
}

/// `redis::aio` for `.../redis-0.22.3/src/aio.rs` (or `src/aio/mod.rs`).
fn module_path(dep: &deps::Dependency, file: &Path) -> String {
    let mut path = dep.name.clone();
    let Ok(rel) = file.strip_prefix(&dep.src_dir) else {
        return path;
    };
    let rel = rel.with_extension("");
    for part in rel.iter().filter_map(|c| c.to_str()) {
        if !matches!(part, "lib" | "mod" | "main") {
            path.push_str("::");
            path.push_str(part);
        }
    }
    path
}

/// A raced future that is a whole exchange is reported once, by the race rule, not again
/// as a write-then-read section at the same await.
fn drop_raced_duplicates(findings: &mut Vec<Finding>) {
    let raced: std::collections::HashSet<(PathBuf, Span)> = findings
        .iter()
        .filter(|f| f.rule.id == rules::RACED_RULE_ID)
        .map(|f| (f.file.clone(), f.span))
        .collect();
    findings.retain(|f| {
        f.rule.id != rules::SECTION_RULE_ID || !raced.contains(&(f.file.clone(), f.span))
    });
}

/// The dependencies the scanned files (and, one level down, those dependencies) name.
fn select_dependencies(
    graph: &deps::DependencyGraph,
    files: &[PathBuf],
    excludes: &[String],
) -> Vec<deps::Dependency> {
    let read_all = |files: &[PathBuf]| -> Vec<String> {
        files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .collect()
    };
    let workspace_text = read_all(files);
    let mut dep_text: std::collections::HashMap<PathBuf, Vec<String>> = Default::default();
    let mut any_text = |d: &deps::Dependency, test: &dyn Fn(&str) -> bool| -> bool {
        dep_text
            .entry(d.src_dir.clone())
            .or_insert_with(|| {
                read_all(&discover::rust_files(std::slice::from_ref(&d.src_dir), excludes).0)
            })
            .iter()
            .any(|t| test(t))
    };
    graph.select(|parent, dep| {
        let names = |t: &str| deps::names_crate(t, &dep.name);
        let named = match parent {
            None => workspace_text.iter().any(|t| names(t)),
            Some(p) => any_text(p, &names),
        };
        // A crate without async code has no exchange to lose (its sync calls are seen
        // through the vocabulary of what they return, not their bodies).
        named && any_text(dep, &deps::has_async_code)
    })
}

/// Debugging aid: the exported effects of every unit whose name contains `filter`, and the
/// sections found in it before exposure filtering.
pub fn debug_effects(paths: &[PathBuf], config: &Config, filter: &str) -> String {
    let (files, _) = discover::rust_files(paths, &config.excludes);
    let (summaries, _) = summarize_all(&files, &config.vocab);
    let workspace = callgraph::Workspace::new(summaries, &config.vocab);
    workspace.debug(filter, &files)
}

/// Summarises files in parallel on big-stack threads; results keep the file order.
fn summarize_all(files: &[PathBuf], vocab: &Vocabulary) -> (Vec<FileSummary>, Vec<Error>) {
    let results: Vec<Mutex<Option<Result<FileSummary, Error>>>> =
        files.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(files.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (results, next) = (&results, &next);
            std::thread::Builder::new()
                .name("cancelsafe-parse".into())
                .stack_size(PARSER_STACK)
                .spawn_scoped(scope, move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let r = summarize_path(path, vocab);
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                })
                .expect("spawn parser thread");
        }
    });
    let mut summaries = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for r in results {
        match r.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(Ok(s)) => summaries.push(s),
            Some(Err(e)) => {
                errors.push(e);
                summaries.push(FileSummary::default());
            }
            None => summaries.push(FileSummary::default()),
        }
    }
    (summaries, errors)
}

/// Reads, checks and summarises one file. Never panics on bad input.
pub fn summarize_path(path: &Path, vocab: &Vocabulary) -> Result<FileSummary, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    summarize_text(path, &text, vocab)
}

/// Summarises source text that claims to come from `path`.
pub fn summarize_text(path: &Path, text: &str, vocab: &Vocabulary) -> Result<FileSummary, Error> {
    if let Some(depth) = too_deep(text) {
        return Err(Error::TooComplex {
            path: path.to_path_buf(),
            message: format!("nesting depth over {depth}"),
        });
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        summary::summarize_file(text, vocab)
    }));
    match result {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => {
            let span = source::LineIndex::new(text).span(e.span());
            Err(Error::Syntax {
                path: path.to_path_buf(),
                message: e.to_string(),
                span,
            })
        }
        Err(_) => Err(Error::TooComplex {
            path: path.to_path_buf(),
            message: "the parser gave up".into(),
        }),
    }
}

/// Rough nesting check before handing text to `syn`: bracket depth, runs of prefix
/// operators, and operator chains within one statement (`1 + 1 + ...` nests one level per
/// term in the tree, which syn and this crate walk recursively).
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut max, mut run, mut chain) = (0usize, 0usize, 0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' | b'<' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' | b'>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        run = if matches!(b, b'!' | b'-' | b'*' | b'&') {
            run + 1
        } else if b == b' ' {
            run
        } else {
            0
        };
        chain = match b {
            b';' | b'{' | b'}' => 0,
            b'+' | b'-' | b'*' | b'/' | b'%' | b'|' | b'^' | b'.' | b'=' => chain + 1,
            _ => chain,
        };
        if max > MAX_NESTING || run > MAX_NESTING || chain > MAX_CHAIN {
            return Some(MAX_NESTING);
        }
    }
    None
}
