//! The command line: what `cargo cancelsafe` accepts (clap), and the `-A/-W/-D` flags read
//! in the order given.

use std::path::PathBuf;

use cancelsafe_engine::gate::levels::{Level, Levels};
use cancelsafe_engine::rules;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "cargo-cancelsafe",
    bin_name = "cargo cancelsafe",
    version,
    about = "Finds cancellation-unsafe await points in async Rust",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Files or folders to scan (default: the cargo workspace around the current folder).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Cargo's spelling: `json` is `--format rustc-json` (for rust-analyzer's
    /// `check.overrideCommand`), `human` is `--format human`.
    #[arg(long, value_enum, conflicts_with = "format")]
    pub message_format: Option<MessageFormat>,
    /// Cargo.toml of the workspace to scan when no PATH is given.
    #[arg(long)]
    pub manifest_path: Option<PathBuf>,
    /// Skip paths containing this fragment (repeatable).
    #[arg(long, value_name = "FRAGMENT")]
    pub exclude_path: Vec<String>,
    /// Report only this package's findings (repeatable); every package is still analysed,
    /// since it may call into the others. Default: every package scanned.
    #[arg(
        short = 'p',
        long = "package",
        value_name = "SPEC",
        help_heading = "Package Selection"
    )]
    pub package: Vec<String>,
    /// Report every package of the workspace (the default here).
    #[arg(long, visible_alias = "all", help_heading = "Package Selection")]
    pub workspace: bool,
    /// With --workspace: do not report this package (repeatable).
    #[arg(
        long,
        value_name = "SPEC",
        requires = "workspace",
        help_heading = "Package Selection"
    )]
    pub exclude: Vec<String>,
    /// Analyse the library target.
    #[arg(long, help_heading = "Target Selection")]
    pub lib: bool,
    /// Analyse every binary target.
    #[arg(long, help_heading = "Target Selection")]
    pub bins: bool,
    /// Analyse the binary NAME (repeatable).
    #[arg(long, value_name = "NAME", help_heading = "Target Selection")]
    pub bin: Vec<String>,
    /// Analyse test code: every integration test, and `#[cfg(test)]` code and `#[test]`
    /// fns of the library and binaries.
    #[arg(long, help_heading = "Target Selection")]
    pub tests: bool,
    /// Analyse the integration test NAME (`tests/NAME.rs`; repeatable).
    #[arg(long, value_name = "NAME", help_heading = "Target Selection")]
    pub test: Vec<String>,
    /// Analyse every bench target, and the library and binaries built as benches.
    #[arg(long, help_heading = "Target Selection")]
    pub benches: bool,
    /// Analyse every example target.
    #[arg(long, help_heading = "Target Selection")]
    pub examples: bool,
    /// Analyse every target, test code included (= --lib --bins --tests --benches
    /// --examples). Default: the library and binaries, as `cargo clippy`.
    #[arg(long, help_heading = "Target Selection")]
    pub all_targets: bool,
    /// Features to turn on, comma or space separated (`x`, or `package/x`): decides which
    /// `#[cfg(feature = "..")]` code is analysed and which dependency code is read. With no
    /// feature flag, every `cfg(feature)` branch of the scanned packages is analysed.
    #[arg(
        short = 'F',
        long,
        value_name = "FEATURES",
        help_heading = "Feature Selection"
    )]
    pub features: Vec<String>,
    /// Turn on every feature of the selected packages.
    #[arg(long, help_heading = "Feature Selection")]
    pub all_features: bool,
    /// Do not turn on the `default` feature of the selected packages.
    #[arg(long, help_heading = "Feature Selection")]
    pub no_default_features: bool,
    /// Findings only: no summary lines, no notes on stderr.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also name the dependency crates read (on stderr).
    #[arg(short, long)]
    pub verbose: bool,
    /// After the findings, a count per rule (on stderr for machine formats).
    #[arg(long)]
    pub statistics: bool,
    /// Print the summaries of functions whose name contains this text (debugging).
    #[arg(long, hide = true)]
    pub debug_effects: Option<String>,
    /// Do not summarise the workspace's dependencies.
    #[arg(long)]
    pub no_deps: bool,
    /// Also report findings inside dependencies.
    #[arg(long, conflicts_with = "no_deps")]
    pub include_deps: bool,
    /// Let cargo download dependencies that are not on disk (by default nothing is
    /// fetched: they are reported, and the scan goes on without them).
    #[arg(long)]
    pub fetch: bool,
    /// Cache summaries here (default: `$CANCELSAFE_CACHE_DIR`, else, when scanning the cargo
    /// workspace (no PATH, or --manifest-path), `cancelsafe` in the user's cache folder; no
    /// cache otherwise). Never chosen by the scanned tree.
    #[arg(long, conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
    /// Summarise every file afresh and write no cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Settings file (default: `cancelsafe.toml` or `Cargo.toml` metadata, looked up from
    /// the scanned folder upward).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Drop the findings of RULE (id or code; `warnings`: every warning). Repeatable; a
    /// later -A/-W/-D wins.
    #[arg(short = 'A', long = "allow", value_name = "RULE")]
    pub allow: Vec<String>,
    /// Report RULE as a warning, which does not fail the run (`warnings`: no-op).
    #[arg(short = 'W', long = "warn", value_name = "RULE")]
    pub warn: Vec<String>,
    /// Report RULE as an error, which fails the run (`-D warnings`: every warning).
    #[arg(short = 'D', long = "deny", value_name = "RULE")]
    pub deny: Vec<String>,
    /// Record today's findings in FILE (JSON) and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Report, and fail on, only findings not recorded in FILE.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// With --baseline: rewrite FILE without the entries no finding matches any more.
    #[arg(long, requires = "baseline")]
    pub prune_baseline: bool,
    /// Report only findings on lines changed since git revision REV, or in untracked files.
    #[arg(long, value_name = "REV")]
    pub diff_base: Option<String>,
    /// Apply the fixes that are safe to make mechanically (machine-applicable), then report
    /// the findings left. Refuses (exit 2) if a file to edit has uncommitted changes or no
    /// git repository holds it.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: also edit files that have uncommitted changes.
    #[arg(long, requires = "fix")]
    pub allow_dirty: bool,
    /// With --fix: also edit files that no git repository holds.
    #[arg(long, requires = "fix")]
    pub allow_no_vcs: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the rules.
    Rules,
    /// Print a rule's documentation.
    Explain { rule: String },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum Format {
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
pub enum MessageFormat {
    Human,
    Json,
}

impl MessageFormat {
    pub fn format(self) -> Format {
        match self {
            MessageFormat::Human => Format::Human,
            MessageFormat::Json => Format::RustcJson,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// The parsed command line, and clap's matches (they keep the flags' positions), or clap's
/// error (which also carries `--help` and `--version`).
pub fn parse() -> Result<(Cli, ArgMatches), clap::Error> {
    Cli::command()
        .try_get_matches_from(args())
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)))
        .map_err(without_trailing_tip)
}

/// clap answers an unknown flag with "to pass '--release' as a value, use '-- --release'":
/// that would scan a folder named `--release`. The flag is reported as unknown, without
/// that tip (its "a similar argument exists" stays).
fn without_trailing_tip(mut error: clap::Error) -> clap::Error {
    if error.kind() == clap::error::ErrorKind::UnknownArgument {
        error.remove(clap::error::ContextKind::Suggested);
    }
    error
}

/// Every rule as `id (CODE)`, for messages about a rule name that matches none.
pub fn known_rules() -> String {
    let known: Vec<String> = rules::RULES
        .iter()
        .map(|r| format!("{} ({})", r.id, r.code))
        .collect();
    known.join(", ")
}

/// Drops the `cancelsafe` that cargo inserts when run as `cargo cancelsafe`.
fn args() -> Vec<String> {
    let mut args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "cancelsafe") {
        args.remove(1);
    }
    args
}

/// `-A/-W/-D` in command-line order, so a later flag overrides an earlier one (as clippy
/// does), on top of the config file's levels.
pub fn apply_level_flags(levels: &mut Levels, matches: &ArgMatches) -> miette::Result<()> {
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
            return Err(miette::miette!(
                help = format!(
                    "rules are named by id or code: {}, or `warnings`",
                    known_rules()
                ),
                "unknown rule `{name}` in `--{flag}`"
            ));
        };
        levels.set_rule(rule, level);
    }
    Ok(())
}
