//! The pinned crates the benches run on: `benches/crates.txt`, fetched with
//! `scripts/fetch-crates.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The folders of the pinned crates, downloading them first if needed.
pub fn pinned_crates() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let list = root.join("benches/crates.txt");
    let out = Command::new("bash")
        .arg(root.join("scripts/fetch-crates.sh"))
        .arg(&list)
        .output()
        .expect("run scripts/fetch-crates.sh");
    assert!(out.status.success(), "fetch-crates.sh failed");
    let src = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    std::fs::read_to_string(&list)
        .expect("read crate list")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(name, version)| src.join(format!("{}-{}", name.trim(), version.trim())))
        .filter(|dir| {
            let ok = dir.is_dir();
            if !ok {
                eprintln!("bench: missing {}", dir.display());
            }
            ok
        })
        .collect()
}

/// The paths given on the command line (flags left out), or the pinned crates.
#[allow(dead_code)] // not every bench takes paths
pub fn paths_from_args() -> Vec<PathBuf> {
    let args: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if args.is_empty() {
        pinned_crates()
    } else {
        args
    }
}
