//! Rule levels (allow / warn / deny), applied to findings after analysis as a pure step.
//!
//! Sources are merged in order, later wins: each rule's default severity, then the config
//! file (`[rules.<id>]`), then `-A/-W/-D` on the command line. The `warnings` group (as in
//! rustc's `-D warnings`) acts last, on whatever is a warning after the per-rule levels.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::rules::{Finding, Rule, Severity};

/// What to do with a rule's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Drop them.
    Allow,
    /// Report them; they do not fail the run.
    Warn,
    /// Report them as errors; they fail the run (exit 1).
    Deny,
}

/// Per-rule options (`[rules.<id>]` in the config). Every field is optional so that one
/// source only overrides what it sets; add new per-rule options here and in [`Self::merge`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOptions {
    pub level: Option<Level>,
    /// The level of findings no cancellation site in the scanned code reaches (a section
    /// in code that is never cancelled, or cancelled only by other crates).
    pub unreached: Option<Level>,
}

impl RuleOptions {
    /// Overlays `later` on `self`: the fields `later` sets win.
    pub fn merge(&mut self, later: RuleOptions) {
        if later.level.is_some() {
            self.level = later.level;
        }
        if later.unreached.is_some() {
            self.unreached = later.unreached;
        }
    }
}

/// The merged levels of a run.
#[derive(Debug, Clone, Default)]
pub struct Levels {
    /// By rule id.
    rules: BTreeMap<&'static str, RuleOptions>,
    /// The level of every finding that is a warning after the per-rule levels.
    warnings: Option<Level>,
}

impl Levels {
    /// Overlays options for one rule.
    pub fn merge_rule(&mut self, rule: &'static Rule, options: RuleOptions) {
        self.rules.entry(rule.id).or_default().merge(options);
    }

    pub fn set_rule(&mut self, rule: &'static Rule, level: Level) {
        self.merge_rule(
            rule,
            RuleOptions {
                level: Some(level),
                ..RuleOptions::default()
            },
        );
    }

    /// Sets the level of the `warnings` group (`-D warnings`).
    pub fn set_warnings(&mut self, level: Level) {
        self.warnings = Some(level);
    }

    fn options(&self, rule: &Rule) -> RuleOptions {
        self.rules.get(rule.id).copied().unwrap_or_default()
    }
}

/// Applies the levels: allowed findings are removed, the rest get the severity their level
/// gives. Findings of rules with no level keep the severity the rule chose; rules that are
/// off by default report only when given a level.
pub fn apply(findings: Vec<Finding>, levels: &Levels) -> Vec<Finding> {
    findings
        .into_iter()
        .filter_map(|mut f| {
            let options = levels.options(f.rule);
            let level = match options.unreached {
                Some(l) if f.reached == Some(false) => Some(l),
                _ => options.level,
            };
            match level {
                Some(Level::Allow) => return None,
                Some(Level::Warn) => f.severity = Severity::Warning,
                Some(Level::Deny) => f.severity = Severity::Error,
                None if !f.rule.enabled_by_default => return None,
                None => {}
            }
            if f.severity == Severity::Warning {
                match levels.warnings {
                    Some(Level::Allow) => return None,
                    Some(Level::Deny) => f.severity = Severity::Error,
                    Some(Level::Warn) | None => {}
                }
            }
            Some(f)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::find;
    use crate::source::Span;

    fn finding(rule: &'static Rule, severity: Severity) -> Finding {
        let mut f =
            Finding::build(rule, "a.rs".into(), Span::default(), "f".into()).fingerprint(&[]);
        f.severity = severity;
        f
    }

    fn severities(findings: &[Finding]) -> Vec<Severity> {
        findings.iter().map(|f| f.severity).collect()
    }

    #[test]
    fn later_sources_win_and_warnings_group_acts_last() {
        let cs001 = find("CS001").expect("CS001");
        let cs002 = find("CS002").expect("CS002");
        let input = || {
            vec![
                finding(cs001, Severity::Error),
                finding(cs002, Severity::Warning),
            ]
        };
        assert_eq!(
            severities(&apply(input(), &Levels::default())),
            [Severity::Error, Severity::Warning]
        );

        let mut levels = Levels::default();
        levels.set_rule(cs001, Level::Allow);
        levels.set_rule(cs001, Level::Warn);
        assert_eq!(
            severities(&apply(input(), &levels)),
            [Severity::Warning, Severity::Warning]
        );

        levels.set_warnings(Level::Deny);
        assert_eq!(
            severities(&apply(input(), &levels)),
            [Severity::Error, Severity::Error]
        );

        levels.set_rule(cs002, Level::Allow);
        assert_eq!(severities(&apply(input(), &levels)), [Severity::Error]);
    }

    #[test]
    fn merging_keeps_fields_the_later_source_leaves_unset() {
        let mut options = RuleOptions {
            level: Some(Level::Deny),
            unreached: None,
        };
        options.merge(RuleOptions::default());
        assert_eq!(options.level, Some(Level::Deny));
    }

    #[test]
    fn unreached_findings_take_their_own_level() {
        let rule = find("CS001").unwrap();
        let mut reached = finding(rule, Severity::Error);
        reached.reached = Some(true);
        let mut unreached = finding(rule, Severity::Error);
        unreached.reached = Some(false);
        let mut levels = Levels::default();
        levels.merge_rule(
            rule,
            RuleOptions {
                unreached: Some(Level::Warn),
                ..RuleOptions::default()
            },
        );
        let out = apply(vec![reached, unreached], &levels);
        assert_eq!(severities(&out), [Severity::Error, Severity::Warning]);
    }

    #[test]
    fn rules_off_by_default_report_only_when_given_a_level() {
        let rule = find("CS003").unwrap();
        assert!(!rule.enabled_by_default);
        let f = finding(rule, Severity::Note);
        assert!(apply(vec![f.clone()], &Levels::default()).is_empty());
        let mut levels = Levels::default();
        levels.set_rule(rule, Level::Warn);
        assert_eq!(severities(&apply(vec![f], &levels)), [Severity::Warning]);
    }
}
