//! Reading and indexing the last run's solved dependencies while `cargo metadata` runs. Which
//! dependencies a run needs is known only after the workspace is found and summarised, but
//! it is almost always the set the last run needed: decoding that one on a spare thread
//! hides the cost of dependencies in a warm run behind the `cargo metadata` call.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::interface::{Interface, SolvedDependencies};
use crate::store::cache::{Cache, Key};
use crate::vocab::Vocabulary;

/// Where the key of the last dependency set solved is noted, in the cache folder.
pub(super) const LAST_SET: &str = "last-dependency-set";

/// A decode running on its own thread.
pub struct Prefetch {
    dir: PathBuf,
    handle: JoinHandle<Option<(Key, SolvedDependencies)>>,
}

impl Prefetch {
    /// Starts decoding the dependency set last solved with cache folder `dir`.
    pub fn start(dir: PathBuf) -> Prefetch {
        let cache = Cache::new(&dir, &Vocabulary::default());
        let handle = std::thread::spawn(move || {
            let _t = crate::timings::phase("decode and index the last dependency set (ahead)");
            let key = cache.recall(LAST_SET)?;
            let interface: Interface = cache.get(key)?;
            Some((key, interface.index()))
        });
        Prefetch { dir, handle }
    }

    /// The decoded set, if it came from `cache_dir` (the guess of the folder was right).
    pub fn finish(self, cache_dir: Option<&Path>) -> Prefetched {
        let found = self.handle.join().ok().flatten();
        let same = cache_dir.is_some_and(|d| same_path(d, &self.dir));
        Prefetched(Arc::new(Mutex::new(found.filter(|_| same))))
    }
}

/// A decoded dependency set waiting to be used (see [`crate::deps::interface`]).
#[derive(Debug, Clone, Default)]
pub struct Prefetched(Arc<Mutex<Option<(Key, SolvedDependencies)>>>);

impl Prefetched {
    /// The set, when it is the one with `key`.
    pub(super) fn take(&self, key: Key) -> Option<SolvedDependencies> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match slot.take() {
            Some((k, interface)) if k == key => Some(interface),
            _ => None,
        }
    }
}

fn same_path(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}
