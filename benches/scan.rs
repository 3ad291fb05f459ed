//! The scale benchmark: `cargo bench --bench scan`.
//!
//! Fetches the crates pinned in `benches/crates.txt` with `scripts/fetch-crates.sh`, then
//! times, each in a child process of its own so peak memory (VmHWM) does not mix:
//! reading every file, a parse-only floor (`syn::parse_file` with span locations on the same
//! thread pool), the full analysis, and the analysis with a cold, warm and one-file-changed
//! cache: phase by phase with the summaries cached (`load` + the workspace pass), and through
//! `analyze`, the entry point the binary uses, which also stores whole results. Prints the
//! figures and whether each target of issue 6 is met. With `CANCELSAFE_TIMINGS` set, each
//! child run prints its phases on stderr, as the binary does.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use cancelsafe_engine::input::discover;
use cancelsafe_engine::store::cache::{set_secret, Secret};
use cancelsafe_engine::{analyze, findings_of, load, on_parser_pool, Config};
use rayon::prelude::*;

/// First argument of a child run.
const CHILD: &str = "--bench-child";
/// The incremental run uses the leading crates of the list up to this many lines.
const INCREMENTAL_LINES: usize = 1_000_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().position(|a| a == CHILD) {
        Some(i) => child(&args[i + 1..]),
        None => parent(),
    }
}

/// What one child run measured.
struct Run {
    files: usize,
    lines: usize,
    secs: f64,
    peak_mib: f64,
    /// For `analyze`: seconds to discover and summarise (`load`), seconds for the workspace
    /// pass (call graph and rules), and the peak MiB when `load` returned.
    phases: Option<[f64; 3]>,
}

fn parent() {
    let crates = common::pinned_crates();
    let scratch = tempfile::tempdir().expect("temp folder");

    println!("== whole list: {} crates", crates.len());
    run("read", None, &crates); // warms the page cache
    let read = run("read", None, &crates);
    let parse = run("parse", None, &crates);
    let full = run("analyze", None, &crates);
    let cache_dir = scratch.path().join("cache");
    let cold = run("analyze", Some(&cache_dir), &crates);
    let warm = run("analyze", Some(&cache_dir), &crates);
    let stored_dir = scratch.path().join("cache-entry-point");
    run("entry", Some(&stored_dir), &crates);
    let stored = run("entry", Some(&stored_dir), &crates);
    println!("files {}  lines {}", read.files, read.lines);
    row("read files", &read, read.lines);
    row("parse only", &parse, read.lines);
    row("full analysis", &full, read.lines);
    row("cold cache", &cold, read.lines);
    row("warm summaries", &warm, read.lines);
    row("warm (analyze)", &stored, read.lines);
    let ratio = full.secs / parse.secs;
    let [summarise, pass, summaries_peak] = full.phases.expect("phases of the full run");
    if !target("full / parse-only", ratio, 1.3, "x") {
        bound(&format!(
            "summarising alone {:.2}x the parse, the workspace pass {:.2}x",
            summarise / parse.secs,
            pass / parse.secs
        ));
    }
    if !target("peak memory (MiB)", full.peak_mib, 500.0, "MiB") {
        bound(&format!(
            "{summaries_peak:.0} MiB at the end of summarising (the summaries), {:.0} MiB \
             added by the workspace pass",
            full.peak_mib - summaries_peak
        ));
    }
    target("warm / read", stored.secs / read.secs, 2.0, "x");

    let tree = scratch.path().join("tree");
    let (copied, lines) = copy_leading(&crates, &tree, INCREMENTAL_LINES);
    println!("== one file changed: leading {copied} crates, {lines} lines");
    let cache_dir = scratch.path().join("cache-incremental");
    let trees = [tree.clone()];
    run("analyze", Some(&cache_dir), &trees);
    let warm = run("analyze", Some(&cache_dir), &trees);
    let changed = change_one_file(&tree);
    println!("changed {}", changed.display());
    let one = run("analyze", Some(&cache_dir), &trees);
    row("warm cache", &warm, lines);
    row("one file changed", &one, lines);
    if !target("one file changed (s)", one.secs, 0.15, "s") {
        let [load, pass, _] = one.phases.expect("phases of the one-file run");
        bound(&format!(
            "the workspace pass over the whole tree {pass:.3} s, loading every summary {load:.3} s"
        ));
    }
}

/// What a target's figure is made of (see the README for why).
fn bound(what: &str) {
    println!("       bounded by: {what}");
}

fn run(mode: &str, cache: Option<&Path>, paths: &[PathBuf]) -> Run {
    let out = Command::new(std::env::current_exe().expect("own path"))
        .arg(CHILD)
        .arg(mode)
        .arg(cache.map_or("-".into(), |c| c.display().to_string()))
        .args(paths)
        .output()
        .expect("run child");
    assert!(out.status.success(), "{mode} run failed: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let f: Vec<f64> = text
        .split_whitespace()
        .map(|x| x.parse().expect("number"))
        .collect();
    Run {
        files: f[0] as usize,
        lines: f[1] as usize,
        secs: f[2],
        peak_mib: f[3] / 1024.0,
        phases: (f.len() == 7).then(|| [f[4], f[5], f[6] / 1024.0]),
    }
}

fn row(what: &str, r: &Run, lines: usize) {
    print!(
        "{what:<18} {:>8.3} s {:>10.0} lines/s {:>7.1} MiB peak",
        r.secs,
        lines as f64 / r.secs,
        r.peak_mib
    );
    if let Some([load, pass, load_peak]) = r.phases {
        print!(
            "   (discover+summarise {load:.3} s, {load_peak:.1} MiB peak; workspace pass {pass:.3} s)"
        );
    }
    println!();
}

/// Prints whether `value` meets its target; says whether it does.
fn target(what: &str, value: f64, limit: f64, unit: &str) -> bool {
    let met = value <= limit;
    let verdict = if met { "met" } else { "MISSED" };
    println!("target {what:<22} {value:>8.2} {unit} (<= {limit} {unit}): {verdict}");
    met
}

/// Copies leading crates into `to` until `lines` lines; returns crates and lines copied.
fn copy_leading(crates: &[PathBuf], to: &Path, lines: usize) -> (usize, usize) {
    let mut total = 0;
    for (i, dir) in crates.iter().enumerate() {
        if total >= lines {
            return (i, total);
        }
        let dest = to.join(dir.file_name().expect("crate folder name"));
        for entry in walk(dir) {
            let rel = entry.strip_prefix(dir).expect("inside crate");
            let target = dest.join(rel);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::copy(&entry, &target).expect("copy");
            if entry.extension().is_some_and(|e| e == "rs") {
                total += count_lines(&std::fs::read(&entry).unwrap_or_default());
            }
        }
    }
    (crates.len(), total)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => out.extend(walk(&path)),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
    out
}

/// Appends a function to the first sizeable file of the tree; returns its path.
fn change_one_file(tree: &Path) -> PathBuf {
    let (files, _) = discover::rust_files(&[tree.to_path_buf()], &[]);
    let file = files
        .into_iter()
        .find(|f| std::fs::metadata(f).is_ok_and(|m| m.len() > 8_000))
        .expect("a file to change");
    let mut text = std::fs::read_to_string(&file).expect("read file to change");
    text.push_str("\nfn cancelsafe_bench_changed() {}\n");
    std::fs::write(&file, text).expect("write changed file");
    file
}

fn count_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// `MODE CACHE|- PATH...`: prints `files count seconds peak_kib [load_s pass_s load_peak_kib]`,
/// where count is lines (read), files parsed (parse) or findings (analyze).
fn child(args: &[String]) {
    let mode = args[0].as_str();
    let cache = (args[1] != "-").then(|| PathBuf::from(&args[1]));
    let paths: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
    // Phase timings on stderr, as the binary prints them.
    cancelsafe_engine::timings::enable(std::env::var_os("CANCELSAFE_TIMINGS").is_some());
    // Cache entries are authenticated with a secret the binary keeps per user: the child
    // runs of one cache folder share one, as runs of the binary do.
    if let Some(dir) = &cache {
        let secret = Secret::load_or_create(&dir.with_extension("key")).expect("cache secret");
        set_secret(secret);
    }
    let start = Instant::now();
    let (files, lines, phases) = on_parser_pool(|| match mode {
        "read" => read_all(&paths),
        "parse" => parse_all(&paths),
        "analyze" => analyze_phased(&paths, cache),
        "entry" => analyze_entry(&paths, cache),
        _ => panic!("unknown bench mode {mode}"),
    });
    let secs = start.elapsed().as_secs_f64();
    print!("{files} {lines} {secs} {}", peak_kib());
    if let Some([load, pass, load_peak]) = phases {
        print!(" {load} {pass} {load_peak}");
    }
    println!();
}

type Measured = (usize, usize, Option<[f64; 3]>);

fn read_all(paths: &[PathBuf]) -> Measured {
    let (files, _) = discover::rust_files(paths, &[]);
    let lines: usize = files
        .par_iter()
        .map(|f| count_lines(&std::fs::read(f).unwrap_or_default()))
        .sum();
    (files.len(), lines, None)
}

/// The floor: what parsing alone costs, spans and all, on the same pool.
fn parse_all(paths: &[PathBuf]) -> Measured {
    let (files, _) = discover::rust_files(paths, &[]);
    let parsed = files
        .par_iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            syn::parse_file(&text).is_ok()
        })
        .count();
    (files.len(), parsed, None)
}

/// `analyze`, phase by phase.
fn analyze_phased(paths: &[PathBuf], cache_dir: Option<PathBuf>) -> Measured {
    let config = Config {
        cache_dir,
        ..Config::default()
    };
    let t = Instant::now();
    let (files, summaries, _) = load(paths, &config);
    let loaded = t.elapsed().as_secs_f64();
    let loaded_peak = peak_kib() as f64;
    let findings = findings_of(&files, summaries, &config.vocab);
    let done = t.elapsed().as_secs_f64();
    (
        files.len(),
        findings.len(),
        Some([loaded, done - loaded, loaded_peak]),
    )
}

/// `analyze`, as the binary runs it: with a cache folder, an unchanged tree gets its stored
/// result.
fn analyze_entry(paths: &[PathBuf], cache_dir: Option<PathBuf>) -> Measured {
    let config = Config {
        cache_dir,
        ..Config::default()
    };
    let analysis = analyze(paths, &config);
    (analysis.files_scanned, analysis.findings.len(), None)
}

/// Peak resident memory of this process (VmHWM), KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
