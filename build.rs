//! Fingerprints the engine's sources into `CANCELSAFE_SOURCE_HASH`, so cached summaries
//! (`src/store/cache.rs`) made by another build of the engine are never reused, even when the
//! version number did not change. Also records the target triple the engine is built for.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src");
    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.sort();
    // FNV-1a over paths and contents: stable across builds and platforms, no dependency.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_default();
        for b in path.to_string_lossy().bytes().chain(bytes) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=CANCELSAFE_SOURCE_HASH={hash:016x}");
    // The platform whose `[target.'cfg(..)'.dependencies]` apply (src/deps/cfg.rs).
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=CANCELSAFE_HOST={target}");
    // Its default target features, which cfg-expr's target table does not hold (src/deps/cfg.rs).
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    println!("cargo:rustc-env=CANCELSAFE_TARGET_FEATURES={features}");
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
