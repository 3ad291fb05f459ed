//! What the engine knows about names it cannot see into: I/O methods of tokio, futures and
//! tokio-util, future combinators that only forward, spawners, locks and pools.
//!
//! Kept as data so config can extend it (see [`VocabularyExtension`] and
//! [`Vocabulary::declare_cancel_fact`]). The fixed words of Rust and std that summaries
//! read by name are in [`words`], which config does not extend.

use serde::Deserialize;

mod cancel;
pub mod words;

pub use cancel::{CancelFact, Cost, Verdict};

/// Direction of an I/O call on a stream.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, bincode::Encode, bincode::Decode,
)]
pub enum Io {
    Write,
    Read,
}

/// Names the engine classifies without a body to look at.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub writes: Vec<String>,
    pub reads: Vec<String>,
    /// Future adapters whose output future does what their input does (`timeout(d, f)`,
    /// `f.boxed()`); the analysis looks through them.
    pub transparent: Vec<String>,
    /// Calls that move a future onto another task, where the caller's cancellation cannot
    /// reach it.
    pub spawners: Vec<String>,
    /// Awaited methods that hand out a guard of a shared lock.
    pub locks: Vec<String>,
    /// Awaited methods that hand out a pooled connection.
    pub pools: Vec<String>,
    /// Pool managers' checks (`Trait::method`): the pool runs them on a connection it owns
    /// and drops the connection when the check fails or is interrupted.
    pub pool_checks: Vec<String>,
    /// Type names whose values, even when held by value, belong to something that outlives
    /// the future (a lock guard, a pooled object, a shared handle).
    pub shared_types: Vec<String>,
    /// Attribute paths (last segments) that mark a function as guarded.
    pub guard_attributes: Vec<String>,
    /// Functions whose result, bound with `let`, guards the rest of the scope when dropped
    /// (`scopeguard::guard(..)`).
    pub guard_functions: Vec<String>,
    /// What dropping a pending call of a library method costs, with its citation.
    pub cancel_facts: Vec<CancelFact>,
}

/// Names a config file adds to the defaults (`[vocabulary]` in `cancelsafe.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VocabularyExtension {
    /// Methods that write to a stream.
    #[serde(default)]
    pub write_methods: Vec<String>,
    /// Methods that read a reply from a stream.
    #[serde(default)]
    pub read_methods: Vec<String>,
    /// Types whose values are shared streams even when held by value.
    #[serde(default)]
    pub stream_types: Vec<String>,
    /// Attributes (last path segment) that mark a fn as guarded.
    #[serde(default)]
    pub guard_attributes: Vec<String>,
    /// Functions that return a scope guard.
    #[serde(default)]
    pub guard_functions: Vec<String>,
    /// Pool managers' checks (`Trait::method`) run on connections the pool discards when
    /// the check is dropped.
    #[serde(default)]
    pub pool_checks: Vec<String>,
}

const WRITES: &[&str] = &[
    "write",
    "write_all",
    "write_buf",
    "write_all_buf",
    "write_vectored",
    "write_fmt",
    "flush",
    "write_u8",
    "write_i8",
    "write_u16",
    "write_i16",
    "write_u32",
    "write_i32",
    "write_u64",
    "write_i64",
    "write_u128",
    "write_i128",
    "write_f32",
    "write_f64",
    "write_u16_le",
    "write_i16_le",
    "write_u32_le",
    "write_i32_le",
    "write_u64_le",
    "write_i64_le",
    "write_u128_le",
    "write_i128_le",
    "write_f32_le",
    "write_f64_le",
    "send",
    "feed",
    "send_all",
    "send_message",
    "send_frame",
    "write_frame",
    "write_packet",
    "send_packet",
];

const READS: &[&str] = &[
    "read",
    "read_exact",
    "read_buf",
    "read_u8",
    "read_i8",
    "read_u16",
    "read_i16",
    "read_u32",
    "read_i32",
    "read_u64",
    "read_i64",
    "read_u128",
    "read_i128",
    "read_f32",
    "read_f64",
    "read_u16_le",
    "read_i16_le",
    "read_u32_le",
    "read_i32_le",
    "read_u64_le",
    "read_i64_le",
    "read_u128_le",
    "read_i128_le",
    "read_f32_le",
    "read_f64_le",
    "read_line",
    "read_until",
    "read_to_end",
    "read_to_string",
    "fill_buf",
    "next",
    "try_next",
    "next_line",
    "read_frame",
    "read_packet",
    "recv_frame",
    "recv_packet",
    "read_message",
    "recv_message",
    "read_response",
    "read_reply",
];

const TRANSPARENT: &[&str] = &[
    "timeout",
    "timeout_at",
    "boxed",
    "boxed_local",
    "pin",
    "instrument",
    "in_current_span",
    "with_subscriber",
    "map_err",
    "map_ok",
    "err_into",
    "ok_into",
    "inspect_err",
    "fuse",
    "catch_unwind",
    "compat",
    "into_future",
];

const SPAWNERS: &[&str] = &[
    "spawn",
    "spawn_local",
    "spawn_blocking",
    "spawn_on",
    "spawn_local_on",
    "spawn_with_handle",
    "spawn_ok",
    "spawn_obj",
];

const LOCKS: &[&str] = &[
    "lock",
    "lock_owned",
    "write",
    "read",
    "write_owned",
    "read_owned",
    "upgradable_read",
    "borrow_mut",
];

const POOLS: &[&str] = &[
    "get",
    "get_owned",
    "acquire",
    "get_conn",
    "get_connection",
    "checkout",
    "timeout_get",
    "try_get",
    "dedicated_connection",
    "get_timeout",
];

const SHARED_TYPES: &[&str] = &[
    "MutexGuard",
    "OwnedMutexGuard",
    "RwLockWriteGuard",
    "RwLockReadGuard",
    "MappedMutexGuard",
    "PooledConnection",
    "PoolConnection",
    "Pooled",
    "Object",
    "Arc",
    "Rc",
    "RefMut",
];

/// Channel ends (tokio's and futures' `mpsc`, `broadcast`, `watch`, `oneshot`; `flume`,
/// `async-channel`, std's `SyncSender`): a `send` or `recv`/`next` on one moves a whole
/// message or none (tokio documents their cancel safety), so it is never a connection's write
/// or read.
const CHANNEL_TYPES: &[&str] = &[
    "Sender",
    "Receiver",
    "UnboundedSender",
    "UnboundedReceiver",
    "SyncSender",
];

/// deadpool's `Manager::recycle`, bb8's `ManageConnection::is_valid`, mobc's
/// `Manager::check`: a check dropped half-way drops the connection with it.
const POOL_CHECKS: &[&str] = &[
    "Manager::recycle",
    "Manager::check",
    "ManageConnection::is_valid",
];

const GUARD_ATTRIBUTES: &[&str] = &["guard"];

/// Wrapper types that run a whole exchange of a connection the code does not own under a
/// mark, and discard the connection when the exchange is dropped: (crate, type, method).
/// `cancelsafe::Guarded::exchange(|c| c.get(key))` is guarded whatever the closure calls.
const GUARD_WRAPPERS: &[(&str, &str, &str)] = &[("cancelsafe", "Guarded", "exchange")];

/// Pool managers whose pools hand out a guard wrapper: (module, type, wrapper type).
/// A checkout of a `bb8::Pool<cancelsafe::bb8::GuardedManager<M>>` is a `Guarded`.
const GUARD_WRAPPER_MANAGERS: &[(&str, &str, &str)] = &[
    ("cancelsafe::bb8", "GuardedManager", "Guarded"),
    ("cancelsafe::deadpool", "GuardedManager", "Guarded"),
];

/// Pool checkouts whose `Deref` target is an associated type of their manager argument,
/// for when the pool's source is not read: (crate, type, argument position, associated
/// type, source). A `deadpool::managed::Object<Mgr>` derefs to `Mgr`'s `Type`.
const POOL_GUARD_TARGETS: &[(&str, &str, u32, &str, &str)] = &[
    (
        "bb8",
        "PooledConnection",
        0,
        "Connection",
        "bb8-0.8.6/src/api.rs:446",
    ),
    (
        "deadpool",
        "Object",
        0,
        "Type",
        "deadpool-0.9.5/src/managed/mod.rs:236",
    ),
];

const GUARD_FUNCTIONS: &[&str] = &["guard", "guard_on_unwind", "guard_on_success"];

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary {
            writes: owned(WRITES),
            reads: owned(READS),
            transparent: owned(TRANSPARENT),
            spawners: owned(SPAWNERS),
            locks: owned(LOCKS),
            pools: owned(POOLS),
            pool_checks: owned(POOL_CHECKS),
            shared_types: owned(SHARED_TYPES),
            guard_attributes: owned(GUARD_ATTRIBUTES),
            guard_functions: owned(GUARD_FUNCTIONS),
            cancel_facts: cancel::builtin(),
        }
    }
}

impl Vocabulary {
    /// A pool manager's check of a connection the pool discards if the check is dropped.
    pub fn is_pool_check(&self, trait_name: &str, method: &str) -> bool {
        self.pool_checks
            .iter()
            .any(|c| c.split_once("::") == Some((trait_name, method)))
    }

    /// The `Deref` target of pool checkout `ty` named through crate `home` (the pool crate,
    /// or one named after it that re-exports it, `bb8_redis`): (argument position,
    /// associated type), as [`POOL_GUARD_TARGETS`] gives it.
    pub fn pool_guard_target(&self, home: &str, ty: &str) -> Option<(u32, &'static str)> {
        POOL_GUARD_TARGETS
            .iter()
            .find_map(|&(krate, t, at, assoc, _)| {
                let named = home == krate
                    || home
                        .strip_prefix(krate)
                        .is_some_and(|rest| rest.starts_with('_'));
                (named && t == ty).then_some((at, assoc))
            })
    }

    /// `ty` is the name of a pool checkout in [`POOL_GUARD_TARGETS`], whatever its crate.
    pub fn is_pool_guard_type(&self, ty: &str) -> bool {
        POOL_GUARD_TARGETS.iter().any(|&(_, t, ..)| t == ty)
    }

    /// `krate::ty` is a guard wrapper type.
    pub fn is_guard_wrapper_type(&self, krate: &str, ty: &str) -> bool {
        GUARD_WRAPPERS
            .iter()
            .any(|&(k, t, _)| k == krate && t == ty)
    }

    /// The guard wrapper type that pools of the manager `module::ty` hand out.
    pub fn guard_wrapper_manager(&self, module: &str, ty: &str) -> Option<&'static str> {
        GUARD_WRAPPER_MANAGERS
            .iter()
            .find(|&&(m, t, _)| m == module && t == ty)
            .map(|&(_, _, wrapper)| wrapper)
    }

    /// Whether paths rooted at `krate` can name a guard wrapper or its pool manager.
    pub fn has_guard_wrappers(&self, krate: &str) -> bool {
        GUARD_WRAPPERS.iter().any(|&(k, _, _)| k == krate)
            || GUARD_WRAPPER_MANAGERS
                .iter()
                .any(|&(m, _, _)| m.split("::").next() == Some(krate))
    }

    /// `method` of the guard wrapper type `ty` runs a guarded exchange.
    pub fn is_guard_wrapper_exchange(&self, ty: &str, method: &str) -> bool {
        GUARD_WRAPPERS
            .iter()
            .any(|&(_, t, m)| t == ty && m == method)
    }

    /// Classifies an external method by name.
    pub fn io_of(&self, method: &str) -> Option<Io> {
        if self.writes.iter().any(|w| w == method) {
            Some(Io::Write)
        } else if self.reads.iter().any(|r| r == method) {
            Some(Io::Read)
        } else {
            None
        }
    }

    /// Classifies a name the engine has no body for by its words: `read_packet`,
    /// `ReadPacket`, `recv_msg` read; `write_command`, `send_request` write.
    pub fn io_by_words(name: &str) -> Option<Io> {
        let has = |w: &[&str]| words(name).any(|x| w.iter().any(|w| x.eq_ignore_ascii_case(w)));
        match (
            has(&["read", "recv", "receive"]),
            has(&["write", "send", "flush"]),
        ) {
            (true, false) => Some(Io::Read),
            (false, true) => Some(Io::Write),
            _ => None,
        }
    }

    pub fn is_transparent(&self, name: &str) -> bool {
        self.transparent.iter().any(|t| t == name)
    }

    pub fn is_spawner(&self, name: &str) -> bool {
        self.spawners.iter().any(|t| t == name)
    }

    /// `ty` (as written, maybe with its path: `mpsc::Sender`) is a channel end.
    pub fn is_channel(&self, ty: &str) -> bool {
        let last = ty.rsplit("::").next().unwrap_or(ty);
        CHANNEL_TYPES.contains(&last)
    }

    pub fn is_lock(&self, name: &str) -> bool {
        self.locks.iter().any(|t| t == name)
    }

    /// An awaited call that hands out a pooled connection: listed names, or names with
    /// the words of one (`checkout_connection`, `acquire_conn`, `get_pooled`).
    pub fn is_pool(&self, name: &str) -> bool {
        if self.pools.iter().any(|t| t == name) {
            return true;
        }
        let has = |w: &str| words(name).any(|x| x.eq_ignore_ascii_case(w));
        let is_any = |x: Option<&str>, of: &[&str]| {
            x.is_some_and(|x| of.iter().any(|w| x.eq_ignore_ascii_case(w)))
        };
        // A client's constructors say which kind of connection they make for the caller
        // (`get_async_connection`, `get_multiplexed_tokio_connection`): a new one, owned.
        let makes_one = ["async", "multiplexed", "tokio", "new"]
            .iter()
            .any(|w| has(w));
        has("checkout")
            || has("pooled")
            || (has("acquire") && !has("permit") && !has("lock"))
            || (words(name).nth(1).is_some()
                && !makes_one
                && is_any(words(name).last(), &["conn", "connection"])
                && is_any(words(name).next(), &["get", "checkout", "take", "acquire"]))
    }

    pub fn is_shared_type(&self, name: &str) -> bool {
        self.shared_types.iter().any(|t| t == name)
    }

    pub fn is_guard_attribute(&self, path: &[String]) -> bool {
        match path {
            [krate, last] => krate == "cancelsafe" && self.guard_attributes.contains(last),
            [last] => last != "guard" && self.guard_attributes.contains(last),
            _ => false,
        }
    }

    pub fn is_guard_function(&self, name: &str) -> bool {
        self.guard_functions.iter().any(|t| t == name)
    }

    /// The cancel-safety row for `method` called with `args` arguments on a receiver of
    /// type `owner`, when the table has one.
    pub fn cancel_fact(
        &self,
        method: &str,
        owner: Option<&str>,
        args: usize,
    ) -> Option<&CancelFact> {
        cancel::lookup(&self.cancel_facts, method, owner, args)
    }

    /// Declares (from config) what dropping `method` costs; it takes precedence over the
    /// built-in rows of the same name and owner.
    pub fn declare_cancel_fact(&mut self, fact: CancelFact) {
        self.cancel_facts.insert(0, fact);
    }

    /// Adds user-declared names (from config).
    pub fn extend(&mut self, extra: &VocabularyExtension) {
        self.writes.extend(extra.write_methods.iter().cloned());
        self.reads.extend(extra.read_methods.iter().cloned());
        self.shared_types.extend(extra.stream_types.iter().cloned());
        self.guard_attributes
            .extend(extra.guard_attributes.iter().cloned());
        self.guard_functions
            .extend(extra.guard_functions.iter().cloned());
        self.pool_checks.extend(extra.pool_checks.iter().cloned());
    }
}

/// Splits `snake_case` and `CamelCase` into words (slices of `name`, case kept; compare
/// them with `eq_ignore_ascii_case`). Borrowing: the call graph asks this on every walk.
pub fn words(name: &str) -> impl Iterator<Item = &str> {
    let mut rest = name;
    std::iter::from_fn(move || {
        let start = rest.find(|c: char| c.is_alphanumeric())?;
        rest = &rest[start..];
        let mut prev_lower = false;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            if !c.is_alphanumeric() || (i > 0 && c.is_uppercase() && prev_lower) {
                end = i;
                break;
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
        let (word, tail) = rest.split_at(end);
        rest = tail;
        Some(word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_constructor_is_not_a_checkout() {
        let vocab = Vocabulary::default();
        for pooled in ["get", "get_conn", "checkout_connection", "acquire_conn"] {
            assert!(vocab.is_pool(pooled), "{pooled}");
        }
        for made in [
            "get_async_connection",
            "get_multiplexed_async_connection",
            "get_multiplexed_tokio_connection",
            "get_new_connection",
        ] {
            assert!(!vocab.is_pool(made), "{made}");
        }
    }

    #[test]
    fn words_of_names() {
        let split = |n| words(n).collect::<Vec<_>>();
        assert_eq!(split("ReadPacket"), ["Read", "Packet"]);
        assert_eq!(split("write_command_data"), ["write", "command", "data"]);
        assert_eq!(split("__HTTP2_frame"), ["HTTP2", "frame"]);
        assert_eq!(split("readV2Reply"), ["read", "V2", "Reply"]);
        assert_eq!(split(""), Vec::<&str>::new());
        assert_eq!(Vocabulary::io_by_words("recv_packet_part"), Some(Io::Read));
        assert_eq!(Vocabulary::io_by_words("send_and_read"), None);
        assert_eq!(Vocabulary::io_by_words("already"), None);
    }

    #[test]
    fn guard_attribute_paths() {
        let v = Vocabulary::default();
        assert!(v.is_guard_attribute(&["cancelsafe".into(), "guard".into()]));
        assert!(!v.is_guard_attribute(&["guard".into()]));
        assert!(!v.is_guard_attribute(&["other".into(), "guard".into()]));
    }
}
