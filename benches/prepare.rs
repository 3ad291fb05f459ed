//! How dependency sources are prepared before they are parsed (`deps::prepare`), checked
//! and measured on real code: `cargo bench --bench prepare [-- PATH...]` (default: the
//! pinned bench crates).
//!
//! For every file: the prepared text must keep every byte's position, and must still
//! parse wherever the original does (blanking that broke the syntax would lose the whole
//! file's interface). Prints how much of the text is left to parse, and the parse time of
//! the originals against the prepared texts, in the same run (one thread each, so the
//! ratio is what counts on a shared machine).

mod common;

use std::path::PathBuf;
use std::time::Instant;

use cancelsafe_engine::deps::{prepare, Build};
use cancelsafe_engine::input::discover;

fn main() {
    let paths = common::paths_from_args();
    let (files, _) = discover::rust_files(&paths, &[]);
    // Parsing recurses: the same big stack the engine's pool gives its threads.
    let report = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || measure(&files))
        .expect("thread")
        .join()
        .expect("measure");
    println!("{report}");
    if report.contains("BROKEN") {
        std::process::exit(1);
    }
}

fn measure(files: &[PathBuf]) -> String {
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    // No feature is on: what `#[cfg(feature)]` leaves out varies by crate, and the check
    // is about syntax, which every choice must keep.
    let build = Build::dependency(&[]);
    let started = Instant::now();
    let prepared: Vec<String> = texts
        .iter()
        .map(|t| prepare(t, &build).text.unwrap_or_else(|| t.clone()))
        .collect();
    let prepare_secs = started.elapsed().as_secs_f64();
    let mut broken = Vec::new();
    for (i, (text, out)) in texts.iter().zip(&prepared).enumerate() {
        let moved =
            out.len() != text.len() || out.matches('\n').count() != text.matches('\n').count();
        let error = match (moved, syn::parse_file(text).is_ok(), syn::parse_file(out)) {
            (true, _, _) => Some("positions moved".to_string()),
            (false, true, Err(e)) => {
                let at = e.span().start();
                let line = out.lines().nth(at.line.saturating_sub(1)).unwrap_or("");
                Some(format!("{}:{}: {e}: `{}`", at.line, at.column, line.trim()))
            }
            _ => None,
        };
        if let Some(error) = error {
            broken.push(format!("{}: {error}", files[i].display()));
        }
    }
    let timed = |set: &[String]| {
        let started = Instant::now();
        for t in set {
            let _ = syn::parse_file(t);
        }
        started.elapsed().as_secs_f64()
    };
    let (whole, cut) = (timed(&texts), timed(&prepared));
    let visible = |set: &[String]| -> usize {
        set.iter()
            .map(|t| t.bytes().filter(|b| !b.is_ascii_whitespace()).count())
            .sum()
    };
    let mut out = format!(
        "files {}  non-blank bytes {} -> {} ({:.0}% kept)\n\
         prepare {:.2} s   parse originals {:.2} s   parse prepared {:.2} s   ratio {:.2}",
        texts.len(),
        visible(&texts),
        visible(&prepared),
        100.0 * visible(&prepared) as f64 / visible(&texts).max(1) as f64,
        prepare_secs,
        whole,
        cut,
        cut / whole
    );
    for file in &broken {
        out.push_str(&format!("\nBROKEN {file}"));
    }
    out
}
