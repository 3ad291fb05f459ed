//! `raced_future_loses_queue_place`: a fresh future waiting in a fair queue (a tokio
//! `Mutex::lock`, `Semaphore::acquire`, `mpsc::Sender::reserve`…), raced where it can be
//! dropped. Nothing is corrupted, so the rule is a note and off by default.

use super::describe::{dropped_label, raced_by_name};
use super::{Check, Finding, RuleCx};
use crate::callgraph::{Harm, PlaceLog, Race};
use crate::summary::OnElapsed;

declare_rule! {
    pub RACED_FUTURE_LOSES_QUEUE_PLACE: RacedFutureLosesQueuePlace,
    id: "raced_future_loses_queue_place",
    code: "CS003",
    category: "fairness",
    default: Note,
    enabled_by_default: false,
    summary: "a future waiting in a fair queue is raced in `select!` or `timeout`, and loses its place when dropped",
}

impl Check for RacedFutureLosesQueuePlace {
    fn place(&self, cx: &RuleCx<'_>, log: &PlaceLog, out: &mut Vec<Finding>) {
        for r in log.races() {
            // When the site fires and the thread unwinds, no one waits in the queue again.
            if r.harm() == Harm::QueuePlace && r.on_elapsed != OnElapsed::Panics {
                out.push(finding(cx, &r));
            }
        }
    }
}

fn finding(cx: &RuleCx<'_>, r: &Race<'_>) -> Finding {
    let ws = cx.workspace;
    let unit = &ws.units[r.unit];
    let owner = ws.units[ws.owner_fn(r.unit)].unit.display_name();
    Finding::build(&RACED_FUTURE_LOSES_QUEUE_PLACE, cx.files[unit.file].clone(), r.span, owner)
        .message(format!(
            "this {} can drop `{}` while it waits in a fair queue, which gives up its place",
            r.site.describe(),
            r.text
        ))
        .primary_label(dropped_label(cx, r))
        .resolved_by_name(raced_by_name(cx, r))
        .help(
            "if waiting in order matters (a fair lock, a bounded channel's senders), create the future once \
             and pin it outside the loop (`tokio::pin!(fut)`, then `&mut fut`), or take the lock or permit \
             before the `select!`",
        )
        .fingerprint(&[r.text])
}
