//! `raced_future_loses_queue_place`: a fresh future waiting in a fair queue (a tokio
//! `Mutex::lock`, `Semaphore::acquire`, `mpsc::Sender::reserve`…), raced where it can be
//! dropped. Nothing is corrupted, so the rule is a note and off by default.

use super::cancel_unsafe_future_raced::dropped_label;
use super::{declare_rule, stable_hash, Finding, RuleCx};
use crate::callgraph::Raced;
use crate::vocab::Cost;

declare_rule! {
    pub RACED_FUTURE_LOSES_QUEUE_PLACE,
    id: "raced_future_loses_queue_place",
    code: "CS003",
    category: "fairness",
    default: Note,
    enabled_by_default: false,
    summary: "a future waiting in a fair queue is raced in `select!` or `timeout`, and loses its place when dropped",
}

pub fn check(cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
    for r in &cx.outcome.raced {
        if !r.exchange && r.cost == Cost::LosesQueuePlace {
            out.push(finding(cx, r));
        }
    }
}

fn finding(cx: &RuleCx<'_>, r: &Raced) -> Finding {
    let ws = cx.workspace;
    let unit = &ws.units[r.unit];
    let owner = ws.units[ws.owner_fn(r.unit)].unit.display_name();
    Finding {
        rule: &RACED_FUTURE_LOSES_QUEUE_PLACE,
        severity: RACED_FUTURE_LOSES_QUEUE_PLACE.default,
        file: cx.files[unit.file].clone(),
        span: r.span,
        function: owner.clone(),
        message: format!(
            "this {} can drop `{}` while it waits in a fair queue, which gives up its place",
            r.site.describe(),
            r.text
        ),
        primary_label: dropped_label(cx, r),
        labels: Vec::new(),
        help: "if waiting in order matters (a fair lock, a bounded channel's senders), create the future once \
               and pin it outside the loop (`tokio::pin!(fut)`, then `&mut fut`), or take the lock or permit \
               before the `select!`"
            .into(),
        fingerprint: stable_hash(&[RACED_FUTURE_LOSES_QUEUE_PLACE.id, &owner, &r.text]),
        reached: None,
    }
}
