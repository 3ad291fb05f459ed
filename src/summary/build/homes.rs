//! Type homes: the crate a written type is named through, resolved through the file's `use`
//! items and `type` aliases (`pool: &Pool` after `type Pool = bb8::Pool<M>` and `use
//! bb8_redis::bb8` is named through `bb8_redis`). Types are otherwise known by their last
//! path segment, so two dependencies' `Pool`s share one name: the home says which crate's
//! (that crate's own, or one it depends on) a call on the value can run.

use std::collections::HashMap;

use syn::{GenericArgument, Item, PathArguments, Type};

use super::paths::{path_segments, use_imports};
use super::types::{strip_group, type_args};
use crate::summary::WrittenType;
use crate::vocab::words::WRAPPERS;

/// The standard library's crates: what they define is never read, so a path into one
/// names no definition the analysis knows.
const STD_CRATES: &[&str] = &["std", "core", "alloc"];

/// First segments that name no crate of the dependency graph (besides the standard
/// library's).
const NOT_A_CRATE: &[&str] = &["crate", "self", "super", "Self"];

/// Aliases followed before giving up (`type A = B; type B = a::C;`).
const ALIAS_DEPTH: usize = 4;

/// What this file's names stand for: `use` items (`use a::b::C as D`: `D` -> `a::b::C`),
/// and `type` aliases (`type P = bb8::Pool<M>`: `P` -> `bb8::Pool`), inline modules included.
#[derive(Debug, Default)]
pub(super) struct TypeHomes {
    imports: HashMap<String, Vec<String>>,
    aliases: HashMap<String, Vec<String>>,
    /// The generic arguments an alias gives its target (`type P = Pool<M, C>` -> `[M, C]`).
    alias_args: HashMap<String, Vec<String>>,
}

impl TypeHomes {
    pub(super) fn of(items: &[Item]) -> Self {
        let mut homes = TypeHomes::default();
        homes.collect(items);
        homes
    }

    fn collect(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Use(u) => use_imports(&u.tree, &mut |name, path| {
                    self.imports.insert(name, path);
                }),
                Item::Type(t) => {
                    if let Some(path) = written_path(&t.ty) {
                        self.aliases.insert(t.ident.to_string(), path);
                    }
                    let args = type_args(&t.ty);
                    if !args.is_empty() {
                        self.alias_args.insert(t.ident.to_string(), args);
                    }
                }
                Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        self.collect(inner);
                    }
                }
                _ => {}
            }
        }
    }

    /// What `ty`'s path says besides its name: its home crate, its generic arguments and
    /// the path before its name (`None` when it says nothing).
    pub(super) fn written(&self, ty: &Type) -> Option<Box<WrittenType>> {
        let path = written_path(ty);
        let prefix = path.as_deref().map(path_prefix).unwrap_or_default();
        let (home, args) = (path.and_then(|p| self.home_of(p)), self.args(ty));
        let any = home.is_some() || !args.is_empty() || !prefix.is_empty();
        any.then(|| Box::new(WrittenType { home, args, prefix }))
    }

    /// The generic arguments of `ty` as written, or those of the alias of this file it names
    /// (`&AppPool` after `type AppPool = Pool<Manager, Conn>`).
    pub(super) fn args(&self, ty: &Type) -> Vec<String> {
        let written = type_args(ty);
        if !written.is_empty() {
            return written;
        }
        let mut path = written_path(ty);
        for _ in 0..ALIAS_DEPTH {
            let Some([one]) = path.as_deref() else {
                break;
            };
            if let Some(args) = self.alias_args.get(one) {
                return args.clone();
            }
            path = self.aliases.get(one).cloned();
        }
        Vec::new()
    }

    /// The crate `ty` is named through, when its path (once resolved) starts with one.
    pub(super) fn home(&self, ty: &Type) -> Option<String> {
        self.home_of(written_path(ty)?)
    }

    /// The crate a type written as `path` is named through.
    fn home_of(&self, mut path: Vec<String>) -> Option<String> {
        for _ in 0..ALIAS_DEPTH {
            match &path[..] {
                [one] => match self.aliases.get(one) {
                    Some(target) => path = target.clone(),
                    None => break,
                },
                _ => break,
            }
        }
        let (first, rest) = path.split_first()?;
        let full: Vec<&String> = match self.imports.get(first) {
            Some(imported) => imported.iter().chain(rest).collect(),
            None => path.iter().collect(),
        };
        match &full[..] {
            [krate, _, ..] if !NOT_A_CRATE.contains(&krate.as_str()) && !is_std(krate) => {
                Some(krate.to_string())
            }
            _ => None,
        }
    }
}

/// The path before the name of the type that holds the methods, as written (`&Arc<crate::
/// aio::Connection>` -> `[crate, aio]`); none for a type of the standard library.
pub(super) fn prefix(ty: &Type) -> Vec<String> {
    written_path(ty)
        .as_deref()
        .map(path_prefix)
        .unwrap_or_default()
}

/// The segments of `path` before the name; none for a path into the standard library.
fn path_prefix(path: &[String]) -> Vec<String> {
    match path.split_last() {
        Some((_, prefix)) if !path.first().is_some_and(|f| is_std(f)) => prefix.to_vec(),
        _ => Vec::new(),
    }
}

/// `krate` is one of the standard library's crates.
pub(super) fn is_std(krate: &str) -> bool {
    STD_CRATES.contains(&krate)
}

/// The path of the type that holds the methods, as written: through references and std
/// wrappers (`&Arc<bb8::Pool<M>>` -> `bb8::Pool`).
fn written_path(ty: &Type) -> Option<Vec<String>> {
    match strip_group(ty) {
        Type::Reference(r) => written_path(&r.elem),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            if WRAPPERS.contains(&last.ident.to_string().as_str()) {
                if let PathArguments::AngleBracketed(args) = &last.arguments {
                    if let Some(GenericArgument::Type(inner)) = args.args.first() {
                        return written_path(inner);
                    }
                }
            }
            Some(path_segments(&p.path))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home_in(file: &str, ty: &str) -> Option<String> {
        let file: syn::File = syn::parse_str(file).expect("file");
        let ty: Type = syn::parse_str(ty).expect("type");
        TypeHomes::of(&file.items).home(&ty)
    }

    #[test]
    fn a_type_is_homed_in_the_crate_its_path_starts_with() {
        let file = "use bb8_redis::{bb8, RedisConnectionManager};\n\
                    pub type Pool = bb8::Pool<RedisConnectionManager>;\n\
                    use deadpool_redis::Pool as DeadPool;";
        assert_eq!(home_in(file, "&Pool").as_deref(), Some("bb8_redis"));
        assert_eq!(
            home_in(file, "Arc<DeadPool>").as_deref(),
            Some("deadpool_redis")
        );
        assert_eq!(
            home_in(file, "&mut redis::aio::Connection").as_deref(),
            Some("redis")
        );
    }

    #[test]
    fn an_alias_of_this_file_gives_its_generic_arguments() {
        let file: syn::File =
            syn::parse_str("type Inner = Pool<Manager, Conn>; type Outer = Inner;").expect("file");
        let homes = TypeHomes::of(&file.items);
        let args = |ty: &str| homes.args(&syn::parse_str(ty).expect("type"));
        assert_eq!(args("&Outer"), ["Manager", "Conn"]);
        assert_eq!(args("Pool<A, B>"), ["A", "B"]);
        assert!(args("Other").is_empty());
    }

    #[test]
    fn a_type_of_this_crate_or_std_has_no_home() {
        let file = "use crate::conn::Conn; use std::sync::Mutex; struct Local;";
        assert_eq!(home_in(file, "&Conn"), None);
        assert_eq!(home_in(file, "&Mutex<u8>"), None);
        assert_eq!(home_in(file, "&Local"), None);
        assert_eq!(home_in(file, "T"), None);
    }
}
