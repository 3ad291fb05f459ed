//! What a dependency's build compiles: `cfg(..)` predicates over the platform the tool runs
//! on and the crate's enabled features. Which `[target.'..'.dependencies]` tables apply (as
//! `cargo build` and `cargo metadata --filter-platform` pick them: a server scanned on Linux
//! does not need its wasm or Windows dependencies, web-sys alone is 10 MB of source), and
//! which `#[cfg(..)]` items and modules of a dependency exist at all.
//!
//! `cfg-expr` parses the predicates and knows each triple's platform (os, arch, env, vendor,
//! families, pointer width, endianness, atomics, panic strategy). What it does not serve:
//! - default target features: its target table has none, so `target_feature` is answered
//!   from the features the tool itself was compiled with (`build.rs` records cargo's
//!   `CARGO_CFG_TARGET_FEATURE`), which are the host's defaults in a plain build;
//! - a host triple newer than its table: platform predicates are then unknown, and an item
//!   whose predicate is unknown is kept (summarising too much only costs time);
//! - `debug_assertions`, `test`, `proc_macro` and custom flags (`docsrs`, `tokio_unstable`)
//!   are build settings, not platform data: answered below as `cargo build` sets them
//!   (`cargo test` for a test build: `cfg(test)` holds, and `#[test]` fns exist).

use cfg_expr::targets::{get_builtin_target_by_triple, TargetInfo};
use cfg_expr::{Expression, Predicate};

/// The triple this tool was built for (`x86_64-unknown-linux-gnu`): the platform scanned.
pub const HOST: &str = env!("CANCELSAFE_HOST");

/// The target features the host enables by default (`sse2,fxsr,..` on x86_64), comma
/// separated, as cargo gave them to the build script.
const HOST_TARGET_FEATURES: &str = env!("CANCELSAFE_TARGET_FEATURES");

/// Whether a platform key (`cfg(unix)`, `cfg(target_arch = "wasm32")`, a target triple)
/// holds on the host. A key that does not parse is kept: summarising too much only costs
/// time.
pub fn matches_host(key: &str) -> bool {
    let key = key.trim();
    if key.starts_with("cfg(") {
        // A platform key names no feature.
        Build::dependency(&[]).keeps(key)
    } else {
        key == HOST
    }
}

/// A crate's build: the host platform, the features cargo turns on for it, and whether it
/// is built as a test.
pub struct Build<'a> {
    pub features: &'a [String],
    /// The features are not known (a scanned file in no package): `cfg(feature = ..)` is
    /// undecided, so its item is kept.
    pub unknown_features: bool,
    /// Built by `cargo test` as the crate under test: `cfg(test)` holds, `#[test]` fns exist.
    pub test: bool,
}

impl<'a> Build<'a> {
    /// A dependency's build: plain `cargo build`, with these features.
    pub fn dependency(features: &'a [String]) -> Self {
        Build {
            features,
            unknown_features: false,
            test: false,
        }
    }

    /// Whether the attribute `attr` (the text inside `#[..]`, without spaces) keeps its
    /// item: a `cfg(..)` that holds, a test attribute (`test`, `tokio::test(..)`) in a
    /// test build, any other attribute. What does not parse, or cannot be decided, keeps it.
    pub fn keeps(&self, attr: &str) -> bool {
        if !attr.starts_with("cfg(") {
            return self.test || !is_test_attribute(attr);
        }
        let Ok(expr) = Expression::parse(attr) else {
            return true;
        };
        let host = get_builtin_target_by_triple(HOST);
        expr.eval(|predicate| self.holds(host, predicate))
            .unwrap_or(true)
    }

    /// One predicate's value in this build; `None` when the host is not in `cfg-expr`'s
    /// table and the predicate is about the platform.
    fn holds(&self, host: Option<&TargetInfo>, predicate: &Predicate<'_>) -> Option<bool> {
        Some(match predicate {
            Predicate::Target(target) => return host.map(|info| target.matches(info)),
            Predicate::Feature(_) if self.unknown_features => return None,
            Predicate::Feature(feature) => self.features.iter().any(|f| f == feature),
            Predicate::TargetFeature(feature) => {
                HOST_TARGET_FEATURES.split(',').any(|f| f == *feature)
            }
            // A dependency is built in cargo's dev profile by `cargo build` and `cargo test`.
            Predicate::DebugAssertions => true,
            // Only the crate under test gets `cfg(test)`.
            Predicate::Test => self.test,
            // No crate here is a proc macro whose body matters (their expansion is not
            // analysed); flags like `docsrs` are set by hand, not by a plain build.
            Predicate::ProcMacro | Predicate::Flag(_) | Predicate::KeyValue { .. } => false,
        })
    }
}

/// `test`, `tokio::test`, `tokio::test(flavor="multi_thread")`: an attribute whose last
/// path segment is `test` marks a fn only a test build compiles.
fn is_test_attribute(attr: &str) -> bool {
    let path = attr.split(['(', '=']).next().unwrap_or(attr);
    path.rsplit("::").next() == Some("test")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keeps(features: &[&str], attr: &str) -> bool {
        let features: Vec<String> = features.iter().map(|f| f.to_string()).collect();
        Build::dependency(&features).keeps(attr)
    }

    #[test]
    fn cfg_predicates_nest() {
        assert_eq!(keeps(&[], "cfg(unix)"), cfg!(unix));
        assert_eq!(keeps(&[], "cfg(windows)"), cfg!(windows));
        assert_eq!(
            keeps(&[], r#"cfg(not(target_arch = "wasm32"))"#),
            cfg!(not(target_arch = "wasm32"))
        );
        assert_eq!(
            keeps(&[], r#"cfg(all(unix, not(target_os = "macos")))"#),
            cfg!(all(unix, not(target_os = "macos")))
        );
        assert_eq!(
            keeps(&[], r#"cfg(any(windows, target_os="linux",))"#),
            cfg!(any(windows, target_os = "linux"))
        );
        assert!(!keeps(
            &[],
            r#"cfg(all(target_arch = "wasm32", target_os = "unknown"))"#
        ));
    }

    #[test]
    fn a_test_build_keeps_cfg_test_and_test_fns() {
        let test = Build {
            test: true,
            ..Build::dependency(&[])
        };
        for attr in [
            "cfg(test)",
            "test",
            "tokio::test",
            r#"tokio::test(flavor="current_thread")"#,
        ] {
            assert!(test.keeps(attr), "{attr}");
            assert!(!keeps(&[], attr), "{attr}");
        }
        assert!(keeps(&[], "testing::helper"));
        assert!(keeps(&[], "cfg(not(test))"));
        assert!(!test.keeps("cfg(not(test))"));
    }

    #[test]
    fn unknown_features_keep_their_items() {
        let unknown = Build {
            unknown_features: true,
            ..Build::dependency(&[])
        };
        assert!(unknown.keeps(r#"cfg(feature = "x")"#));
        assert!(unknown.keeps(r#"cfg(not(feature = "x"))"#));
        assert!(!unknown.keeps(r#"cfg(all(feature = "x", test))"#));
    }

    #[test]
    fn malformed_keys_are_kept() {
        assert!(matches_host("cfg(all(unix)"));
        assert!(keeps(&[], "cfg(all(unbalanced"));
        assert!(keeps(&[], "derive(Debug)"));
    }

    #[test]
    fn a_build_keeps_what_its_features_and_platform_compile() {
        let features = ["client", "http1"];
        assert!(keeps(&features, r#"cfg(feature="client")"#));
        assert!(!keeps(&features, r#"cfg(feature="server")"#));
        assert!(keeps(
            &features,
            r#"cfg(all(feature="client",not(feature="server")))"#
        ));
        assert!(!keeps(&features, "cfg(test)"));
        assert!(!keeps(&features, "cfg(docsrs)"));
        assert!(!keeps(&features, r#"cfg(tokio_taskdump = "yes")"#));
        assert!(keeps(&features, "cfg(debug_assertions)"));
    }

    /// The platform data the old hand-written table lacked: atomics by width, default
    /// target features, vendors and families, each as the compiler building this test sees
    /// the host.
    #[test]
    fn the_host_platform_is_cfg_exprs_target_data() {
        assert!(
            get_builtin_target_by_triple(HOST).is_some(),
            "{HOST} is in cfg-expr's table"
        );
        assert_eq!(
            keeps(&[], r#"cfg(target_has_atomic = "64")"#),
            cfg!(target_has_atomic = "64")
        );
        assert_eq!(
            keeps(&[], r#"cfg(target_has_atomic = "128")"#),
            cfg!(target_has_atomic = "128")
        );
        assert_eq!(
            keeps(&[], r#"cfg(target_feature = "sse2")"#),
            cfg!(target_feature = "sse2")
        );
        assert_eq!(
            keeps(&[], r#"cfg(target_feature = "avx512f")"#),
            cfg!(target_feature = "avx512f")
        );
        assert_eq!(
            keeps(&[], r#"cfg(target_vendor = "apple")"#),
            cfg!(target_vendor = "apple")
        );
        assert_eq!(
            keeps(&[], r#"cfg(target_vendor = "unknown")"#),
            cfg!(target_vendor = "unknown")
        );
        assert_eq!(
            keeps(&[], r#"cfg(target_family = "wasm")"#),
            cfg!(target_family = "wasm")
        );
        assert_eq!(
            keeps(&[], r#"cfg(target_env = "musl")"#),
            cfg!(target_env = "musl")
        );
        assert_eq!(
            keeps(&[], r#"cfg(panic = "unwind")"#),
            cfg!(panic = "unwind")
        );
    }

    #[test]
    fn the_host_matches_its_own_triple_and_family() {
        assert!(matches_host(HOST));
        assert!(!matches_host("wasm32-unknown-unknown") || HOST == "wasm32-unknown-unknown");
        assert_eq!(matches_host("cfg(unix)"), cfg!(unix));
        assert_eq!(
            matches_host(r#"cfg(target_arch = "wasm32")"#),
            cfg!(target_arch = "wasm32")
        );
    }
}
