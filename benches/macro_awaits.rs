//! How many `.await`s written inside macro invocations end up in the summaries:
//! `cargo bench --bench macro_awaits [-- [--missed] PATH...]` (default: the pinned bench
//! crates; `--missed` lists the macro awaits not analysed).
//!
//! syn leaves macro bodies as tokens; `src/summary/macros.rs` parses them. An `.await`
//! token inside a macro counts as analysed when some summarised await ends where it ends.
//! `macro_rules!` definitions are templates, not code, and are not counted.

mod common;

use std::collections::HashSet;

use cancelsafe_engine::input::discover;
use cancelsafe_engine::summary::{summarize_file, Node};
use cancelsafe_engine::{on_parser_pool, Vocabulary};
use proc_macro2::{TokenStream, TokenTree};
use rayon::prelude::*;
use syn::visit::Visit;

fn main() {
    let show_missed = std::env::args().any(|a| a == "--missed");
    let paths = common::paths_from_args();
    let (files, _) = discover::rust_files(&paths, &[]);
    let vocab = Vocabulary::default();
    let (all, seen, in_macros, analysed) = on_parser_pool(|| {
        files
            .par_iter()
            .map(|f| {
                let m = measure(&std::fs::read_to_string(f).unwrap_or_default(), &vocab);
                if show_missed {
                    for (line, column, name) in &m.missed {
                        println!("missed {}:{line}:{column} in {name}!", f.display());
                    }
                }
                (m.all, m.seen, m.in_macros, m.analysed)
            })
            .reduce(
                || (0, 0, 0, 0),
                |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3),
            )
    });
    println!("files {}", files.len());
    println!(
        "`.await`s: {all}, in the summaries: {seen} ({:.1}%)",
        pct(seen, all)
    );
    println!(
        "`.await`s inside macro invocations: {in_macros} ({:.1}% of all), analysed: {analysed} ({:.1}%)",
        pct(in_macros, all),
        pct(analysed, in_macros)
    );
}

fn pct(part: usize, whole: usize) -> f64 {
    100.0 * part as f64 / whole.max(1) as f64
}

#[derive(Default)]
struct Measure {
    all: usize,
    seen: usize,
    in_macros: usize,
    analysed: usize,
    /// Line, column and macro name of macro awaits not analysed.
    missed: Vec<(u32, u32, String)>,
}

fn measure(text: &str, vocab: &Vocabulary) -> Measure {
    let Ok(file) = syn::parse_file(text) else {
        return Measure::default();
    };
    let mut awaits = AwaitTokens::default();
    awaits.visit_file(&file);
    let mut ends = HashSet::new();
    if let Ok(summary) = summarize_file(text, vocab) {
        for unit in &summary.units {
            await_ends(&unit.body, &mut ends);
        }
    }
    let count = |v: &[(u32, u32)]| v.iter().filter(|e| ends.contains(e)).count();
    Measure {
        all: awaits.all.len(),
        seen: count(&awaits.all),
        in_macros: awaits.in_macros.len(),
        analysed: count(&awaits.in_macros),
        missed: awaits
            .in_macros
            .iter()
            .zip(&awaits.macro_names)
            .filter(|(e, _)| !ends.contains(e))
            .map(|(&(l, c), name)| (l, c, name.clone()))
            .collect(),
    }
}

fn await_ends(nodes: &[Node], out: &mut HashSet<(u32, u32)>) {
    for n in nodes {
        match n {
            Node::Await(a) => {
                out.insert((a.span.end_line, a.span.end_column));
            }
            Node::Branch(arms) => arms.iter().for_each(|arm| await_ends(arm, out)),
            Node::Loop(body) => await_ends(body, out),
            Node::Call(_) | Node::Guard(_) => {}
        }
    }
}

/// End positions (line, 1-based column) of `.await` keywords, in syntax and in macro tokens.
#[derive(Default)]
struct AwaitTokens {
    all: Vec<(u32, u32)>,
    in_macros: Vec<(u32, u32)>,
    /// The macro each of `in_macros` is in.
    macro_names: Vec<String>,
}

impl<'ast> Visit<'ast> for AwaitTokens {
    fn visit_expr_await(&mut self, e: &'ast syn::ExprAwait) {
        self.all.push(end_of(e.await_token.span));
        syn::visit::visit_expr_await(self, e);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if m.path.is_ident("macro_rules") {
            return;
        }
        let before = self.in_macros.len();
        tokens(m.tokens.clone(), &mut self.in_macros);
        self.all.extend_from_slice(&self.in_macros[before..]);
        let name = m.path.segments.last().map(|s| s.ident.to_string());
        let added = self.in_macros.len() - before;
        self.macro_names
            .extend(std::iter::repeat_n(name.unwrap_or_default(), added));
    }
}

fn tokens(ts: TokenStream, out: &mut Vec<(u32, u32)>) {
    let mut after_dot = false;
    for tt in ts {
        match &tt {
            TokenTree::Ident(id) if after_dot && id == "await" => out.push(end_of(id.span())),
            TokenTree::Group(g) => tokens(g.stream(), out),
            _ => {}
        }
        after_dot = matches!(&tt, TokenTree::Punct(p) if p.as_char() == '.');
    }
}

fn end_of(span: proc_macro2::Span) -> (u32, u32) {
    let end = span.end();
    (end.line as u32, end.column as u32 + 1)
}
