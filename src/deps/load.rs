//! Reading and summarising the selected dependencies' sources.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::select::ReadAhead;
use super::{cfg, discover, elide, Cache, Dependency, FileSummary, Loaded};
use crate::vocab::Vocabulary;

/// Summarises `selected` (a registry crate's summaries cached whole). The files of every
/// crate not in the cache are parsed in one parallel pass, so small crates keep both
/// threads busy. With `read_ahead` (what selection read), only what an [`Interface`] needs
/// is read ([`prepared_sources`]); without, every body, for `--include-deps`.
pub(crate) fn load_selected(
    selected: &[Dependency],
    read_ahead: Option<ReadAhead>,
    vocab: &Vocabulary,
    cache: Option<&Cache>,
) -> Loaded {
    let _t = crate::timings::phase("load dependencies");
    let namespace = if read_ahead.is_some() {
        "dep-prepared"
    } else {
        "dep"
    };
    let mut read_ahead = read_ahead;
    let mut loaded = Loaded::default();
    // Per crate: its files, and its summaries when the cache has them.
    let mut crates = Vec::with_capacity(selected.len());
    let mut texts: Vec<(PathBuf, String)> = Vec::new();
    let mut paths: Vec<PathBuf> = Vec::new();
    for dep in selected {
        let key = cache
            .zip(dep.immutable_key())
            .map(|(c, k)| c.key(namespace, k.as_bytes()));
        let cached: Option<(Vec<String>, Vec<FileSummary>)> =
            cache.zip(key).and_then(|(c, k)| c.get(k));
        if let Some((names, summaries)) = cached.filter(|(n, s)| n.len() == s.len()) {
            loaded.stats.cached += 1;
            let files = names.iter().map(|n| dep.src_dir.join(n)).collect();
            crates.push((dep, key, files, Some(summaries)));
            continue;
        }
        let files = match read_ahead.as_mut() {
            Some(ahead) => {
                let read = ahead
                    .remove(&dep.id)
                    .unwrap_or_else(|| prepared_sources(dep, read_sources(dep)));
                let files = read.iter().map(|(f, _)| f.clone()).collect();
                texts.extend(read);
                files
            }
            None => {
                let (files, _) = discover::rust_files(std::slice::from_ref(&dep.src_dir), &[]);
                paths.extend(files.iter().cloned());
                files
            }
        };
        crates.push((dep, key, files, None));
    }
    let t = crate::timings::phase("  parse dependency files");
    let mut by_file: HashMap<PathBuf, FileSummary> = HashMap::new();
    let from_texts: Vec<_> = texts
        .par_iter()
        .map(|(path, text)| crate::summary::read::summarize_text(path, text, vocab))
        .collect();
    // Path and git crates are cached per file by content; registry ones whole, below.
    let from_paths = crate::summary::read::summarize_files(&paths, vocab, cache);
    let files = texts.into_iter().map(|(p, _)| p).chain(paths);
    for (path, result) in files.zip(from_texts.into_iter().chain(from_paths)) {
        loaded.stats.failed_files += usize::from(result.is_err());
        by_file.insert(path, result.unwrap_or_default());
    }
    drop(t);
    let _t = crate::timings::phase("  store dependency summaries");
    for (dep, key, files, done) in crates {
        let summaries = done.unwrap_or_else(|| {
            let summaries: Vec<FileSummary> = files
                .iter()
                .map(|f| by_file.remove(f).unwrap_or_default())
                .collect();
            if let (Some(c), Some(k)) = (cache, key) {
                let names: Vec<String> = files
                    .iter()
                    .map(|f| {
                        f.strip_prefix(&dep.src_dir)
                            .unwrap_or(f)
                            .to_string_lossy()
                            .into_owned()
                    })
                    .collect();
                // A cache that cannot be written only costs time on the next run.
                let _ = c.put(k, &(names, summaries.clone()));
            }
            summaries
        });
        loaded.stats.crates += 1;
        loaded.stats.files += files.len();
        loaded
            .modules
            .extend(files.iter().map(|f| module_path(dep, f)));
        loaded.files.extend(files);
        loaded.summaries.extend(summaries);
    }
    loaded
}

/// Every `.rs` file of a dependency, read (an unreadable one is empty).
pub(super) fn read_sources(dep: &Dependency) -> Vec<(PathBuf, String)> {
    let files = discover::rust_files(std::slice::from_ref(&dep.src_dir), &[]).0;
    files
        .into_par_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            (f, text)
        })
        .collect()
}

/// A dependency's sources as its build compiles them and its [`Interface`] needs them
/// ([`elide::prepare`]): files of modules the build leaves out are dropped.
pub(super) fn prepared_sources(
    dep: &Dependency,
    read: Vec<(PathBuf, String)>,
) -> Vec<(PathBuf, String)> {
    let build = cfg::Build::dependency(&dep.features);
    let prepared: Vec<(PathBuf, String, elide::Prepared)> = read
        .into_par_iter()
        .map(|(path, text)| {
            // Preparing only saves time: a file it cannot handle is parsed whole.
            let prepared =
                std::panic::catch_unwind(|| elide::prepare(&text, &build)).unwrap_or_default();
            (path, text, prepared)
        })
        .collect();
    let mut left_out: Vec<PathBuf> = Vec::new();
    for (path, _, p) in &prepared {
        let dir = module_dir(path);
        if p.compiled_out {
            left_out.push(path.clone());
            if !matches!(stem(path), "lib" | "main") {
                left_out.push(dir.clone());
            }
        }
        for module in &p.dropped_modules {
            let module = module.iter().fold(dir.clone(), |d, m| d.join(m));
            left_out.push(module.with_extension("rs"));
            left_out.push(module);
        }
    }
    prepared
        .into_iter()
        .filter(|(path, _, _)| !left_out.iter().any(|l| path.starts_with(l)))
        .map(|(path, text, p)| (path, p.text.unwrap_or(text)))
        .collect()
}

fn stem(path: &Path) -> &str {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("")
}

/// Where the files of a module's `mod x;` children live: beside `lib.rs`/`mod.rs`, else in
/// the folder named after the file.
fn module_dir(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new(""));
    match stem(file) {
        "lib" | "main" | "mod" => parent.to_path_buf(),
        other => parent.join(other),
    }
}

/// `redis::aio` for `.../redis-0.22.3/src/aio.rs` (or `src/aio/mod.rs`).
fn module_path(dep: &Dependency, file: &Path) -> String {
    let mut path = dep.name.clone();
    let Ok(rel) = file.strip_prefix(&dep.src_dir) else {
        return path;
    };
    let rel = rel.with_extension("");
    for part in rel.iter().filter_map(|c| c.to_str()) {
        if !matches!(part, "lib" | "mod" | "main") {
            path.push_str("::");
            path.push_str(part);
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn modules_and_files_the_build_leaves_out_are_not_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let src = dir.path().join("src");
        let write = |rel: &str, text: &str| {
            let path = src.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "lib.rs",
            "#[cfg(feature = \"server\")]\nmod server;\nmod client;\nmod wasm;\n",
        );
        write("server.rs", "mod conn;\nasync fn serve() { x().await }");
        write("server/conn.rs", "async fn read() { y().await }");
        write(
            "client.rs",
            "#[cfg(feature = \"client\")]\nmod pool;\nmod http;",
        );
        write("client/pool.rs", "async fn get() { z().await }");
        write("client/http.rs", "pub fn plain() -> u8 { 1 }");
        write(
            "wasm.rs",
            "#![cfg(target_arch = \"wasm32\")]\nasync fn w() {}",
        );
        let dep = Dependency {
            name: "x".into(),
            package: "x".into(),
            version: "1.0.0".into(),
            source: None,
            lib_root: src.join("lib.rs"),
            src_dir: src.clone(),
            deps: Vec::new(),
            features: vec!["client".into()],
            id: "x".into(),
        };
        let kept: BTreeSet<String> = prepared_sources(&dep, read_sources(&dep))
            .into_iter()
            .map(|(path, _)| path.strip_prefix(&src).unwrap().display().to_string())
            .collect();
        let mut expected = vec!["lib.rs", "client.rs", "client/pool.rs", "client/http.rs"];
        if cfg!(target_arch = "wasm32") {
            expected.push("wasm.rs");
        }
        assert_eq!(kept, expected.into_iter().map(String::from).collect());
    }
}
