//! cancelsafe: finds cancellation-unsafe await points in async Rust.
//!
//! The pipeline: [`input::discover`] finds `.rs` files, each is parsed with `syn` and reduced to
//! [`summary`] data on a worker thread (the tree is dropped there), [`callgraph`] resolves
//! calls across the workspace and propagates effects to a fixpoint, [`rules`] turn the
//! result into [`Finding`]s, and [`suppress`] applies the suppressions written in the code.
//! When scanning a cargo workspace, the [`deps`] it names are summarised too. After that,
//! the binary gates the findings with pure steps: [`gate`]. [`store`] keeps summaries and
//! results between runs.
//! The engine never prints or exits; the binary does.

pub mod callgraph;
pub mod crates;
pub mod deps;
pub mod error;
pub mod fix;
pub mod gate;
pub mod input;
mod lex;
pub mod pool;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod source;
pub mod store;
pub mod summary;
pub mod suppress;
pub mod timings;
pub mod vocab;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use error::Error;
pub use input::MAX_FILE_BYTES;
pub use pool::{on_parser_pool, parser_pool};
pub use rules::{Applicability, Edit, Finding, Fix, Label, Rule, Severity, RULES};
pub use source::Span;
use summary::read::Compiled;
pub use summary::read::{summarize_files, summarize_path, summarize_text};
pub use vocab::Vocabulary;

use input::build::{FileBuild, Targets};
use input::packages::Packages;
use input::source_file::read_bytes;
use input::{discover, SourceFile};
use store::cache::Cache;
use store::memo;
use summary::FileSummary;

/// What the engine needs to know besides the paths.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub vocab: Vocabulary,
    /// Path fragments to skip (`tests/fixtures`).
    pub excludes: Vec<String>,
    /// Where per-file summaries are cached (see [`store::cache`]); `None`: no cache.
    pub cache_dir: Option<PathBuf>,
    /// The workspace's dependency graph: the crates the code calls into are summarised too,
    /// so a cancellation in the code that reaches a dependency's exchange is found.
    pub dependencies: Option<deps::DependencyGraph>,
    /// Also report findings inside dependencies.
    pub include_deps: bool,
    /// The dependency set the last run solved, decoded ahead (see [`callgraph::Prefetch`]).
    pub prefetched: callgraph::Prefetched,
    /// What cargo's target, feature and package flags select (see [`input::build`]);
    /// `None`: every target and every `#[cfg]` branch of the scanned code, all reported.
    pub build: Option<input::build::Build>,
}

/// The result of a run: findings, and the inputs that could not be analysed.
#[derive(Debug, Default)]
pub struct Analysis {
    pub files_scanned: usize,
    pub dependencies: deps::DependencyStats,
    pub findings: Vec<Finding>,
    pub errors: Vec<Error>,
    /// Every file the analysis read (scanned, then dependency files): the only files a
    /// report may show the text of, never a path taken from a finding alone.
    pub sources: Vec<PathBuf>,
}

impl Analysis {
    /// Reads the text of a file for a report: only a file the analysis read (in
    /// [`Analysis::sources`]), so a path a finding or a cache entry names is never followed
    /// elsewhere. `None` for any other path, a file past [`MAX_FILE_BYTES`] (it was not
    /// analysed either), or a file that cannot be read now.
    pub fn source_reader(&self) -> impl Fn(&Path) -> Option<String> + '_ {
        let sources: std::collections::HashSet<&Path> =
            self.sources.iter().map(PathBuf::as_path).collect();
        move |path: &Path| {
            if !sources.contains(path) {
                return None;
            }
            let bytes = read_bytes(path).ok()?;
            String::from_utf8(bytes).ok()
        }
    }
}

/// Analyses every Rust file under `paths`.
/// Runs on the parser pool: the workspace pass walks nested bodies recursively too.
pub fn analyze(paths: &[PathBuf], config: &Config) -> Analysis {
    on_parser_pool(|| {
        let cache = cache_of(config);
        let mut found = discover::discover(paths, &config.excludes);
        let bounded;
        let config = match within_trees(config, &mut found, paths) {
            Some(inside) => {
                bounded = inside;
                &bounded
            }
            None => config,
        };
        let t = timings::phase("hash every input");
        let key = cache
            .as_ref()
            .and_then(|c| memo::key(c, paths, &found, config));
        drop(t);
        if let Some(stored) = cache.as_ref().zip(key).and_then(|(c, k)| memo::get(c, k)) {
            return stored;
        }
        let analysis = analyze_on_pool(found, config, cache.as_ref());
        if let (Some(c), Some(k)) = (&cache, key) {
            memo::put(c, k, &analysis);
        }
        analysis
    })
}

/// `config` without the path dependencies outside the scanned trees, each reported in
/// `found.errors` instead of read; `None` when there are none.
fn within_trees(
    config: &Config,
    found: &mut discover::Discovered,
    paths: &[PathBuf],
) -> Option<Config> {
    let graph = config.dependencies.as_ref()?;
    let (inside, outside) = graph.without_paths_outside(&found.trees)?;
    // Which manifest named it is cargo's knowledge; the scanned workspace's stands for it.
    let manifest = paths
        .first()
        .map_or_else(PathBuf::new, |p| p.join("Cargo.toml"));
    found
        .errors
        .extend(outside.into_iter().map(|dep| Error::PathOutside {
            path: manifest.clone(),
            target: dep.src_dir.clone(),
            via: format!("the path dependency `{}`", dep.package),
        }));
    Some(Config {
        dependencies: Some(inside),
        ..config.clone()
    })
}

fn analyze_on_pool(
    found: discover::Discovered,
    config: &Config,
    cache: Option<&Cache>,
) -> Analysis {
    let t = timings::phase("load scanned files");
    let Loaded {
        mut files,
        mut summaries,
        mut errors,
        suppressible,
        packages,
        unreported,
    } = load_found(found, config, cache);
    drop(t);
    let files_scanned = files.len();
    let mut file_crates = vec![None; files_scanned];
    let mut dependencies = deps::DependencyStats::default();
    let mut solved = callgraph::Solved::default();
    let named: std::collections::BTreeSet<String> = summaries
        .iter()
        .flat_map(|s| s.crate_names.iter().cloned())
        .collect();
    match &config.dependencies {
        // Findings inside dependencies are wanted: they are walked with the scanned code.
        Some(graph) if config.include_deps => {
            let loaded = deps::load(graph, &named, &config.vocab, cache);
            dependencies = loaded.stats;
            file_crates.extend(loaded.modules.into_iter().map(Some));
            files.extend(loaded.files);
            summaries.extend(loaded.summaries);
        }
        Some(graph) => {
            let (deps, stats) =
                callgraph::solved(graph, &named, &config.vocab, &config.prefetched, cache);
            dependencies = stats;
            file_crates.extend(deps.modules.into_iter().map(Some));
            files.extend(deps.files);
            solved = deps.solved;
        }
        None => {}
    }
    if let Some(graph) = &config.dependencies {
        solved.crate_dependencies = graph.crate_dependencies();
    }
    let places = crates::file_places(&files[..files_scanned]);
    let t = timings::phase("index, type and resolve");
    let mut workspace =
        callgraph::Workspace::with_solved(summaries, file_crates, places, &config.vocab, solved);
    if config.include_deps {
        workspace = workspace.analyse_all_dependencies();
    }
    drop(t);
    let mut findings = rules_over(&mut workspace, &files);
    free_in_background(workspace);
    if !config.include_deps {
        let dependency_files: std::collections::HashSet<&PathBuf> =
            files[files_scanned..].iter().collect();
        findings.retain(|f| !dependency_files.contains(&f.file));
    }
    // Directives live in the scanned code only, and are not read from a file that failed
    // (it is hostile input to any parser); its `unanalysed_file` finding comes after them,
    // so only the settings, never the tree, can silence it.
    let failed: std::collections::HashSet<&PathBuf> = errors.iter().map(Error::path).collect();
    let readable: Vec<SourceFile> = suppressible
        .into_iter()
        .filter(|s| !failed.contains(&s.path))
        .collect();
    let mut findings = suppress::apply(findings, &readable);
    rules::check_errors(&errors, &mut findings);
    if let Some(build) = &config.build {
        findings
            .retain(|f| !unreported.contains(&f.file) && build.reports(packages.name_of(&f.file)));
    }
    sort_findings(&mut findings);
    errors.sort_by(|a, b| a.path().cmp(b.path()));
    Analysis {
        files_scanned,
        dependencies,
        findings,
        errors,
        sources: files,
    }
}

fn cache_of(config: &Config) -> Option<Cache> {
    config
        .cache_dir
        .as_ref()
        .map(|dir| Cache::new(dir, &config.vocab))
}

/// Drops `value` on a thread of its own: a workspace or an outcome is tens of thousands of
/// small allocations, which the report need not wait for.
fn free_in_background(value: impl Send + 'static) {
    let _t = timings::phase("free the workspace");
    if let Err(e) = std::thread::Builder::new().spawn(move || drop(value)) {
        drop(e);
    }
}

/// Discovers and summarises the files under `paths` that their crates' module trees reach
/// (see [`crates`]): the files, their summaries (empty for a file that failed) and the
/// errors met.
pub fn load(paths: &[PathBuf], config: &Config) -> (Vec<PathBuf>, Vec<FileSummary>, Vec<Error>) {
    let found = discover::discover(paths, &config.excludes);
    let loaded = load_found(found, config, cache_of(config).as_ref());
    (loaded.files, loaded.summaries, loaded.errors)
}

/// The scanned files the module trees reach, in the walk's order: `files` and `summaries`
/// by position, as the workspace pass takes them.
struct Loaded {
    files: Vec<PathBuf>,
    summaries: Vec<FileSummary>,
    errors: Vec<Error>,
    /// The texts, read once when summarised, of the files that parsed and may hold
    /// suppressions ([`suppress::may_hold_directives`]).
    suppressible: Vec<SourceFile>,
    packages: Packages,
    /// Files analysed but not reported: the library, compiled for the selected targets
    /// that link it but not selected itself.
    unreported: HashSet<PathBuf>,
}

/// One file from the walk, once read and summarised.
struct Summarised {
    path: PathBuf,
    /// Empty when the file failed.
    summary: FileSummary,
    failure: Option<Error>,
    /// Its text, kept only when it parsed and may hold suppressions.
    source: Option<SourceFile>,
}

/// [`load`] over what a walk found.
fn load_found(found: discover::Discovered, config: &Config, cache: Option<&Cache>) -> Loaded {
    let mut errors = found.errors;
    let packages = Packages::read(found.packages, config.build.as_ref());
    let summarised: Vec<Summarised> = found
        .files
        .into_par_iter()
        .map(|path| {
            let build = config.build.as_ref().map(|b| packages.file_build(b, &path));
            let (result, source) = summarize_source(&path, &config.vocab, cache, build);
            let (summary, failure) = match result {
                Ok(s) => (s, None),
                Err(e) => (FileSummary::default(), Some(e)),
            };
            Summarised {
                path,
                summary,
                failure,
                source,
            }
        })
        .collect();
    let views: Vec<crates::ModuleFile> = summarised
        .iter()
        .map(|s| crates::ModuleFile {
            path: &s.path,
            summary: &s.summary,
            failed: s.failure.is_some(),
        })
        .collect();
    let targets = config.build.as_ref().map(|b| &b.targets);
    let compiled = targets.map(Targets::compiled);
    let reach = crates::reachable(&packages.all(), &views, &found.trees, compiled.as_ref());
    // Without the library selected, its files are analysed for the calls into it only.
    let selected = targets
        .filter(|t| !t.lib)
        .map(|t| crates::reachable(&packages.all(), &views, &found.trees, Some(t)).keep);
    drop(views);
    errors.extend(reach.outside);
    let mut loaded = Loaded {
        files: Vec::new(),
        summaries: Vec::new(),
        errors,
        suppressible: Vec::new(),
        packages,
        unreported: HashSet::new(),
    };
    for (i, ((mut file, keep), hidden)) in summarised
        .into_iter()
        .zip(reach.keep)
        .zip(reach.hidden.iter().copied())
        .enumerate()
    {
        if hidden {
            crates::hide_private(&mut file.summary, &reach.reexported);
        }
        if keep {
            if selected.as_ref().is_some_and(|s| !s[i]) {
                loaded.unreported.insert(file.path.clone());
            }
            let failure = file
                .failure
                .map(|e| explain_edition(e, &loaded.packages.folders));
            loaded.errors.extend(failure);
            loaded.files.push(file.path);
            loaded.summaries.push(file.summary);
            loaded.suppressible.extend(file.source);
        }
    }
    loaded
}

/// The workspace pass and the rules over the summaries of `files` (same order), sorted and
/// without duplicates.
pub fn findings_of(
    files: &[PathBuf],
    summaries: Vec<FileSummary>,
    vocab: &Vocabulary,
) -> Vec<Finding> {
    let crates = vec![None; files.len()];
    let mut workspace =
        callgraph::Workspace::with_crates(summaries, crates, crates::file_places(files), vocab);
    rules_over(&mut workspace, files)
}

/// The workspace pass and every rule, sorted, without duplicates.
fn rules_over(workspace: &mut callgraph::Workspace, files: &[PathBuf]) -> Vec<Finding> {
    let t = timings::phase("solve");
    let outcome = workspace.solve();
    drop(t);
    let _t = timings::phase("rules");
    let cx = rules::RuleCx {
        workspace,
        outcome: &outcome,
        files,
    };
    let mut findings = rules::check_all(&cx);
    free_in_background(outcome);
    sort_findings(&mut findings);
    findings.dedup_by(|a, b| a.file == b.file && a.span == b.span && a.rule.id == b.rule.id);
    findings
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

/// Debugging aid: the exported effects of every unit whose name contains `filter`, and the
/// sections found in it before exposure filtering.
pub fn debug_effects(paths: &[PathBuf], config: &Config, filter: &str) -> String {
    on_parser_pool(|| {
        let config = Config {
            cache_dir: None,
            ..config.clone()
        };
        let (files, summaries, _) = load(paths, &config);
        let workspace = callgraph::Workspace::new(summaries, &config.vocab);
        workspace.debug(filter, &files)
    })
}

/// A syntax error in a 2015-edition package says so: syn parses 2018+ Rust, and 2015
/// code (`async` as a name, trait objects without `dyn`) is the usual cause.
fn explain_edition(error: Error, packages: &[PathBuf]) -> Error {
    match error {
        Error::Syntax {
            path,
            message,
            span,
        } if crates::package_of(packages, &path)
            .is_some_and(|p| crates::edition(p) == "2015") =>
        {
            Error::Syntax {
                message: format!("{message} (the package is 2015-edition Rust; only 2018 and later syntax is analysed)"),
                path,
                span,
            }
        }
        other => other,
    }
}

/// Reads a file once and summarises it as `build` compiles it (items it leaves out are
/// blanked first, so positions stay); its text comes back, as compiled, when it parsed and
/// may hold suppressions, so `suppress` need not read it again.
fn summarize_source(
    path: &Path,
    vocab: &Vocabulary,
    cache: Option<&Cache>,
    build: Option<FileBuild<'_>>,
) -> (Result<FileSummary, Error>, Option<SourceFile>) {
    let mut source = match SourceFile::read(path) {
        Ok(source) => source,
        Err(e) => return (Err(e), None),
    };
    let compile = |text: &str| build.map_or(Compiled::Whole, |b| compiled(text, b));
    // Summaries are cached by the text as written and the build, so a hit needs no scan.
    let namespace = build.map_or_else(|| "file".to_string(), FileBuild::cache_namespace);
    let (summary, worked_out) =
        summary::read::summarize_cached(path, &source.text, &namespace, vocab, cache, compile);
    if summary.is_err() || !suppress::may_hold_directives(&source.text) {
        return (summary, None);
    }
    // Suppressions are read from what is compiled: one in code left out matches nothing.
    match worked_out.unwrap_or_else(|| compile(&source.text)) {
        Compiled::Whole => {}
        Compiled::Blanked(text) => source.text = text,
        Compiled::LeftOut => return (summary, None),
    }
    source.text.shrink_to_fit();
    (summary, Some(source))
}

/// What `build` compiles of `text`: items under a `#[cfg(..)]` that does not hold, and test
/// fns outside a test build, are left out. Only a text that names `cfg` or `test` can have
/// either, so the others are not scanned. Leaving out only spares analysing code that is
/// not built: a text the scan cannot handle is analysed whole.
fn compiled(text: &str, build: FileBuild<'_>) -> Compiled {
    if !text.contains("cfg") && !text.contains("test") {
        return Compiled::Whole;
    }
    let cfg = deps::cfg::Build {
        features: build.features.unwrap_or_default(),
        unknown_features: build.features.is_none(),
        test: build.test,
    };
    match std::panic::catch_unwind(|| deps::elide::compiled(text, &cfg)) {
        Ok(p) if p.compiled_out => Compiled::LeftOut,
        Ok(deps::elide::Prepared {
            text: Some(blanked),
            ..
        }) => Compiled::Blanked(blanked),
        Ok(_) | Err(_) => Compiled::Whole,
    }
}
