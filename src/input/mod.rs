//! The pipeline's input: which files are scanned ([`discover`]).

pub mod discover;
