//! Words shared by rules that report the same kind of fact, so a raced future reads the
//! same whichever rule reports it.

use super::RuleCx;
use crate::callgraph::Race;
use crate::summary::CancelSite;

/// The label on a raced future: when it is dropped, and where the loss happens.
pub(super) fn dropped_label(cx: &RuleCx<'_>, r: &Race<'_>) -> String {
    let when = match r.site {
        CancelSite::Timeout => "dropped here when the time runs out",
        CancelSite::Handed => "dropped here when the combinator finishes without it",
        _ => "dropped here when another branch wins",
    };
    let through = match (r.callee, r.source) {
        (Some(c), _) => format!(" (through `{}`)", cx.workspace.units[c].unit.display_name()),
        (None, Some(src)) => format!(" (documented in {src})"),
        (None, None) => String::new(),
    };
    format!("{when}{through}")
}
