//! `cancel_unsafe_future_raced`: a fresh future that loses data or an item when dropped,
//! raced where it can be dropped (`select!` branch, `timeout`, a combinator it is handed to).

use super::{declare_rule, stable_hash, Finding, Label, RuleCx, Severity};
use crate::callgraph::Raced;
use crate::summary::CancelSite;
use crate::vocab::Cost;

declare_rule! {
    pub CANCEL_UNSAFE_FUTURE_RACED,
    id: "cancel_unsafe_future_raced",
    code: "CS002",
    category: "correctness",
    default: Error,
    summary: "a future that loses data when dropped is raced in `select!` or `timeout`",
}

pub fn check(cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
    for r in &cx.outcome.raced {
        // A lost queue place corrupts nothing: `raced_future_loses_queue_place` says it.
        if r.exchange || r.cost != Cost::LosesQueuePlace {
            out.push(finding(cx, r));
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
    let what = match (r.exchange, r.cost) {
        (true, _) => format!("writes a request and awaits its reply{on}"),
        (false, Cost::LosesItem) => format!("drops the item it was sending{on} when dropped"),
        (false, _) => format!("loses the bytes it already moved{on} when dropped"),
    };
    let severity = match r.cost {
        Cost::LosesItem if !r.exchange => Severity::Warning,
        _ => Severity::Error,
    };
    if let Some(f) = dependency_finding(cx, r, &owner, &what, severity) {
        return f;
    }
    Finding {
        rule: &CANCEL_UNSAFE_FUTURE_RACED,
        severity,
        file: cx.files[unit.file].clone(),
        span: r.span,
        function: owner.clone(),
        message: format!(
            "this {} can drop `{}`, which {what}",
            r.site.describe(),
            r.text
        ),
        primary_label: dropped_label(cx, r),
        labels: Vec::new(),
        help: help(r),
        fingerprint: stable_hash(&[CANCEL_UNSAFE_FUTURE_RACED.id, &owner, &r.text]),
        reached: None,
    }
}

/// The incident's shape: the exchange is in a dependency, the cancellation here. Named by
/// the dependency's function, with a label on it, and the fixes open to the caller.
fn dependency_finding(
    cx: &RuleCx<'_>,
    r: &Raced,
    owner: &str,
    what: &str,
    severity: Severity,
) -> Option<Finding> {
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
    Some(Finding {
        rule: &CANCEL_UNSAFE_FUTURE_RACED,
        severity,
        file: cx.files[ws.units[r.unit].file].clone(),
        span: r.span,
        function: owner.to_string(),
        message: format!(
            "this {} can cancel `{name}`, which {what}",
            r.site.describe()
        ),
        primary_label: dropped_label(cx, r),
        labels: vec![Label {
            file: cx.files[unit.file].clone(),
            span: unit.unit.span,
            message: format!("in dependency `{krate}`: `{name}` {what}"),
        }],
        help: format!(
            "use a cancel-safe API of `{krate}` if it has one (a multiplexed connection that hands \
             requests to a driver task, or a pool that discards interrupted connections), \
             `tokio::spawn` the call and race its `JoinHandle`, or discard the connection when \
             the race is lost"
        ),
        fingerprint: stable_hash(&[CANCEL_UNSAFE_FUTURE_RACED.id, owner, &r.text]),
        reached: None,
    })
}

/// The label on the raced future: when it is dropped, and where the loss happens.
pub(super) fn dropped_label(cx: &RuleCx<'_>, r: &Raced) -> String {
    let when = match r.site {
        CancelSite::Timeout => "dropped here when the time runs out",
        CancelSite::Handed => "dropped here when the combinator finishes without it",
        _ => "dropped here when another branch wins",
    };
    let through = match (r.callee, &r.source) {
        (Some(c), _) => format!(" (through `{}`)", cx.workspace.units[c].unit.display_name()),
        (None, Some(src)) => format!(" (documented in {src})"),
        (None, None) => String::new(),
    };
    format!("{when}{through}")
}

fn help(r: &Raced) -> String {
    if r.exchange {
        return "guard the exchange with `#[cancelsafe::guard(..)]` so the next call recovers, discard the \
                connection when the race is lost, or `tokio::spawn` the exchange and race its `JoinHandle`"
            .into();
    }
    match r.cost {
        Cost::LosesData | Cost::LosesQueuePlace => "read with `read_buf` into a buffer that outlives the loop, use a `FramedRead` with a codec, \
                            or create the future once and pin it outside the loop (`tokio::pin!(fut)`, then `&mut fut`)"
            .into(),
        Cost::LosesItem => "reserve capacity first (`let permit = tx.reserve().await?; permit.send(item)`), \
                            or pin the send future outside the loop"
            .into(),
    }
}
