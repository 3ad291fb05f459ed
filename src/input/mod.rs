//! The pipeline's input: which files are scanned ([`discover`]), and each one's text, read
//! once ([`source_file`]).

pub mod discover;
pub mod source_file;

pub use source_file::{SourceFile, MAX_FILE_BYTES};
