//! The parser pool: rayon threads whose stacks are deep enough for `syn`, which parses,
//! visits and drops trees recursively. A leaf module, so every stage that parses (the
//! summaries, the suppressions) takes its stack size from one place.

/// Stack for the parser pool's threads.
pub const PARSER_STACK: usize = 256 << 20;

/// Runs `work` on a fresh [`parser_pool`]; parallel iterators inside it use that pool.
pub fn on_parser_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    match parser_pool() {
        Some(pool) => pool.install(work),
        // No threads to be had: slower and shallower, but still an answer.
        None => work(),
    }
}

/// A thread pool whose threads have [`PARSER_STACK`]-sized stacks.
pub fn parser_pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("cancelsafe-parse-{i}"))
        .stack_size(PARSER_STACK)
        .build()
        .ok()
}
