//! Reading and summarising one file: the text parsed once, refused cleanly when it cannot
//! be, and the summary cached under the text as written and what is compiled of it.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::bounds::Refusal;
use super::FileSummary;
use crate::error::Error;
use crate::input::SourceFile;
use crate::source;
use crate::store::cache::Cache;
use crate::vocab::Vocabulary;

/// What a build compiles of a scanned file.
pub enum Compiled {
    /// All of it.
    Whole,
    /// Its text with the items left out blanked (positions kept).
    Blanked(String),
    /// Nothing: `#![cfg(..)]` at its top does not hold.
    LeftOut,
}

/// The summary of `text` (read from `path`) as `compile` says it is built, from the cache
/// under `namespace` when it is there; with what `compile` made of the text when it ran.
pub fn summarize_cached(
    path: &Path,
    text: &str,
    namespace: &str,
    vocab: &Vocabulary,
    cache: Option<&Cache>,
    compile: impl FnOnce(&str) -> Compiled,
) -> (Result<FileSummary, Error>, Option<Compiled>) {
    let key = cache.map(|c| c.key(namespace, text.as_bytes()));
    if let Some(summary) = cache.zip(key).and_then(|(c, k)| c.get(k)) {
        return (Ok(summary), None);
    }
    let compiled = compile(text);
    let summary = match &compiled {
        Compiled::Whole => summarize_text(path, text, vocab),
        Compiled::Blanked(text) => summarize_text(path, text, vocab),
        // The whole file is left out (`#![cfg(test)]`): nothing of it is analysed.
        Compiled::LeftOut => Ok(FileSummary::default()),
    };
    if let (Some(c), Some(k), Ok(s)) = (cache, key, &summary) {
        // A cache that cannot be written only costs time on the next run.
        let _ = c.put(k, s);
    }
    (summary, Some(compiled))
}

/// Summarises files in parallel (on the parser pool when called inside
/// [`on_parser_pool`]); results keep the file order.
pub fn summarize_files(
    files: &[PathBuf],
    vocab: &Vocabulary,
    cache: Option<&Cache>,
) -> Vec<Result<FileSummary, Error>> {
    files
        .par_iter()
        .map(|path| summarize_path_cached(path, vocab, cache))
        .collect()
}

/// Reads `path` once and summarises all of it, through the cache.
fn summarize_path_cached(
    path: &Path,
    vocab: &Vocabulary,
    cache: Option<&Cache>,
) -> Result<FileSummary, Error> {
    let source = SourceFile::read(path)?;
    summarize_cached(path, &source.text, "file", vocab, cache, |_| {
        Compiled::Whole
    })
    .0
}

/// Reads, checks and summarises one file. Never panics on bad input.
pub fn summarize_path(path: &Path, vocab: &Vocabulary) -> Result<FileSummary, Error> {
    let source = SourceFile::read(path)?;
    summarize_text(path, &source.text, vocab)
}

/// Summarises source text that claims to come from `path`.
pub fn summarize_text(path: &Path, text: &str, vocab: &Vocabulary) -> Result<FileSummary, Error> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        super::summarize_file(text, vocab)
    }));
    let outcome = match result {
        // A clone is allocated to size: the summary, kept for the whole run, drops the
        // spare capacity its vectors and strings grew while it was built.
        Ok(Ok(s)) => Ok(s.clone()),
        Ok(Err(Refusal::Syntax(e))) => {
            let span = source::LineIndex::new(text).span(e.span());
            Err(Error::Syntax {
                path: path.to_path_buf(),
                message: e.to_string(),
                span,
            })
        }
        Ok(Err(Refusal::TooComplex(message, at))) => Err(Error::TooComplex {
            path: path.to_path_buf(),
            message,
            span: Some(source::LineIndex::new(text).span(at)),
        }),
        Err(_) => Err(Error::TooComplex {
            path: path.to_path_buf(),
            message: "the parser gave up".into(),
            span: None,
        }),
    };
    // No span of this file is alive any more (they were converted on this thread): let
    // proc-macro2 drop the copy of the text and line table it keeps per file parsed, which
    // would otherwise grow with every file the thread parses.
    proc_macro2::extra::invalidate_current_thread_spans();
    outcome
}
