//! Words shared by rules that report the same kind of fact, so a raced future reads the
//! same whichever rule reports it.

use super::RuleCx;
use crate::callgraph::{Race, Workspace};
use crate::summary::CancelSite;

/// The label on a raced future: when it is dropped, and where the loss happens.
pub(super) fn dropped_label(cx: &RuleCx<'_>, r: &Race<'_>) -> String {
    let when = match r.site {
        CancelSite::Timeout => "dropped here when the time runs out",
        CancelSite::Handed => "dropped here when the combinator finishes without it",
        _ => "dropped here when another branch wins",
    };
    let through = match (r.callee, r.source) {
        (Some(c), _) => format!(
            " (through `{}`{})",
            cx.workspace.units[c].unit.display_name(),
            by_name_note(cx.workspace, r.unit, c)
        ),
        (None, Some(src)) => format!(" (documented in {src})"),
        (None, None) => String::new(),
    };
    format!("{when}{through}")
}

/// `, resolved by name` when unit `caller` runs `callee` only because the method has its
/// name (the receiver's type unknown): said wherever a finding names such a link.
pub(super) fn by_name_note(ws: &Workspace, caller: usize, callee: usize) -> &'static str {
    if ws.resolved_by_name(caller, callee) {
        ", resolved by name"
    } else {
        ""
    }
}

/// Whether the raced future's loss is found through a call resolved by name alone.
pub(super) fn raced_by_name(cx: &RuleCx<'_>, r: &Race<'_>) -> bool {
    r.callee
        .is_some_and(|c| cx.workspace.resolved_by_name(r.unit, c))
}
