//! Words of Rust and its standard library that the summaries read by name: std wrapper
//! types, `Option`/`Result` adapters, accessors, names of time, and the phrases of a
//! `# Cancel safety` doc section.
//!
//! Unlike the lists in [`super::Vocabulary`], these are fixed: they name the language's
//! and std's own vocabulary, not a library's API, so `[vocabulary]` settings do not extend
//! them (and they stay out of the cache key, which hashes the `Vocabulary`).

/// Methods that hand back (a view of) their receiver: a call through one is a call on the
/// receiver's place.
pub const ACCESSORS: &[&str] = &[
    "as_mut",
    "as_ref",
    "get_mut",
    "get_ref",
    "deref_mut",
    "deref",
    "by_ref",
    "as_pin_mut",
    "borrow_mut",
    "borrow",
    "unwrap",
    "expect",
    "get_pin_mut",
    "as_deref_mut",
    "as_deref",
    "clone",
    "split",
    "split_mut",
    "inner_mut",
    "stream_mut",
    "get_inner_mut",
    "unwrap_or_else",
];

/// Methods that unwrap or re-wrap a call's result (written after it, like `?`), looked
/// through to the call that makes the value.
pub const RESULT_ADAPTERS: &[&str] = &[
    "unwrap",
    "expect",
    "map_err",
    "context",
    "with_context",
    "unwrap_or_else",
    "ok_or",
    "ok_or_else",
    "ok",
];

/// Wrapper types looked through to find the type that has the methods.
pub const WRAPPERS: &[&str] = &[
    "Box",
    "Pin",
    "Option",
    "Arc",
    "Rc",
    "Mutex",
    "RwLock",
    "RefCell",
    "ManuallyDrop",
    "MutexGuard",
    "OwnedMutexGuard",
    "RwLockWriteGuard",
];

/// Words that, in a method's name, make it a point or span of time, not a future.
const TIME_WORDS: &[&str] = &[
    "deadline", "timeout", "duration", "instant", "delay", "elapsed", "interval",
];

/// Names of methods that make a point or span of time, not a future.
pub fn is_time_word(name: &str) -> bool {
    TIME_WORDS.iter().any(|w| name.contains(w)) || name == "now"
}

/// Phrases by which a `# Cancel safety` doc section says its fn is cancel safe.
pub const CANCEL_SAFE_PHRASES: &[&str] = &[
    "is cancel safe",
    "is cancel-safe",
    "is cancellation safe",
    "is cancellation-safe",
];
