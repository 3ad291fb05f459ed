//! What a dependency's build compiles: `cfg(..)` predicates over the platform the tool runs
//! on and the crate's enabled features. Which `[target.'..'.dependencies]` tables apply (as
//! `cargo build` and `cargo metadata --filter-platform` pick them: a server scanned on Linux
//! does not need its wasm or Windows dependencies, web-sys alone is 10 MB of source), and
//! which `#[cfg(..)]` items and modules of a dependency exist at all.

/// The triple this tool was built for (`x86_64-unknown-linux-gnu`): the platform scanned.
pub const HOST: &str = env!("CANCELSAFE_HOST");

/// Whether a platform key (`cfg(unix)`, `cfg(target_arch = "wasm32")`, a target triple)
/// holds on the host. A key that does not parse is kept: summarising too much only costs
/// time.
pub fn matches_host(key: &str) -> bool {
    let key = key.trim();
    if key.starts_with("cfg(") {
        // A platform key names no feature.
        Build { features: &[] }.keeps(key)
    } else {
        key == HOST
    }
}

/// A dependency's build: the host platform and the features cargo turns on for it.
pub struct Build<'a> {
    pub features: &'a [String],
}

impl Build<'_> {
    /// Whether the `cfg(..)` attribute `attr` (the text inside `#[..]`) keeps its item.
    /// Anything else, or what does not parse, keeps it.
    pub fn keeps(&self, attr: &str) -> bool {
        let Some(expr) = attr.strip_prefix("cfg(").and_then(|a| a.strip_suffix(')')) else {
            return true;
        };
        Cfg::parse(expr).is_none_or(|cfg| {
            cfg.holds(&|key, value| match (key, value) {
                ("feature", Some(f)) => self.features.iter().any(|e| e == f),
                _ => host_value(key, value),
            })
        })
    }
}

/// The host's value for a `cfg` key, as `rustc --print cfg` gives it (`test`, `docsrs`
/// and other flags a plain build does not set are false).
fn host_value(key: &str, value: Option<&str>) -> bool {
    let is = |v: &str| value == Some(v);
    match key {
        "unix" => value.is_none() && cfg!(unix),
        "windows" => value.is_none() && cfg!(windows),
        "target_os" => is(std::env::consts::OS),
        "target_family" => is(std::env::consts::FAMILY),
        "target_arch" => is(std::env::consts::ARCH),
        "target_pointer_width" => is(if cfg!(target_pointer_width = "64") {
            "64"
        } else {
            "32"
        }),
        "target_endian" => is(if cfg!(target_endian = "little") {
            "little"
        } else {
            "big"
        }),
        "target_env" => is(if cfg!(target_env = "gnu") {
            "gnu"
        } else if cfg!(target_env = "musl") {
            "musl"
        } else if cfg!(target_env = "msvc") {
            "msvc"
        } else {
            ""
        }),
        "target_vendor" => is(if cfg!(target_vendor = "apple") {
            "apple"
        } else if cfg!(target_vendor = "pc") {
            "pc"
        } else {
            "unknown"
        }),
        "target_has_atomic" => matches!(value, Some("8" | "16" | "32" | "64" | "ptr")),
        "panic" => is("unwind"),
        "debug_assertions" => value.is_none(),
        _ => false,
    }
}

/// A `cfg(..)` predicate.
#[derive(Debug, PartialEq)]
enum Cfg {
    Key(String, Option<String>),
    Not(Box<Cfg>),
    All(Vec<Cfg>),
    Any(Vec<Cfg>),
}

impl Cfg {
    fn parse(text: &str) -> Option<Cfg> {
        let mut parser = Parser { rest: text };
        let cfg = parser.cfg()?;
        parser.rest.trim().is_empty().then_some(cfg)
    }

    fn holds(&self, value: &impl Fn(&str, Option<&str>) -> bool) -> bool {
        match self {
            Cfg::Key(k, v) => value(k, v.as_deref()),
            Cfg::Not(c) => !c.holds(value),
            Cfg::All(cs) => cs.iter().all(|c| c.holds(value)),
            Cfg::Any(cs) => cs.iter().any(|c| c.holds(value)),
        }
    }
}

struct Parser<'a> {
    rest: &'a str,
}

impl Parser<'_> {
    fn cfg(&mut self) -> Option<Cfg> {
        let name = self.ident()?;
        if self.eat('(') {
            let mut list = Vec::new();
            while !self.eat(')') {
                list.push(self.cfg()?);
                if !self.eat(',') {
                    self.eat(')').then_some(())?;
                    break;
                }
            }
            return match name.as_str() {
                "not" if list.len() == 1 => Some(Cfg::Not(Box::new(list.pop()?))),
                "all" => Some(Cfg::All(list)),
                "any" => Some(Cfg::Any(list)),
                _ => None,
            };
        }
        if self.eat('=') {
            let rest = self.rest.trim_start().strip_prefix('"')?;
            let end = rest.find('"')?;
            self.rest = &rest[end + 1..];
            return Some(Cfg::Key(name, Some(rest[..end].to_string())));
        }
        Some(Cfg::Key(name, None))
    }

    fn ident(&mut self) -> Option<String> {
        let rest = self.rest.trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (end > 0).then(|| {
            self.rest = &rest[end..];
            rest[..end].to_string()
        })
    }

    fn eat(&mut self, c: char) -> bool {
        let rest = self.rest.trim_start();
        match rest.strip_prefix(c) {
            Some(after) => {
                self.rest = after;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_linux_x86_64(key: &str, value: Option<&str>) -> bool {
        match (key, value) {
            ("unix", None) => true,
            ("target_os", Some(v)) => v == "linux",
            ("target_arch", Some(v)) => v == "x86_64",
            ("target_family", Some(v)) => v == "unix",
            _ => false,
        }
    }

    fn holds(expr: &str) -> bool {
        Cfg::parse(expr).expect(expr).holds(&on_linux_x86_64)
    }

    #[test]
    fn cfg_predicates_nest() {
        assert!(holds("unix"));
        assert!(!holds("windows"));
        assert!(!holds(r#"target_arch = "wasm32""#));
        assert!(holds(r#"not(target_arch = "wasm32")"#));
        assert!(holds(r#"all(unix, not(target_os = "macos"))"#));
        assert!(holds(r#"any(windows, target_os="linux",)"#));
        assert!(!holds(
            r#"all(target_arch = "wasm32", target_os = "unknown")"#
        ));
    }

    #[test]
    fn malformed_keys_are_kept() {
        assert!(Cfg::parse("all(unix").is_none());
        assert!(matches_host("cfg(all(unix)"));
    }

    #[test]
    fn a_build_keeps_what_its_features_and_platform_compile() {
        let features = ["client".to_string(), "http1".to_string()];
        let build = Build {
            features: &features,
        };
        assert!(build.keeps(r#"cfg(feature="client")"#));
        assert!(!build.keeps(r#"cfg(feature="server")"#));
        assert!(build.keeps(r#"cfg(all(feature="client",not(feature="server")))"#));
        assert!(!build.keeps("cfg(test)"));
        assert!(!build.keeps("cfg(docsrs)"));
        assert!(build.keeps("derive(Debug)"));
        assert!(build.keeps("cfg(all(unbalanced"));
        assert_eq!(
            build.keeps(r#"cfg(target_arch="wasm32")"#),
            cfg!(target_arch = "wasm32")
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
