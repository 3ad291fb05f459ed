//! The tables resolution looks things up in, built per set of files and appended: the
//! dependencies' tables are built once, off the main thread when they can be (see
//! [`crate::callgraph::Prefetch`]), and appended to the scanned code's.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::typing::TraitIndex;
use super::UnitRef;
use crate::summary::{AliasArgs, FileSummary, Import, Node, Target, UnitKind};

/// Units of a set of files, with their lookup tables. Unit and file indices count from 0
/// within the set until it is appended to another.
#[derive(Debug, Default)]
pub struct Index {
    pub units: Vec<UnitRef>,
    /// Field types by struct name.
    pub fields: HashMap<String, HashMap<String, String>>,
    /// Home crates of field types by struct name (see [`crate::summary::Root::ty_home`]).
    pub field_homes: HashMap<String, HashMap<String, String>>,
    pub drop_types: HashSet<String>,
    pub by_method: HashMap<String, Vec<usize>>,
    /// Types with methods (impls of their own).
    pub impl_types: HashSet<String>,
    /// Methods (with or without `self`) by [`type_and_name`] of their impl's type and their
    /// name: one lookup, where names are global and a common type name has hundreds of
    /// methods. A key may collide: check the unit's type and name.
    pub by_type_and_name: HashMap<u64, Vec<usize>>,
    pub by_free_name: HashMap<String, Vec<usize>>,
    /// `async` blocks by the unit they sit in.
    pub children: HashMap<usize, Vec<usize>>,
    /// Default methods of traits whose name is a macro metavariable, by trait.
    pub wildcards: HashMap<String, Vec<usize>>,
    pub traits: TraitIndex,
    /// `type A = B;`: `A` -> `B`.
    pub aliases: HashMap<String, String>,
    /// `use a::B as C;`: `C` -> `B`.
    pub renames: HashMap<String, String>,
    /// `impl Deref for W { type Target = T }`: `W` -> `T`.
    pub derefs: HashMap<String, String>,
    /// `impl<M: Manager> Deref for Object<M> { type Target = M::Type }`: `Object` -> (0,
    /// `Type`), a target known once the argument is (see [`crate::summary::ImplHeader`]).
    pub deref_projections: HashMap<String, (u32, String)>,
    /// Associated types trait impls set, by type, with the file of the impl (names are
    /// global; the file says whose): `Manager` -> (file, `Type`, `Conn`).
    pub assoc_types: HashMap<String, Vec<(usize, String, String)>>,
    /// Aliases whose target has generic arguments, with the file of the alias: `A` ->
    /// (file, its arguments and home crate).
    pub alias_args: HashMap<String, Vec<(usize, AliasArgs)>>,
    /// `impl Future for F { type Output = O }`: `F` -> `O` (unwrapped).
    pub future_outputs: HashMap<String, String>,
    /// Per file (with any): the names and globs its `use` items bring in.
    pub imports: HashMap<usize, Vec<Import>>,
    /// Structs and enums by name: each one's file and the inline modules around it (a
    /// name defined once needs no path to tell which).
    pub type_defs: HashMap<String, Vec<(usize, Vec<String>)>>,
    /// The path before the name of field types written with one, by struct name.
    pub field_prefixes: HashMap<String, HashMap<String, Vec<String>>>,
}

impl Index {
    /// Indexes `files` (in order; file indices from 0).
    pub fn new(files: Vec<FileSummary>) -> Index {
        let mut index = Index::default();
        index.add_files(files, 0);
        index
    }

    /// Adds the units of `files` after those indexed, numbering the files from
    /// `first_file`; entries already there come first in every table.
    pub fn add_files(&mut self, files: Vec<FileSummary>, first_file: usize) {
        let first_unit = self.units.len();
        let added: usize = files.iter().map(|f| f.units.len()).sum();
        self.units.reserve(added);
        self.by_method.reserve(added);
        self.by_type_and_name.reserve(added);
        self.by_free_name.reserve(added);
        let mut impls = Vec::new();
        for (k, summary) in files.into_iter().enumerate() {
            let base = self.units.len();
            for s in summary.structs {
                if !s.homes.is_empty() {
                    let homes = self.field_homes.entry(s.name.clone()).or_default();
                    homes.extend(s.homes);
                }
                if !s.prefixes.is_empty() {
                    let prefixes = self.field_prefixes.entry(s.name.clone()).or_default();
                    prefixes.extend(s.prefixes);
                }
                let defs = self.type_defs.entry(s.name.clone()).or_default();
                defs.push((first_file + k, s.module));
                self.fields.entry(s.name).or_default().extend(s.fields);
            }
            self.drop_types.extend(summary.drop_types);
            self.aliases.extend(summary.type_aliases);
            for a in summary.alias_args {
                let entries = self.alias_args.entry(a.name.clone()).or_default();
                entries.push((first_file + k, a));
            }
            self.renames.extend(summary.type_renames);
            if !summary.imports.is_empty() {
                self.imports.insert(first_file + k, summary.imports);
            }
            for h in &summary.impls {
                if let (Some(ty), Some(target)) = (&h.self_ty, &h.deref_target) {
                    self.derefs.insert(ty.clone(), target.clone());
                }
                if let (Some(ty), Some(projection)) = (&h.self_ty, &h.deref_projection) {
                    self.deref_projections
                        .insert(ty.clone(), projection.clone());
                }
                if let (Some(ty), false) = (&h.self_ty, h.assoc_types.is_empty()) {
                    let assoc = self.assoc_types.entry(ty.clone()).or_default();
                    let set = h.assoc_types.iter().cloned();
                    assoc.extend(set.map(|(name, to)| (first_file + k, name, to)));
                }
                if let (Some(ty), Some(output)) = (&h.self_ty, &h.future_output) {
                    self.future_outputs.insert(ty.clone(), output.clone());
                }
            }
            impls.extend(summary.impls);
            for mut unit in summary.units {
                if let UnitKind::AsyncBlock { parent, .. } = &mut unit.kind {
                    *parent += base;
                }
                rebase_blocks(&mut unit.body, base);
                for r in &mut unit.site_roots {
                    if let Target::Block(b) = &mut r.target {
                        *b += base;
                    }
                }
                self.units.push(UnitRef {
                    file: first_file + k,
                    unit,
                });
            }
        }
        for (i, u) in self.units.iter().enumerate().skip(first_unit) {
            let unit = &u.unit;
            match unit.kind {
                UnitKind::Fn { .. } if unit.self_ty.is_some() => {
                    self.by_method.entry(unit.name.clone()).or_default().push(i);
                    if let Some(ty) = &unit.self_ty {
                        if !self.impl_types.contains(ty) {
                            self.impl_types.insert(ty.clone());
                        }
                        let key = type_and_name(ty, &unit.name);
                        self.by_type_and_name.entry(key).or_default().push(i);
                    }
                }
                UnitKind::Fn { .. } => self
                    .by_free_name
                    .entry(unit.name.clone())
                    .or_default()
                    .push(i),
                UnitKind::AsyncBlock { parent, .. } => {
                    self.children.entry(parent).or_default().push(i)
                }
            }
            if unit.is_wildcard() && unit.has_self && unit.is_trait_default() {
                if let Some(t) = &unit.self_ty {
                    self.wildcards.entry(t.clone()).or_default().push(i);
                }
            }
        }
        let added = self.units[first_unit..].iter().map(|u| &u.unit);
        self.traits.add(&impls, added);
    }

    /// Numbers this set's files from `first_file` instead of 0 (its files come after others
    /// in the workspace's file list).
    pub fn move_files(&mut self, first_file: usize) {
        for u in &mut self.units {
            u.file += first_file;
        }
        let files = self.alias_args.values_mut().flatten().map(|a| &mut a.0);
        let files = files.chain(self.assoc_types.values_mut().flatten().map(|a| &mut a.0));
        let files = files.chain(self.type_defs.values_mut().flatten().map(|d| &mut d.0));
        files.for_each(|file| *file += first_file);
        let imports = std::mem::take(&mut self.imports);
        self.imports = imports
            .into_iter()
            .map(|(file, i)| (file + first_file, i))
            .collect();
    }
}

/// The key of a method in [`Index::by_type_and_name`].
pub fn type_and_name(ty: &str, name: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(name.as_bytes(), xxhash_rust::xxh3::xxh3_64(ty.as_bytes()))
}

pub(super) fn rebase_blocks(nodes: &mut [Node], base: usize) {
    for n in nodes {
        match n {
            Node::Await(a) => {
                if let Target::Block(b) = &mut a.target {
                    *b += base;
                }
            }
            Node::Call(c) => {
                if let Target::Block(b) = &mut c.target {
                    *b += base;
                }
            }
            Node::Branch(arms) => arms.iter_mut().for_each(|a| rebase_blocks(a, base)),
            Node::Loop(body) => rebase_blocks(body, base),
            Node::Guard(_) => {}
        }
    }
}
