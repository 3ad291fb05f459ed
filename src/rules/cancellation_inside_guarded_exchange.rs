//! `cancellation_inside_guarded_exchange`: a `select!` branch, a `timeout` or another
//! cancellation site awaited inside a `#[cancelsafe::guard]` fn. The guard cannot count
//! replies through it, so it refuses (or reconnects) after the site fires, and a body that
//! answers `Ok` after it fired can still leave its reply on the wire.

use super::{Check, Finding, RuleCx};
use crate::callgraph::UnitRef;
use crate::summary::GuardedSite;

declare_rule! {
    pub CANCELLATION_INSIDE_GUARDED_EXCHANGE: CancellationInsideGuardedExchange,
    id: "cancellation_inside_guarded_exchange",
    code: "CS004",
    category: "correctness",
    default: Warning,
    summary: "a `select!` branch or `timeout` inside a guarded exchange can drop part of it",
}

impl Check for CancellationInsideGuardedExchange {
    fn unit(&self, cx: &RuleCx<'_>, _i: usize, unit: &UnitRef, out: &mut Vec<Finding>) {
        // Filled only for fns carrying the guard attribute.
        for site in &unit.unit.guarded_sites {
            out.push(finding(cx, unit.file, unit.unit.display_name(), site));
        }
    }
}

fn finding(cx: &RuleCx<'_>, file: usize, function: String, s: &GuardedSite) -> Finding {
    let site = s.site.describe();
    let message = format!(
        "this {site} inside the guarded exchange `{function}` can drop `{}` and leave a reply owed",
        s.text
    );
    let help = format!(
        "cancel the whole guarded call instead (`timeout(d, conn.{}(..))`): the guard then counts \
         the owed reply exactly and drains it; a cancellation inside makes it refuse or reconnect, \
         and a body that answers `Ok` after one may leave the reply on the wire",
        function.rsplit("::").next().unwrap_or(&function)
    );
    Finding::build(&CANCELLATION_INSIDE_GUARDED_EXCHANGE, cx.files[file].clone(), s.span, function)
        .message(message)
        .primary_label(format!("`{}` can be dropped here, mid-exchange", s.text))
        .help(help)
        .fingerprint(&[&s.text])
}
