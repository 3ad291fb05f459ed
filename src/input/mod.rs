//! The pipeline's input: which files are scanned ([`discover`]), each one's text, read
//! once ([`source_file`]), the packages' manifests ([`manifest`], [`packages`]) and what
//! cargo's flags compile of them ([`build`]).

pub mod build;
pub mod discover;
pub mod manifest;
pub mod packages;
pub mod source_file;

pub use source_file::{SourceFile, MAX_FILE_BYTES};
