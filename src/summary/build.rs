//! Builds [`FileSummary`]s from a parsed file: one [`Unit`] per fn, method and `async`
//! block, each body reduced to [`Node`]s in source order.
//!
//! Visitors here never descend into nested items or closures' bodies as part of the
//! enclosing unit: a nested `async` block becomes a unit of its own, as does a nested fn.
//!
//! This file holds the state ([`FileCx`] for a file, [`BodyBuilder`] for one body); the
//! work is split by what it reads:
//! - `items`: items, impls and signatures, and the file-wide facts taken from them;
//! - `exprs`: statements and expressions, in evaluation order, into nodes;
//! - `awaits`: what an await records (its target, text and cancellation site);
//! - `sites`: where futures can be dropped, and request handlers;
//! - `drain`: loops that drain replies owed on a count;
//! - `reply_check`: pool checks that tell their own reply from a stale one;
//! - `bindings`: `let` and pattern bindings, and where their values come from;
//! - `places`: the place an expression denotes;
//! - `targets`: what awaiting or calling an expression runs;
//! - `patterns`, `types`, `attrs`, `paths`: readers of those syn nodes.

use std::collections::{HashMap, HashSet};

use super::bounds::Refusal;
use super::*;
use crate::source::LineIndex;
use crate::vocab::Vocabulary;

mod attrs;
mod awaits;
mod bindings;
mod drain;
mod elapsed;
mod exprs;
mod homes;
mod items;
mod paths;
mod patterns;
mod places;
mod reply_check;
mod sites;
mod targets;
mod types;
mod wrappers;

/// Parses `text` within [`super::bounds`] and summarises every function in it.
pub fn summarize_file(text: &str, vocab: &Vocabulary) -> Result<FileSummary, Refusal> {
    let file = super::bounds::parse_file(text)?;
    let lines = LineIndex::new(text);
    let mut cx = FileCx {
        lines: &lines,
        vocab,
        out: FileSummary::default(),
        borrowing_methods: items::borrowing_methods(&file.items),
        guard_methods: items::guard_methods(&file.items, vocab),
        taking_methods: drain::taking_methods(&file.items),
        guard_wrappers: wrappers::WrapperNames::of(&file.items, vocab),
        type_homes: homes::TypeHomes::of(&file.items),
        inline_mods: Vec::new(),
        inline_private: 0,
    };
    cx.items(&file.items, &Scope::default());
    cx.out.crate_names = crate::lex::crate_names(text).into_iter().collect();
    Ok(cx.out)
}

struct FileCx<'a> {
    lines: &'a LineIndex<'a>,
    vocab: &'a Vocabulary,
    out: FileSummary,
    /// Methods of this file that return a borrow of their receiver
    /// (`async fn connection(&mut self) -> Result<&mut Conn>`): accessors.
    borrowing_methods: HashSet<String>,
    /// Methods of this file that hand back a guard their receiver shares, by name, with
    /// whether it is a pool's (`async fn conn(&self) -> Result<MutexGuard<'_, Conn>>`).
    guard_methods: HashMap<String, bool>,
    /// Methods of this file that take owed replies off a count on `self`, by the count's
    /// field (`fn handle_ready(&mut self) { self.pending -= 1 }`).
    taking_methods: HashMap<String, HashSet<String>>,
    /// Inline `mod a { .. }` blocks around the current item.
    inline_mods: Vec<String>,
    /// How many of `inline_mods` are not `pub`.
    inline_private: usize,
    /// Names `use` items and `type` aliases give guard wrapper paths.
    guard_wrappers: wrappers::WrapperNames,
    /// The crates written types are named through.
    type_homes: homes::TypeHomes,
}

/// The impl or trait a fn sits in.
#[derive(Default, Clone)]
struct Scope {
    self_ty: Option<String>,
    /// The impl's self type's generic arguments as written (`impl<M, W> Pool<M, W>` ->
    /// `[M, W]`).
    self_args: Vec<String>,
    /// The path before the self type's name (`impl super::Conn` -> `[super]`).
    self_prefix: Vec<String>,
    trait_name: Option<String>,
    generics: Vec<String>,
    in_trait_impl: bool,
    /// The impl's self type is a reference (`impl Executor for &'c mut Conn`): `self` taken
    /// by value is a borrow of a value that outlives the call.
    self_is_ref: bool,
    /// A service trait whose methods are request handlers (`impl Service<Request<B>>`).
    service: Option<Framework>,
}

/// Walks one body, appending nodes; `async` blocks met on the way become units of their own.
struct BodyBuilder<'c, 'a> {
    cx: &'c mut FileCx<'a>,
    idx: usize,
    unit: Unit,
    generics: Vec<String>,
    scopes: Vec<HashMap<String, RootRef>>,
    pending: HashMap<String, Target>,
    /// Inside the arguments of a spawner call.
    spawned: bool,
    /// Task handles bound by `let h = spawn(..)`, with the futures they run; `h.abort()`
    /// makes those futures droppable.
    spawn_handles: HashMap<String, Vec<Target>>,
    /// Roots declared with or made as a guard wrapper (`cancelsafe::Guarded`), or a pool
    /// of them.
    wrappers: HashMap<RootRef, wrappers::Wrapped>,
    /// `let r = timeout(..).await;`: `r` and the await, until the next statement (see
    /// `elapsed.rs`).
    timeout_result: Option<(String, crate::source::Span)>,
    /// How many loops enclose what is being built.
    loop_depth: u32,
}
