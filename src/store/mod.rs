//! What outlives a run, on disk: per-file and per-dependency summaries ([`cache`]) and a
//! whole run's result under a key of every input ([`memo`]).

pub mod cache;
pub mod memo;
