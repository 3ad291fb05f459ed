//! Per-function summaries: plain data extracted from one file's syntax tree.
//!
//! A [`Unit`] is one `fn`, method or `async` block. Its body is reduced to the
//! [`Node`]s the analysis cares about (awaits, calls, guards, branches, loops) in source
//! order. Summaries never hold syn nodes or `proc_macro2` spans, so the tree can be dropped
//! on the parsing thread.

pub mod bounds;
mod build;
mod macros;
pub mod read;
mod templates;

pub use build::summarize_file;

use bincode::{Decode, Encode};

use crate::source::Span;

/// Everything one file contributes to the workspace pass.
#[derive(Encode, Decode, Debug, Default, Clone)]
pub struct FileSummary {
    pub units: Vec<Unit>,
    pub structs: Vec<StructDef>,
    /// Types with a `Drop` impl in this file (drop guards).
    pub drop_types: Vec<String>,
    /// `impl Trait for Type` headers, bodies or not (blanket impls give trait methods to
    /// every type meeting their bounds).
    pub impls: Vec<ImplHeader>,
    /// `mod x;` declarations: where the module tree continues (see [`crate::crates`]).
    pub mods: Vec<ModDecl>,
    /// Paths of item-level `include!("..")`s: files whose items are part of this module.
    pub includes: Vec<String>,
    /// `type A = path::B;` items: (`A`, `B`), so a type written by its alias is known.
    pub type_aliases: Vec<(String, String)>,
    /// Those of them whose target has generic arguments (see [`AliasArgs`]).
    pub alias_args: Vec<AliasArgs>,
    /// `use a::B as C;`: (`C`, `B`). Unlike an alias, what it names is a definition.
    pub type_renames: Vec<(String, String)>,
    /// Crates the file names as a path root (`redis::`, `use redis;`), sorted: which
    /// dependencies the code can call into (see `lex::crate_names`).
    pub crate_names: Vec<String>,
    /// What `pub use` items make public again: the items they name (`pub use
    /// worker::Handle` gives `Handle`), and the modules they name whole (`pub use
    /// worker::*` and `pub use self::worker` give `worker`).
    pub reexported: Vec<String>,
    /// `use` imports (names and globs): the scope a fn call by path or a written type is
    /// looked up in (see `callgraph::scope`).
    pub imports: Vec<Import>,
}

/// One name (or glob) a `use` item brings into a module's scope. Every file has several,
/// so the path is one string and the name is kept only when it is a rename.
#[derive(Encode, Decode, Debug, Clone, PartialEq)]
pub struct Import {
    /// The inline modules around the `use` (empty: the file's own module).
    pub module: Box<[String]>,
    /// What it names (`a::f`), or for a glob the module brought in whole (`super`), its
    /// segments joined by `::`.
    path: Box<str>,
    /// `use a::f as g`: `g`.
    rename: Option<Box<str>>,
    glob: bool,
}

impl Import {
    /// `name` `None`: a glob.
    pub fn new(module: Vec<String>, name: Option<String>, path: &[String]) -> Import {
        let glob = name.is_none();
        let rename = name.filter(|n| path.last() != Some(n));
        Import {
            module: module.into_boxed_slice(),
            path: path.join("::").into(),
            rename: rename.map(String::into_boxed_str),
            glob,
        }
    }

    /// The name it brings in (`use a::f as g`: `g`); `None` for a glob.
    pub fn name(&self) -> Option<&str> {
        if self.glob {
            return None;
        }
        // A segment holds no `:`, and a char pattern is a memrchr, not a substring search:
        // every scope lookup asks each import of a module its name.
        self.rename
            .as_deref()
            .or_else(|| self.path.rsplit(':').next())
    }

    /// The name a rename brings in (`use a::f as g`: `g`).
    pub fn rename(&self) -> Option<&str> {
        self.rename.as_deref()
    }

    /// What it names, segment by segment.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split(':').filter(|s| !s.is_empty()).collect()
    }
}

/// `type A = path::G<X, ..>;`: `G`'s generic arguments, and the crate the path is named
/// through, so a `Deref` through `G` to an associated type of `X` (`Object<M>` derefs to
/// `M::Type`) is known for an `A`.
#[derive(Encode, Decode, Debug, Clone, PartialEq)]
pub struct AliasArgs {
    pub name: String,
    pub args: Vec<String>,
    pub home: Option<String>,
}

/// `impl Trait for Type {..}`, or `impl<T: Bound> Trait for T {..}` (`self_ty` None).
#[derive(Encode, Decode, Debug, Clone, PartialEq)]
pub struct ImplHeader {
    pub trait_name: String,
    pub self_ty: Option<String>,
    /// For a blanket impl: the traits its type parameter must implement.
    pub bounds: Vec<String>,
    /// `impl Deref for W { type Target = T; }`: `T`, where method calls on a `W` also look.
    pub deref_target: Option<String>,
    /// `impl<M: Manager> Deref for Object<M> { type Target = M::Type; }`: (0, `Type`), the
    /// target an associated type of the type's generic argument at that position.
    pub deref_projection: Option<(u32, String)>,
    /// `impl Manager for Pooled { type Type = Conn; }`: (`Type`, `Conn`), what a projection
    /// through this type gives.
    pub assoc_types: Vec<(String, String)>,
    /// `impl Future for GetConn { type Output = Result<Conn> }`: `Conn`, what awaiting a
    /// hand-written future gives (`pool.get_conn().await?` is a `Conn`, not a `GetConn`).
    pub future_output: Option<String>,
}

/// `mod name;`, possibly inside inline `mod a { .. }` blocks, possibly with `#[path]`.
#[derive(Encode, Decode, Debug, Clone, PartialEq)]
pub struct ModDecl {
    pub name: String,
    pub path_attr: Option<String>,
    pub inline_parents: Vec<String>,
    /// It and every inline module around it are `pub`: code outside the crate can name it.
    pub is_pub: bool,
}

/// Field types of a struct or enum, by field name (tuple fields by index).
#[derive(Encode, Decode, Debug, Clone)]
pub struct StructDef {
    pub name: String,
    /// The inline modules around it (empty: the file's own module).
    pub module: Vec<String>,
    pub fields: Vec<(String, String)>,
    /// The home crates of fields whose written type is named through one (see
    /// [`Root::ty_home`]).
    pub homes: Vec<(String, String)>,
    /// The path before the type's name, for fields whose type is written with one
    /// (`conn: crate::aio::Connection` -> `[crate, aio]`; see [`WrittenType::prefix`]).
    pub prefixes: Vec<(String, Vec<String>)>,
}

/// One function, method or `async` block.
#[derive(Encode, Decode, Debug, Clone)]
pub struct Unit {
    /// The fn's own name (for an `async` block: the enclosing fn's).
    pub name: String,
    pub self_ty: Option<String>,
    /// Its impl's self type's generic arguments as written (`impl<M, W> Pool<M, W>` ->
    /// `[M, W]`): a return type naming one is the receiver's argument at that position.
    pub self_args: Vec<String>,
    /// The path before `self_ty`'s name, as written (`impl super::Conn` -> `[super]`): with
    /// the fn's module, which definition it is. Boxed: most are empty, and every unit is held.
    pub self_prefix: Box<[String]>,
    pub trait_name: Option<String>,
    pub kind: UnitKind,
    /// Declared `pub`; cleared by the facade for a file in a module that code outside its
    /// crate cannot name, unless re-exported (`crates::hide_private`).
    pub is_pub: bool,
    /// The name of the fn (or the `async` keyword of a block).
    pub span: Span,
    /// Receiver and parameters, in call order; slot 0 is `self` when `has_self`.
    pub slots: Vec<Root>,
    pub has_self: bool,
    pub locals: Vec<Root>,
    /// For an `async` block: how many of `locals` are the enclosing unit's, captured.
    pub captured_locals: usize,
    pub body: Vec<Node>,
    /// Carries `#[cancelsafe::guard(..)]` (or a configured guard attribute).
    pub guard_attr: bool,
    /// Its docs declare it cancel safe (`# Cancel safety` section saying so).
    pub declared_safe: bool,
    /// A pool manager's check (see [`crate::vocab::Vocabulary::pool_checks`]) that compares
    /// its reply with a value its request carried, so a stale reply fails it.
    pub matches_reply: bool,
    /// The type of the value it returns, looked through `Result`/`Option`/`Box`/`Pin` and
    /// `impl Future<Output = ..>` (`-> RedisResult<aio::Connection>` -> `Connection`).
    pub ret_ty: Option<String>,
    /// `ret_ty`'s generic type arguments as written (`PooledConnection<'_, M>` -> `[M]`).
    pub ret_args: Vec<String>,
    /// The path before `ret_ty`'s name, as written (`-> crate::aio::Connection` -> `[crate,
    /// aio]`): with the fn's module, which definition it is (see [`WrittenType::prefix`]).
    /// Boxed: most are empty, and every unit is held.
    pub ret_prefix: Box<[String]>,
    /// The unit is a request handler by its shape (`#[get("/")]`, a tonic service
    /// method, `Service::call`): whoever runs it drops it on client disconnect.
    pub handler: Option<Framework>,
    /// Futures built here that a cancellation site can drop.
    pub site_roots: Vec<SiteRoot>,
    /// For a guarded fn (`guard_attr`): the cancellation sites in its body, kept after the
    /// body is freed (rule `cancellation_inside_guarded_exchange`).
    pub guarded_sites: Vec<GuardedSite>,
    /// For an `async fn` whose head (from its first token after the attributes to its
    /// name) is on one line: where a fix puts `#[cancelsafe::guard(..)]`, and what the
    /// guard needs of its signature.
    pub head: Option<Box<FnHead>>,
    /// The inline modules (`mod a { .. }`) around a fn, outermost first (empty at the
    /// file's top; for an `async` block, see its fn).
    pub module: Vec<String>,
}

/// The line an `async fn` starts on, up to its name (`    pub async fn get`): a line
/// inserted above it goes before its first token after the attributes, and a fix checks
/// the text is still there before editing.
#[derive(Encode, Decode, Debug, Clone, PartialEq)]
pub struct FnHead {
    /// From the start of the line to the end of the name.
    pub span: Span,
    /// The text at `span`: indentation (spaces and tabs only), then the head.
    pub text: String,
    /// The receiver is `&mut self` (what `state = self.field` needs).
    pub mut_self: bool,
    /// Carries an attribute that may be a macro (`#[tracing::instrument]`): one above a
    /// guard put below it expands first.
    pub other_macros: bool,
    /// The line ends with `\r\n`: a line inserted above it ends so too.
    pub crlf: bool,
    pub returns: Returns,
}

/// What an `async fn` returns, as far as the guard cares: a refusal becomes the error of
/// a `Result` whose error type converts from `cancelsafe::Interrupted`.
#[derive(Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// `io::Result<_>` or `Result<_, io::Error>`: `std::io::Error` converts.
    IoResult,
    /// Another `Result`: its error type may not convert.
    OtherResult,
    /// No `Result`: the guard needs a `fallback = ..` value.
    Other,
}

/// A cancellation site (`select!` branch, `timeout`, ...) awaited inside a guarded fn.
#[derive(Encode, Decode, Debug, Clone)]
pub struct GuardedSite {
    pub site: CancelSite,
    pub span: Span,
    /// Normalised text of the future the site can drop.
    pub text: String,
}

impl GuardedSite {
    /// The sites awaited in `body`, in source order, through branches and loops.
    pub fn collect(body: &[Node], out: &mut Vec<GuardedSite>) {
        for node in body {
            match node {
                Node::Await(a) => out.extend(a.site.map(|site| GuardedSite {
                    site,
                    span: a.span,
                    text: a.text.clone(),
                })),
                Node::Branch(arms) => {
                    let mut inner = Vec::new();
                    arms.iter().for_each(|arm| Self::collect(arm, &mut inner));
                    // The branches of one `select!` are one site: report it once, naming
                    // every future it can drop.
                    let mut select: Option<GuardedSite> = None;
                    for g in inner {
                        match &mut select {
                            Some(first) if g.site == CancelSite::Select => {
                                first.text = format!("{}`, `{}", first.text, g.text);
                            }
                            None if g.site == CancelSite::Select => select = Some(g),
                            _ => out.push(g),
                        }
                    }
                    out.extend(select);
                }
                Node::Loop(inner) => Self::collect(inner, out),
                Node::Call(_) | Node::Guard(_) => {}
            }
        }
    }
}

/// How a trait object's type is named (`dyn Client` for `Box<dyn Client + Send>`): a call on
/// it runs any impl of the trait's method.
pub const DYN_PREFIX: &str = "dyn ";

/// Names that stand for a `macro_rules!` metavariable (`fn $name`) in units summarised from a
/// macro's transcriber: such a method answers to any name its trait is called with.
pub const METAVAR_PREFIX: &str = "__cancelsafe_metavar_";

#[derive(Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    Fn {
        is_async: bool,
    },
    /// An `async` block inside unit `parent` of the same file; `spawned` when it is handed
    /// to a spawner (its own task).
    AsyncBlock {
        parent: usize,
        spawned: bool,
    },
}

/// What a root's written type says besides its name.
#[derive(Encode, Decode, Debug, Clone, PartialEq)]
pub struct WrittenType {
    pub home: Option<String>,
    pub args: Vec<String>,
    /// The path before its name, as written (`&mut crate::aio::Connection` -> `[crate,
    /// aio]`): with the module it is written in, which definition the name is.
    pub prefix: Vec<String>,
}

impl Root {
    /// The crate its written type is named through (`bb8_redis` for `&Pool` after `type
    /// Pool = bb8::Pool<M>` and `use bb8_redis::bb8`): its methods are that crate's or a
    /// crate it depends on, not another dependency's type of the same name.
    pub fn ty_home(&self) -> Option<&str> {
        self.written.as_ref()?.home.as_deref()
    }

    /// The generic arguments of its written type, by name (`&Pool<Manager, Conn>` ->
    /// `[Manager, Conn]`): what a method of `impl<M, W> Pool<M, W>` returning `W` returns.
    pub fn ty_args(&self) -> &[String] {
        self.written.as_deref().map_or(&[], |w| &w.args)
    }

    /// The path before its written type's name, as written (empty: a bare name).
    pub fn ty_prefix(&self) -> &[String] {
        self.written.as_deref().map_or(&[], |w| &w.prefix)
    }
}

/// A named thing a stream can be reached through.
#[derive(Encode, Decode, Debug, Clone)]
pub struct Root {
    pub name: Box<str>,
    pub kind: RootKind,
    /// Last path segment of its type, when written down (`&mut Connection<C>` -> `Connection`).
    pub ty: Option<Box<str>>,
    /// Its written type's home crate, generic arguments and path (see [`Root::ty_home`],
    /// [`Root::ty_args`] and [`Root::ty_prefix`]); boxed, since few roots have any and
    /// every root is held.
    pub written: Option<Box<WrittenType>>,
    /// Its type is a generic parameter, `impl Trait` or `dyn Trait`.
    pub generic: bool,
    /// Its generic type is bounded by a read-only (`AsyncRead`, `Stream`) or write-only
    /// (`AsyncWrite`, `Sink`) I/O trait: what an `async fn` does with it when its body (a
    /// macro, say) does not show it.
    pub bound_io: Option<crate::vocab::Io>,
    /// For a local with no written type: the call whose (awaited, unwrapped) result it
    /// holds, so the workspace pass can type it from the callee's return type.
    pub made_by: Option<Box<Target>>,
    /// The end byte of the last place the body names it (any expression, closure, macro
    /// argument or `async` block, an alias's mentions included): past it, nothing uses,
    /// returns, stores or hands it on.
    pub last_mention: u32,
    /// How many loops enclose its binding (0 for a parameter): an await nested deeper runs
    /// again while it lives.
    pub loop_depth: u32,
}

#[derive(Encode, Decode, Debug, Clone, PartialEq)]
pub enum RootKind {
    /// `&self`, `&mut self`, `self: Pin<&mut Self>`, `self: Arc<Self>`.
    SelfRef,
    /// `self` by value: dropped with the future.
    SelfOwned,
    /// A `&`/`&mut` parameter, or a by-value one of a shared type (guard, pooled, `Arc`).
    ParamRef,
    /// A by-value parameter: dropped with the future.
    ParamOwned,
    Local(Origin),
}

/// Where a local binding's value comes from.
#[derive(Encode, Decode, Debug, Clone, PartialEq)]
pub enum Origin {
    /// Another place (`let s = &mut self.stream`, `let (r, w) = self.stream.split()`).
    Alias(Place),
    /// A guard of a shared lock (`self.conn.lock().await`).
    LockGuard,
    /// A pooled connection (`pool.get().await`).
    Pooled,
    /// Created inside the future or moved into it.
    Owned,
}

/// A path to a value: a root plus fields (`self.inner.stream`).
#[derive(Encode, Decode, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub root: RootRef,
    pub fields: Vec<String>,
}

#[derive(Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RootRef {
    Slot(u32),
    Local(u32),
}

impl RootRef {
    /// Slot `i` (a unit's slots and locals number far below `u32::MAX`, and every
    /// [`Place`] of every body holds a `RootRef`).
    pub fn slot(i: usize) -> RootRef {
        RootRef::Slot(i as u32)
    }

    /// Local `l`.
    pub fn local(l: usize) -> RootRef {
        RootRef::Local(l as u32)
    }
}

/// The analysis-relevant skeleton of a body.
#[derive(Encode, Decode, Debug, Clone)]
pub enum Node {
    /// Boxed: awaits are a few percent of nodes, and the biggest kind.
    Await(Box<Await>),
    /// A call that is not awaited where it stands (sync calls, futures stored for later).
    Call(Call),
    /// Alternatives: `if`/`match` arms, `select!` branches.
    Branch(Vec<Vec<Node>>),
    /// A loop body (may run zero times).
    Loop(Vec<Node>),
    Guard(GuardEvent),
}

#[derive(Encode, Decode, Debug, Clone)]
pub struct Await {
    pub span: Span,
    /// Normalised source text of the awaited expression (messages, fingerprints).
    pub text: String,
    pub target: Target,
    /// Set when this await races the future against something that can drop it.
    pub site: Option<CancelSite>,
    /// For a `timeout`: what the code does when it fires, read from how the result is used.
    pub on_elapsed: OnElapsed,
    /// The awaited result is matched right here (`match x.await { .. }`, `if let Err(e) =
    /// x.await { .. }`), and its `Err` takes arm `k` of the [`Node::Branch`] that follows
    /// this await: what the code does when the call fails.
    pub err_arm: Option<u8>,
}

/// What the code does when a `timeout` fires (its `Err(Elapsed)`), read from how the awaited
/// result is used where it is awaited.
#[derive(Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnElapsed {
    /// Goes on (a `match`, a `let`, `.ok()`): what the dropped future was working on may be
    /// used again.
    #[default]
    GoesOn,
    /// Panics (`.expect(..)`, `.unwrap()`, asserted `Ok`): nothing runs on.
    Panics,
    /// Returns the error from the unit (`timeout(..).await?`, `.map_err(..)?`): what the unit
    /// owns is dropped with it.
    Returns,
    /// Goes to the next turn of the innermost loop (`Err(_) => continue`): what that turn
    /// made is dropped with it.
    Continues,
}

/// A construct that can drop a future before it completes.
#[derive(Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelSite {
    /// A `select!` branch (`tokio::select!`, `select_biased!`, `futures::select!`) or a
    /// `futures::future::select`/`select_all`/`select_ok` operand.
    Select,
    /// The future inside `timeout(d, fut)` / `fut.timeout(d)`.
    Timeout,
    /// A stored future handed by value to another awaited combinator
    /// (`token.run_until_cancelled(fut)`, `close_event.do_until(fut)`), which may finish
    /// without it.
    Handed,
    /// A `try_join!` / `try_join_all` operand: one error drops the others.
    TryJoin,
    /// A spawned task that is aborted (`JoinHandle::abort`, `AbortHandle`, a `JoinSet` or
    /// `AbortOnDropHandle` dropped).
    Abort,
    /// A request handler, dropped when the client disconnects.
    Handler(Framework),
}

/// Web and RPC frameworks whose handlers are dropped on client disconnect.
#[derive(Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Axum,
    ActixWeb,
    Warp,
    Tonic,
    Hyper,
}

impl CancelSite {
    pub fn describe(self) -> &'static str {
        match self {
            CancelSite::Select => "`select!` branch",
            CancelSite::Timeout => "`timeout`",
            CancelSite::Handed => "combinator",
            CancelSite::TryJoin => "`try_join!` operand",
            CancelSite::Abort => "aborted task",
            CancelSite::Handler(f) => f.describe(),
        }
    }

    /// Races the future against something else where it is written: the sites
    /// `cancel_unsafe_future_raced` looks at.
    pub fn races(self) -> bool {
        matches!(
            self,
            CancelSite::Select | CancelSite::Timeout | CancelSite::Handed
        )
    }
}

impl Framework {
    pub fn describe(self) -> &'static str {
        match self {
            Framework::Axum => "axum handler",
            Framework::ActixWeb => "actix-web handler",
            Framework::Warp => "warp filter",
            Framework::Tonic => "tonic service method",
            Framework::Hyper => "hyper service",
        }
    }
}

/// Futures a unit builds that a cancellation site can drop without this unit awaiting them
/// there: a handler registered with a router, a spawned task that is aborted, the `async`
/// blocks built in the arguments of `try_join_all(..)`.
#[derive(Encode, Decode, Debug, Clone)]
pub struct SiteRoot {
    pub site: CancelSite,
    /// Where the cancellation comes from (the registration, the `abort()` call).
    pub span: Span,
    pub target: Target,
}

#[derive(Encode, Decode, Debug, Clone)]
pub struct Call {
    pub span: Span,
    pub target: Target,
}

/// What an await or call invokes.
#[derive(Encode, Decode, Debug, Clone)]
pub enum Target {
    /// `recv.name(args)`.
    Method {
        recv: Option<Place>,
        recv_generic: bool,
        /// When the receiver is itself a call (`cmd("GET").arg(k).query_async(c)`): that
        /// call, so the receiver can be typed from its return type.
        recv_call: Option<Box<Target>>,
        /// When the receiver is named through a local that is a view of `recv` (`let ts =
        /// TokenStream::new(&mut self.conn)`, `let framed = self.framed()?`): that local,
        /// whose type the call is resolved by while it acts on `recv`.
        recv_view: Option<u32>,
        name: String,
        args: Vec<Option<Place>>,
    },
    /// `name(args)`, `Type::name(args)`, `Self::name(args)`.
    Path {
        segments: Vec<String>,
        args: Vec<Option<Place>>,
    },
    /// An `async` block: the unit with this index (file-local while summarising,
    /// workspace-wide after [`crate::callgraph::Workspace::new`]).
    Block(usize),
    Opaque,
}

/// A synchronous step that makes a later interruption recoverable.
#[derive(Encode, Decode, Debug, Clone)]
pub enum GuardEvent {
    /// `owner.flag = true` (later reset with `= false`): the poison-flag pattern.
    FlagSet(Place, String),
    FlagClear(Place, String),
    /// `owner.pending += 1`: owed replies counted for a lazy drain.
    Counter(Place),
    /// `owner.waiting.push_back(..)`: an owed reply queued, a guard when a drain loop of
    /// the owner's type takes from that queue (sqlx's `waiting.push_back(Waiting::Result)`).
    Queued(Place),
    /// A binding of a type that may run code on drop (`let _guard = Rollback { .. }`).
    DropGuard(String),
    /// `drop(guard)` of a local of this type: the guard's cover ends here.
    Released(String),
    /// `owner.field = value`: the old value is dropped (`self.conn = None` discards a
    /// connection; `self.conn = new` replaces it). Not a guard.
    Replaced(Place),
    /// A scope guard from a known helper (`scopeguard::guard`, `defer!`, `drop_guard()`).
    ScopeGuard,
}

impl Unit {
    /// `Type::name` for methods, `name` for free functions (`$name` for a macro template).
    pub fn display_name(&self) -> String {
        let name = self.name.replace(METAVAR_PREFIX, "$");
        match &self.self_ty {
            Some(t) => format!("{t}::{name}"),
            None => name,
        }
    }

    /// A method from a macro template whose name is a metavariable.
    pub fn is_wildcard(&self) -> bool {
        self.name.starts_with(METAVAR_PREFIX)
    }

    /// A default method of a trait: `self` is whatever type implements it.
    pub fn is_trait_default(&self) -> bool {
        self.trait_name.is_some() && self.trait_name == self.self_ty
    }

    /// `self.inner.stream`: a place as written in this unit.
    pub fn render_place(&self, place: &Place) -> String {
        let mut s = self.root(place.root).name.to_string();
        for f in &place.fields {
            s.push('.');
            s.push_str(f);
        }
        s
    }

    pub fn root(&self, r: RootRef) -> &Root {
        match r {
            RootRef::Slot(i) => &self.slots[i as usize],
            RootRef::Local(i) => &self.locals[i as usize],
        }
    }
}
