//! One scanned file's text, read once: the summary is made from it, and the suppressions
//! are read from it, instead of each stage opening the file again (and perhaps finding it
//! changed). Reports re-read a file (bounded, see `Analysis::source_reader`): keeping every
//! text until then would cost as much memory as the texts, for the few files a report shows.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Largest file analysed: 3 times the largest generated file met in 652 real crates
/// (`encoding_rs`' 2.5 MB `data.rs`); a parse takes about 100 times its text in memory.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// A file's path and its text (UTF-8, at most [`MAX_FILE_BYTES`]).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    /// Reads `path` once; an error says why it cannot be analysed (unreadable, too large,
    /// not UTF-8).
    pub fn read(path: &Path) -> Result<SourceFile, Error> {
        let text = String::from_utf8(read_bytes(path)?).map_err(|e| Error::NotUtf8 {
            path: path.to_path_buf(),
            offset: e.utf8_error().valid_up_to(),
        })?;
        Ok(SourceFile {
            path: path.to_path_buf(),
            text,
        })
    }

    /// Whether the text may hold a suppression (`// cancelsafe: allow(..)` or
    /// `cancelsafe::allow`): only such files are kept for `suppress` after parsing.
    pub fn may_suppress(&self) -> bool {
        self.text.contains("cancelsafe")
    }
}

/// The file's bytes, or [`Error::TooLarge`] past [`MAX_FILE_BYTES`] (read no further, so a
/// huge or endless file costs nothing).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    let read_error = |e: std::io::Error| Error::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    // Not a FIFO or a device: opening one would block, or read forever.
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if !meta.is_file() {
        return Err(Error::Read {
            path: path.to_path_buf(),
            message: "not a regular file".into(),
        });
    }
    let file = std::fs::File::open(path).map_err(read_error)?;
    // Sized once, as `fs::read` does: growing by doubling copies every file a few times.
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_FILE_BYTES + 1) as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(bytes)
}
