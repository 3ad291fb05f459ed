//! What every fuzz target does with its input: the whole engine over source texts, and the
//! preparation of dependency sources before they are parsed.

use std::path::PathBuf;
use std::sync::OnceLock;

use cancelsafe_engine::deps::{prepare, Build};
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

/// Prepares a text as a dependency's source (`deps::prepare`), checks the blanking kept
/// every position, and summarises what is left, as a dependency's files are.
pub fn run_dependency_preparation(text: &str) {
    let features = ["std".to_string(), "client".to_string()];
    let prepared = prepare(text, &Build::dependency(&features));
    let Some(blanked) = prepared.text else {
        return;
    };
    assert_eq!(blanked.len(), text.len(), "blanking moved positions");
    assert_eq!(
        blanked.matches('\n').count(),
        text.matches('\n').count(),
        "blanking moved lines"
    );
    let pool = POOL.get_or_init(|| parser_pool().expect("parser pool"));
    pool.install(|| {
        let _ = summarize_text(&PathBuf::from("dep/src/lib.rs"), &blanked, &Vocabulary::default());
    });
}
