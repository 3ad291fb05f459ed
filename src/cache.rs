//! A content-addressed store of summaries on disk.
//!
//! Every [`Key`] hashes a salt (tool version, a fingerprint of the engine's sources, the
//! [`Vocabulary`], which summaries depend on) with a namespace and the content it stands
//! for: a file's bytes, or a dependency's `name-version-checksum`. An entry made by another
//! build or vocabulary is simply never looked up. Writes go to a temporary file that is then
//! renamed, so readers never see half an entry; an entry that does not decode (truncated,
//! corrupted, another format) is a miss, never an error.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bincode::{Decode, Encode};
use xxhash_rust::xxh3::{xxh3_128, xxh3_64, Xxh3};

use crate::vocab::Vocabulary;

/// Bumped when the entry layout changes.
const FORMAT: &[u8; 4] = b"CSC1";
/// Header: format, key, payload checksum.
const HEADER_LEN: usize = 4 + 16 + 8;
/// Largest payload decoded: a corrupted length prefix must not allocate without bound.
const DECODE_LIMIT: usize = 1 << 28;

/// Identifies one cache entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(u128);

impl Key {
    fn hex(self) -> String {
        format!("{:032x}", self.0)
    }
}

/// A cache folder (created on first write).
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    salt: u128,
}

impl Cache {
    pub fn new(dir: impl Into<PathBuf>, vocab: &Vocabulary) -> Self {
        let mut h = Xxh3::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(env!("CANCELSAFE_SOURCE_HASH").as_bytes());
        // Every field of `Vocabulary` is a `Vec`, so its `Debug` text is deterministic.
        h.update(format!("{vocab:?}").as_bytes());
        Cache {
            dir: dir.into(),
            salt: h.digest128(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key for `content` within `namespace` (`"file"`, `"dep"`, ...).
    pub fn key(&self, namespace: &str, content: &[u8]) -> Key {
        let mut h = Xxh3::new();
        h.update(&self.salt.to_le_bytes());
        h.update(&(namespace.len() as u64).to_le_bytes());
        h.update(namespace.as_bytes());
        h.update(&xxh3_128(content).to_le_bytes());
        Key(h.digest128())
    }

    /// The stored value, if there is a readable, intact one.
    pub fn get<T: Decode<()>>(&self, key: Key) -> Option<T> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        if bytes.len() < HEADER_LEN {
            return None;
        }
        let (header, payload) = bytes.split_at(HEADER_LEN);
        let (format, rest) = header.split_at(4);
        let (stored_key, checksum) = rest.split_at(16);
        if format != FORMAT
            || stored_key != key.0.to_le_bytes()
            || checksum != xxh3_64(payload).to_le_bytes()
        {
            return None;
        }
        let config = bincode::config::standard().with_limit::<DECODE_LIMIT>();
        let (value, read) = bincode::decode_from_slice(payload, config).ok()?;
        (read == payload.len()).then_some(value)
    }

    /// Stores `value`; concurrent writers of one key each rename a whole entry into place.
    pub fn put<T: Encode>(&self, key: Key, value: &T) -> std::io::Result<()> {
        let payload = bincode::encode_to_vec(value, bincode::config::standard())
            .map_err(std::io::Error::other)?;
        let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
        bytes.extend_from_slice(FORMAT);
        bytes.extend_from_slice(&key.0.to_le_bytes());
        bytes.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        let path = self.path(key);
        let shard = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(shard)?;
        let tmp = shard.join(format!(
            ".{}.{}.{}.tmp",
            key.hex(),
            std::process::id(),
            next_temp_id()
        ));
        std::fs::write(&tmp, &bytes)?;
        let renamed = std::fs::rename(&tmp, &path);
        if renamed.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        renamed
    }

    /// Notes `key` under `name` (the last dependency set solved), for [`Cache::recall`].
    pub fn remember(&self, name: &str, key: Key) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            next_temp_id()
        ));
        std::fs::write(&tmp, key.0.to_le_bytes())?;
        std::fs::rename(&tmp, self.dir.join(name))
    }

    /// The key last noted under `name`.
    pub fn recall(&self, name: &str) -> Option<Key> {
        let bytes = std::fs::read(self.dir.join(name)).ok()?;
        Some(Key(u128::from_le_bytes(bytes.try_into().ok()?)))
    }

    /// `<dir>/<first two hex digits>/<key>.bin`: shards keep folders small.
    fn path(&self, key: Key) -> PathBuf {
        let hex = key.hex();
        self.dir.join(&hex[..2]).join(format!("{hex}.bin"))
    }
}

/// Distinguishes temporary files of threads writing the same key.
fn next_temp_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path) -> Cache {
        Cache::new(dir, &Vocabulary::default())
    }

    #[test]
    fn round_trips_and_misses_other_content() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        let key = c.key("file", b"fn a() {}");
        c.put(key, &vec![1u32, 2, 3]).unwrap();
        assert_eq!(c.get::<Vec<u32>>(key), Some(vec![1, 2, 3]));
        assert_eq!(c.get::<Vec<u32>>(c.key("file", b"fn b() {}")), None);
        assert_ne!(key, c.key("dep", b"fn a() {}"));
    }

    #[test]
    fn remembers_the_last_key_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        assert_eq!(c.recall("last"), None);
        let key = c.key("dep", b"set");
        c.remember("last", key).unwrap();
        assert_eq!(c.recall("last"), Some(key));
        std::fs::write(dir.path().join("last"), b"short").unwrap();
        assert_eq!(c.recall("last"), None);
    }

    #[test]
    fn another_vocabulary_gives_other_keys() {
        let dir = tempfile::tempdir().unwrap();
        let mut vocab = Vocabulary::default();
        vocab.writes.push("send_frame".into());
        let other = Cache::new(dir.path(), &vocab);
        assert_ne!(cache(dir.path()).key("file", b"x"), other.key("file", b"x"));
    }

    #[test]
    fn corrupted_or_truncated_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        let key = c.key("file", b"content");
        c.put(key, &vec![7u64; 100]).unwrap();
        let path = c.path(key);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(c.get::<Vec<u64>>(key), None);
        std::fs::write(&path, &bytes[..HEADER_LEN - 3]).unwrap();
        assert_eq!(c.get::<Vec<u64>>(key), None);
        std::fs::write(&path, b"").unwrap();
        assert_eq!(c.get::<Vec<u64>>(key), None);
    }
}
