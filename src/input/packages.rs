//! The packages a walk found ([`Discovered::packages`](super::discover::Discovered)), each
//! with its manifest and the features a [`Build`] turns on in it, and which one a file
//! belongs to.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::build::{Build, FileBuild, Package};
use super::manifest::Manifest;

/// The scanned packages, by position.
#[derive(Debug, Default)]
pub struct Packages {
    pub folders: Vec<PathBuf>,
    manifests: Vec<Manifest>,
    /// Per package, its features under the build (empty without one).
    features: Vec<Vec<String>>,
    /// Folder to position. Folders and files come from the same walk, so a file's
    /// ancestors name its package's folder in the same form.
    by_folder: HashMap<PathBuf, usize>,
}

impl Packages {
    /// Reads the manifests of the package `folders`, and their features under `build`.
    pub fn read(folders: Vec<PathBuf>, build: Option<&Build>) -> Packages {
        let manifests: Vec<Manifest> = folders.iter().map(|f| Manifest::read(f)).collect();
        let features = manifests
            .iter()
            .map(|m| build.map(|b| b.features_of(m)).unwrap_or_default())
            .collect();
        let by_folder = folders
            .iter()
            .enumerate()
            .map(|(i, f)| (f.clone(), i))
            .collect();
        Packages {
            folders,
            manifests,
            features,
            by_folder,
        }
    }

    pub fn all(&self) -> Vec<Package<'_>> {
        (0..self.folders.len()).map(|i| self.package(i)).collect()
    }

    fn package(&self, i: usize) -> Package<'_> {
        Package {
            folder: &self.folders[i],
            manifest: &self.manifests[i],
            features: &self.features[i],
        }
    }

    /// The nearest package at or above `file`.
    pub fn of(&self, file: &Path) -> Option<Package<'_>> {
        file.ancestors()
            .skip(1)
            .find_map(|dir| self.by_folder.get(dir))
            .map(|&i| self.package(i))
    }

    /// The name of the package `file` belongs to.
    pub fn name_of(&self, file: &Path) -> Option<&str> {
        self.of(file).map(|p| p.manifest.name.as_str())
    }

    /// How `build` compiles `file`.
    pub fn file_build<'a>(&'a self, build: &Build, file: &Path) -> FileBuild<'a> {
        build.file(file, self.of(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_belongs_to_the_nearest_package_above_it() {
        let packages = Packages::read(vec!["ws".into(), "ws/inner".into()], None);
        let folder = |f: &str| packages.of(Path::new(f)).map(|p| p.folder.to_path_buf());
        assert_eq!(folder("ws/src/lib.rs"), Some("ws".into()));
        assert_eq!(folder("ws/inner/src/lib.rs"), Some("ws/inner".into()));
        assert_eq!(folder("elsewhere/a.rs"), None);
    }
}
