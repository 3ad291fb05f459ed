//! What every fuzz target does with its input: the whole engine over source texts.

use std::path::PathBuf;
use std::sync::OnceLock;

use cancelsafe_engine::{findings_of, parser_pool, summarize_text, Vocabulary};

/// One pool for the whole fuzzing session: making one per input would dominate the run.
static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();

/// Summarises each text as its own file, then runs the workspace pass and the rules, on
/// the same big-stack pool as `analyze`. Errors are fine; panics and overflows are not.
pub fn run_engine(texts: &[String]) {
    let vocab = Vocabulary::default();
    let pool = POOL.get_or_init(|| parser_pool().expect("parser pool"));
    pool.install(|| {
        let files: Vec<PathBuf> = (0..texts.len())
            .map(|i| PathBuf::from(format!("src/f{i}.rs")))
            .collect();
        let summaries = files
            .iter()
            .zip(texts)
            .map(|(path, text)| summarize_text(path, text, &vocab).unwrap_or_default())
            .collect();
        findings_of(&files, summaries, &vocab)
    });
}
