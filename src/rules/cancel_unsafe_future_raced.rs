//! `cancel_unsafe_future_raced`: a fresh future that loses data or an item when dropped,
//! raced where it can be dropped (`select!` branch, `timeout`, a combinator it is handed to).

use super::describe::{dropped_label, raced_by_name};
use super::{Check, Finding, Label, RuleCx, Severity};
use crate::callgraph::{Harm, Raced};

declare_rule! {
    pub CANCEL_UNSAFE_FUTURE_RACED: CancelUnsafeFutureRaced,
    id: "cancel_unsafe_future_raced",
    code: "CS002",
    category: "correctness",
    default: Error,
    supersedes: "unguarded_write_then_read",
    summary: "a future that loses data when dropped is raced in `select!` or `timeout`",
}

impl Check for CancelUnsafeFutureRaced {
    fn race(&self, cx: &RuleCx<'_>, r: &Raced, out: &mut Vec<Finding>) {
        match r.harm() {
            Harm::Exchange | Harm::Data | Harm::Item => out.push(finding(cx, r)),
            // A lost queue place corrupts nothing: `raced_future_loses_queue_place` says it.
            Harm::QueuePlace => {}
        }
    }
}

fn finding(cx: &RuleCx<'_>, r: &Raced) -> Finding {
    let ws = cx.workspace;
    let unit = &ws.units[r.unit];
    let owner = ws.units[ws.owner_fn(r.unit)].unit.display_name();
    let stream = r.stream.as_ref().map(|p| unit.unit.render_place(p));
    let on = stream
        .as_deref()
        .map(|s| format!(" on `{s}`"))
        .unwrap_or_default();
    let what = match r.harm() {
        Harm::Exchange => format!("writes a request and awaits its reply{on}"),
        Harm::Item => format!("drops the item it was sending{on} when dropped"),
        Harm::Data | Harm::QueuePlace => format!("loses the bytes it already moved{on} when dropped"),
    };
    let severity = match r.harm() {
        Harm::Item => Severity::Warning,
        _ => Severity::Error,
    };
    let file = cx.files[unit.file].clone();
    let found = Finding::build(&CANCEL_UNSAFE_FUTURE_RACED, file, r.span, owner)
        .severity(severity)
        .primary_label(dropped_label(cx, r))
        .resolved_by_name(raced_by_name(cx, r));
    let found = match in_dependency(cx, r, &what) {
        Some(found_in) => found
            .message(format!(
                "this {} can cancel `{}`, which {}",
                r.site.describe(),
                found_in.name,
                found_in.what
            ))
            .labels(vec![found_in.label])
            .help(found_in.help),
        None => found
            .message(format!(
                "this {} can drop `{}`, which {what}",
                r.site.describe(),
                r.text
            ))
            .help(help(r)),
    };
    found.fingerprint(&[&r.text])
}

/// The incident's shape: the exchange is in a dependency, the cancellation here. Named by
/// the dependency's function, with a label on it, and the fixes open to the caller.
struct InDependency {
    name: String,
    what: String,
    label: Label,
    help: String,
}

fn in_dependency(cx: &RuleCx<'_>, r: &Raced, what: &str) -> Option<InDependency> {
    let ws = cx.workspace;
    let callee = r.callee?;
    let module = ws.dependency_of(callee)?;
    let krate = crate::callgraph::crate_name(module);
    let unit = &ws.units[callee];
    let name = format!("{module}::{}", unit.unit.display_name());
    let what = if r.exchange {
        "writes a request and awaits its reply on a connection that outlives the future"
    } else {
        what
    };
    Some(InDependency {
        label: Label {
            file: cx.files[unit.file].clone(),
            span: unit.unit.span,
            message: format!("in dependency `{krate}`: `{name}` {what}"),
        },
        name,
        what: what.to_string(),
        help: format!(
            "make the call through `cancelsafe::Guarded::exchange` (`conn.exchange(|c| ..)`), \
             so a connection whose exchange was cut is never used again (pools: \
             `cancelsafe::bb8::GuardedManager`, `cancelsafe::deadpool::GuardedManager`); or use \
             a cancel-safe API of `{krate}` if it has one (a multiplexed connection that hands \
             requests to a driver task), or `tokio::spawn` the call and race its `JoinHandle`"
        ),
    })
}

fn help(r: &Raced) -> &'static str {
    match r.harm() {
        Harm::Exchange => "guard the exchange with `#[cancelsafe::guard(..)]` so the next call recovers; for a client \
                you do not own, make the call through `cancelsafe::Guarded::exchange`, so the connection is discarded \
                when the race is lost; or `tokio::spawn` the exchange and race its `JoinHandle`",
        Harm::Data | Harm::QueuePlace => "read with `read_buf` into a buffer that outlives the loop, use a `FramedRead` with a codec, \
                            or create the future once and pin it outside the loop (`tokio::pin!(fut)`, then `&mut fut`)",
        Harm::Item => "reserve capacity first (`let permit = tx.reserve().await?; permit.send(item)`), \
                            or pin the send future outside the loop",
    }
}
