//! A content-addressed store of summaries on disk.
//!
//! Every [`Key`] hashes a salt (tool version, a fingerprint of the engine's sources, the
//! [`Vocabulary`], which summaries depend on) with a namespace and the content it stands
//! for: a file's bytes, or a dependency's `name-version-checksum`. An entry made by another
//! build or vocabulary is simply never looked up. Writes go to a temporary file that is then
//! renamed, so readers never see half an entry; an entry that does not decode (truncated,
//! corrupted, another format) is a miss, never an error.
//!
//! A scanned tree may carry a cache of its own (a committed `target/cancelsafe-cache`), so
//! no entry is trusted for being where its key says: each carries a keyed BLAKE3 MAC of
//! its key and payload under a [`Secret`] kept outside any tree (the binary's, see
//! [`set_secret`]). An entry made without the secret, or moved under another key, is a
//! miss. Authenticating costs one hash of the entry, which replaces the checksum it had.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use bincode::{Decode, Encode};
use xxhash_rust::xxh3::{xxh3_128, Xxh3};

use crate::vocab::Vocabulary;

/// Bumped when the entry layout changes.
const FORMAT: &[u8; 4] = b"CSC2";
/// Header: format, key, MAC of the three.
const HEADER_LEN: usize = 4 + 16 + blake3::OUT_LEN;
/// Bytes of a [`Secret`].
const SECRET_LEN: usize = blake3::KEY_LEN;

/// The key entries are authenticated with. Whoever knows it can forge entries: it lives
/// outside any scanned tree, readable by its user only.
#[derive(Clone, Copy)]
pub struct Secret([u8; SECRET_LEN]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// A fresh random secret.
    pub fn random() -> std::io::Result<Secret> {
        let mut bytes = [0u8; SECRET_LEN];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Secret(bytes))
    }

    /// The secret in `file`, made (mode 0600, its folder created) on first use. Another
    /// process creating it at the same time wins or loses whole: the file appears only
    /// once written, by a hard link that never replaces one.
    pub fn load_or_create(file: &Path) -> std::io::Result<Secret> {
        if let Some(found) = Self::read(file)? {
            return Ok(found);
        }
        let folder = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(folder)?;
        let secret = Self::random()?;
        let tmp = folder.join(format!(
            ".key.{}.{}.tmp",
            std::process::id(),
            next_temp_id()
        ));
        let written = private_file(&tmp).and_then(|mut f| f.write_all(&secret.0));
        let linked = written.and_then(|()| std::fs::hard_link(&tmp, file));
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(secret),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::read(file)?
                .ok_or_else(|| std::io::Error::other("the cache key file is damaged")),
            Err(e) => Err(e),
        }
    }

    /// `None` when there is no such file.
    fn read(file: &Path) -> std::io::Result<Option<Secret>> {
        match std::fs::read(file) {
            Ok(bytes) => bytes.try_into().map(|b| Some(Secret(b))).map_err(|_| {
                std::io::Error::other(format!("`{}` is not a cache key", file.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Creates `path`, which must not exist, readable and writable by its owner only.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

static SECRET: OnceLock<Secret> = OnceLock::new();

/// Sets the secret every [`Cache`] of this process authenticates with (the binary loads
/// it from the user's cache folder); the first call wins. Without one, a random secret
/// per process is used: entries outlive the process but are never trusted by another.
pub fn set_secret(secret: Secret) {
    let _ = SECRET.set(secret);
}

fn secret() -> &'static Secret {
    SECRET.get_or_init(|| {
        // No randomness to be had: a fixed secret would let a tree forge entries; the
        // clock and an address are unknown to a tree written beforehand.
        Secret::random().unwrap_or_else(|_| {
            let seed = format!("{:p}{:?}", &SECRET, std::time::SystemTime::now());
            Secret(*blake3::hash(seed.as_bytes()).as_bytes())
        })
    })
}

/// The MAC of an entry: its format, key and payload under the [`Secret`].
fn mac(key: Key, payload: &[u8]) -> blake3::Hash {
    let mut h = blake3::Hasher::new_keyed(&secret().0);
    h.update(FORMAT);
    h.update(&key.0.to_le_bytes());
    h.update(payload);
    h.finalize()
}
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
        let (stored_key, stored_mac) = rest.split_at(16);
        let stored_mac = blake3::Hash::from_bytes(stored_mac.try_into().ok()?);
        // `Hash` compares in constant time.
        if format != FORMAT || stored_key != key.0.to_le_bytes() || stored_mac != mac(key, payload)
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
        bytes.extend_from_slice(mac(key, &payload).as_bytes());
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

    #[test]
    fn an_entry_spliced_from_two_entries_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        let (buggy, clean) = (c.key("result", b"buggy"), c.key("result", b"clean"));
        c.put(buggy, &vec![1u32]).unwrap();
        c.put(clean, &Vec::<u32>::new()).unwrap();
        let header = std::fs::read(c.path(buggy)).unwrap()[..HEADER_LEN].to_vec();
        let payload = std::fs::read(c.path(clean)).unwrap()[HEADER_LEN..].to_vec();
        std::fs::write(c.path(buggy), [header, payload].concat()).unwrap();
        assert_eq!(c.get::<Vec<u32>>(buggy), None);
    }

    #[test]
    fn the_secret_is_made_once_for_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/key");
        let made = Secret::load_or_create(&file).unwrap();
        assert_eq!(Secret::load_or_create(&file).unwrap().0, made.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&file, b"short").unwrap();
        assert!(Secret::load_or_create(&file).is_err());
    }
}
