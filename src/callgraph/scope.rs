//! Module scope: the free fn a call by path names (`f(..)`, `pubsub::f(..)`,
//! `super::f(..)`) is looked up as rustc looks it up, in the caller's module: its own fns,
//! then what its `use` items bring in (names, renames, globs), following `crate`, `self`,
//! `super`, child modules and imported modules, not every fn of the crate with that name.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::{crate_name, Workspace};
use crate::summary::Import;

/// How many `use` items and globs a lookup follows (re-exports of re-exports).
const DEPTH: u8 = 4;

/// A module: where its file sits in a crate and its path there, or, for a file whose place
/// is unknown, that file and the inline modules inside it (comparable only within it).
#[derive(Hash, PartialEq, Eq, Clone, Debug)]
pub(super) struct Module {
    place: Place,
    path: Vec<String>,
}

#[derive(Hash, PartialEq, Eq, Clone, Debug)]
enum Place {
    /// A crate by its home (dependency crate, package number): see `Workspace::home_of`.
    Crate(Option<String>, u32),
    /// A file whose module in its crate is unknown.
    File(usize),
}

impl Module {
    fn root(&self) -> Option<Module> {
        matches!(self.place, Place::Crate(..)).then(|| Module {
            place: self.place.clone(),
            path: Vec::new(),
        })
    }

    fn parent(mut self) -> Option<Module> {
        self.path.pop().map(|_| self)
    }
}

/// Each file's module path and, per module, the imports written in it.
#[derive(Debug, Default)]
pub(super) struct Scopes {
    /// Per file: its module path in its crate (`None`: unknown).
    file_modules: Vec<Option<Vec<String>>>,
    /// Per module: its `use` imports, as (file, index in `Index::imports[file]`), globs
    /// first, then by name (stably: the written order within a name), so a lookup finds a
    /// name's imports by binary search.
    imports: HashMap<Module, Vec<(usize, usize)>>,
    /// The modules defining a struct or enum of each name several are defined under (see
    /// `definitions.rs`), by their numbers in `module_ids`, sorted.
    pub(super) type_modules: HashMap<String, Vec<u32>>,
    /// Those modules, numbered: a module is a path, and names shared by many types (`Error`)
    /// are defined in thousands of them.
    pub(super) module_ids: HashMap<Module, u32>,
    /// The names some `use` renames a path to: only through one can a lookup of a name no
    /// fn has find a fn.
    renamed_to: HashSet<Box<str>>,
}

impl Scopes {
    /// `scanned` gives the scanned files' modules; a dependency file's comes from its
    /// module path (`redis::aio` is `aio` in `redis`).
    pub(super) fn new(ws: &Workspace, scanned: Vec<Option<Vec<String>>>) -> Scopes {
        let mut scopes = Scopes {
            file_modules: scanned,
            imports: HashMap::default(),
            type_modules: HashMap::default(),
            module_ids: HashMap::default(),
            renamed_to: HashSet::default(),
        };
        let files = ws.file_crates.len().max(scopes.file_modules.len());
        scopes.file_modules.resize(files, None);
        for (f, module) in ws.file_crates.iter().enumerate() {
            if let Some(m) = module {
                scopes.file_modules[f] = Some(m.split("::").skip(1).map(String::from).collect());
            }
        }
        let mut files: Vec<_> = ws.index.imports.iter().collect();
        files.sort_unstable_by_key(|(&file, _)| file);
        for (&file, imports) in files {
            for (k, import) in imports.iter().enumerate() {
                scopes.renamed_to.extend(import.rename().map(Box::from));
                let module = ws.module_at(&scopes, file, &import.module);
                scopes.imports.entry(module).or_default().push((file, k));
            }
        }
        for list in scopes.imports.values_mut() {
            list.sort_by_key(|&(file, k)| ws.index.imports[&file][k].name());
        }
        for (name, defs) in ws.index.type_defs.iter().filter(|(_, d)| d.len() > 1) {
            let mut ids: Vec<u32> = defs
                .iter()
                .map(|(file, inline)| {
                    let module = ws.module_at(&scopes, *file, inline);
                    let next = scopes.module_ids.len() as u32;
                    *scopes.module_ids.entry(module).or_insert(next)
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            scopes.type_modules.insert(name.clone(), ids);
        }
        scopes
    }
}

impl Workspace {
    /// The free fns a call by `segments` in unit `caller` names in the caller's module
    /// scope, or `None` when the scope does not decide (a file whose place is unknown, a
    /// name brought in by a macro, a path through another crate).
    pub(super) fn scoped_fns(&self, caller: usize, segments: &[String]) -> Option<Vec<usize>> {
        let (name, prefix) = segments.split_last()?;
        // Each import followed looks up its own last segment, the name itself unless a
        // rename: with neither a fn nor a rename of the name (`Ok(..)`), none is found.
        let exists = |n: &str| self.index.by_free_name.contains_key(n);
        if !exists(name) && !self.scopes.renamed_to.contains(name.as_str()) {
            return None;
        }
        let from = self.unit_module(caller);
        let module = if prefix.is_empty() {
            from
        } else {
            self.path_module(&from, prefix, DEPTH)?
        };
        self.lookup(&module, name, DEPTH)
    }

    /// The fns `name` names in module `m`: its own, else what an import of that name or a
    /// glob brings in.
    fn lookup(&self, m: &Module, name: &str, depth: u8) -> Option<Vec<usize>> {
        let own = self.fns_in(m, name);
        if !own.is_empty() {
            return Some(own);
        }
        let depth = depth.checked_sub(1)?;
        for import in self.imports_named(m, Some(name)) {
            let path = import.segments();
            let Some((last, prefix)) = path.split_last() else {
                continue;
            };
            let found = self
                .path_module(m, prefix, depth)
                .and_then(|q| self.lookup(&q, last, depth));
            if found.is_some() {
                return found;
            }
        }
        let mut found = Vec::new();
        for glob in self.imports_named(m, None) {
            if let Some(q) = self
                .path_module(m, &glob.segments(), depth)
                .filter(|q| q != m)
            {
                found.extend(self.lookup(&q, name, depth).unwrap_or_default());
            }
        }
        (!found.is_empty()).then_some(found)
    }

    /// The module a path names from module `from`: `crate::a`, `self::a`, `super::a`, a
    /// module `from` imports (`use super::pubsub;` then `pubsub::f`), else a child module.
    pub(super) fn path_module<S: AsRef<str>>(
        &self,
        from: &Module,
        path: &[S],
        depth: u8,
    ) -> Option<Module> {
        let Some((first, rest)) = path.split_first() else {
            return Some(from.clone());
        };
        let first = first.as_ref();
        let mut module = match first {
            "crate" => from.root()?,
            "self" => from.clone(),
            "super" => from.clone().parent()?,
            _ => {
                let imported = self.imports_named(from, Some(first)).next();
                match imported {
                    Some(i) => self.path_module(from, &i.segments(), depth.checked_sub(1)?)?,
                    // Neither imported nor `crate`-relative: a crate this run read (`use
                    // redis::aio`), as the 2018 edition's paths name one.
                    None if self.crate_dependencies.contains_key(first) => Module {
                        place: Place::Crate(Some(first.to_string()), 0),
                        path: Vec::new(),
                    },
                    None => {
                        let mut child = from.clone();
                        child.path.push(first.to_string());
                        child
                    }
                }
            }
        };
        for segment in rest.iter().map(AsRef::as_ref) {
            if segment == "super" {
                module = module.parent()?;
            } else {
                module.path.push(segment.to_string());
            }
        }
        Some(module)
    }

    /// The crate's free fns `name` in module `m`.
    fn fns_in(&self, m: &Module, name: &str) -> Vec<usize> {
        let fns = self.index.by_free_name.get(name).into_iter().flatten();
        fns.copied()
            .filter(|&i| {
                let unit = &self.units[self.owner_fn(i)];
                self.is_module_at(unit.file, &unit.unit.module, m)
            })
            .collect()
    }

    /// The imports of module `m` that bring in `name` (`None`: its globs), in written order.
    pub(super) fn imports_named<'a>(
        &'a self,
        m: &Module,
        name: Option<&str>,
    ) -> impl Iterator<Item = &'a Import> + 'a {
        let import = |&(file, k): &(usize, usize)| &self.index.imports[&file][k];
        let all = self.scopes.imports.get(m).map_or(&[][..], Vec::as_slice);
        let start = all.partition_point(|at| import(at).name() < name);
        let named = &all[start..];
        let end = named.partition_point(|at| import(at).name() == name);
        named[..end].iter().map(import)
    }

    /// The module unit `i` is in (an `async` block: its fn's).
    pub(super) fn unit_module(&self, i: usize) -> Module {
        let unit = &self.units[self.owner_fn(i)];
        self.module_at(&self.scopes, unit.file, &unit.unit.module)
    }

    /// Whether the inline modules `inline` in file `file` are module `m`: as comparing
    /// [`Self::module_at`]'s answer, without building it (asked for every fn and type of a
    /// looked-up name).
    pub(super) fn is_module_at(&self, file: usize, inline: &[String], m: &Module) -> bool {
        match (
            &m.place,
            self.scopes.file_modules.get(file).and_then(Option::as_ref),
        ) {
            (Place::Crate(krate, package), Some(path)) => {
                let file_krate = self.file_crates.get(file).and_then(|c| c.as_deref());
                *package == self.file_packages.get(file).copied().unwrap_or(0)
                    && krate.as_deref() == file_krate.map(crate_name)
                    && m.path.len() == path.len() + inline.len()
                    && m.path.iter().eq(path.iter().chain(inline))
            }
            (Place::File(f), None) => *f == file && m.path == inline,
            _ => false,
        }
    }

    /// The module of the inline modules `inline` in file `file`.
    pub(super) fn module_at(&self, scopes: &Scopes, file: usize, inline: &[String]) -> Module {
        match scopes.file_modules.get(file).and_then(Option::as_ref) {
            Some(path) => {
                let krate = self.file_crates.get(file).and_then(|c| c.as_deref());
                let package = self.file_packages.get(file).copied().unwrap_or(0);
                Module {
                    place: Place::Crate(krate.map(|c| crate_name(c).to_string()), package),
                    path: path.iter().chain(inline).cloned().collect(),
                }
            }
            None => Module {
                place: Place::File(file),
                path: inline.to_vec(),
            },
        }
    }
}
