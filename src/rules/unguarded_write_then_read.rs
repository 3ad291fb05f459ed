//! `unguarded_write_then_read`: a request written to a stream that outlives the future,
//! then its reply awaited, with nothing to recover if the future is dropped in between.

use super::describe::by_name_note;
use super::guard_fix::guard_attribute;
use super::{Check, Finding, Label, RuleCx};
use crate::callgraph::{Hop, Link, PlaceLog, Section, Step, Workspace};
use crate::summary::{CancelSite, Place, RootKind, RootRef, Unit, UnitKind};

declare_rule! {
    pub UNGUARDED_WRITE_THEN_READ: UnguardedWriteThenRead,
    id: "unguarded_write_then_read",
    code: "CS001",
    category: "correctness",
    default: Error,
    summary: "a request written to a shared stream is followed by an awaited reply with no cancellation guard",
}

impl Check for UnguardedWriteThenRead {
    /// Each write→read exchange on the place is reported when dropping the future can leave
    /// the reply for the next call: it is not in a spawned task, its fn is not guarded, and
    /// its stream outlives the future.
    fn place(&self, cx: &RuleCx<'_>, log: &PlaceLog, out: &mut Vec<Finding>) {
        let ws = cx.workspace;
        if ws.is_spawned(log.unit) || ws.is_guarded(ws.owner_fn(log.unit)) {
            return;
        }
        for s in log.sections() {
            if cx.outcome.stream_outlives(ws, &s) {
                out.push(finding(cx, &s));
            }
        }
    }
}

fn finding(cx: &RuleCx<'_>, s: &Section) -> Finding {
    let ws = cx.workspace;
    let unit_ref = &ws.units[s.unit];
    let owner = &ws.units[ws.owner_fn(s.unit)].unit;
    let file = cx.files[unit_ref.file].clone();
    let stream = unit_ref.unit.render_place(s.stream);
    let (message, primary_label) = if s.via_deferred {
        (
            format!("`{}` writes a request to `{stream}` and awaits its reply with no cancellation guard", s.write.text),
            format!("request written and reply awaited here{}", via(ws, s.unit, s.write)),
        )
    } else {
        (
            format!("a request written to `{stream}` is followed by an awaited reply with no cancellation guard"),
            format!("request written to `{stream}` here{}", via(ws, s.unit, s.write)),
        )
    };
    let mut labels = if s.via_deferred {
        Vec::new()
    } else {
        s.reads
            .iter()
            .map(|r| Label {
                file: file.clone(),
                span: r.span,
                message: format!("reply awaited here{}: if the future is dropped at this point the reply stays on `{stream}`", via(ws, s.unit, r)),
            })
            .collect()
    };
    let reached_by = cx.outcome.reached_by(s.unit);
    let chain = reached_by.as_deref().unwrap_or_default();
    labels.extend(chain.iter().map(|l| Label {
        file: cx.files[ws.units[l.unit].file].clone(),
        span: l.span,
        message: hop_label(ws, l),
    }));
    let mut texts: Vec<&str> = vec![&s.write.text];
    texts.extend(s.reads.iter().map(|r| r.text.as_str()));
    Finding::build(&UNGUARDED_WRITE_THEN_READ, file, s.write.span, owner.display_name())
        .message(message)
        .primary_label(primary_label)
        .labels(labels)
        .help(format!(
            "{}\n{}",
            help(owner, s.stream),
            reach_note(cx, reached_by.as_deref())
        ))
        .reached(reached_by.is_some())
        .resolved_by_name(rests_on_a_name(ws, s, chain))
        .fix(guard_attribute(cx, ws.owner_fn(s.unit), s.unit, s.stream))
        .fingerprint(&texts)
}

/// Says whether a cancellation site in the scanned code reaches the section, and how.
fn reach_note(cx: &RuleCx<'_>, reached_by: Option<&[Link]>) -> String {
    let ws = cx.workspace;
    let Some(chain) = reached_by else {
        return "note: no cancellation site in the scanned code reaches this section; code that \
                calls it from elsewhere (`select!`, `timeout`, a web handler) can still drop it"
            .into();
    };
    let steps: Vec<String> = chain
        .iter()
        .map(|l| {
            let unit = &ws.units[l.unit];
            let owner = ws.units[ws.owner_fn(l.unit)].unit.display_name();
            // The file name only: the label itself carries the full path.
            let file = cx.files[unit.file]
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let at = format!("in `{owner}` ({file}:{})", l.span.line);
            match l.hop {
                Hop::Site { site, target } if target == l.unit => {
                    format!("the {} {at}", site.describe())
                }
                Hop::Site { site, target } => {
                    let unit = &ws.units[target].unit;
                    let what = match unit.kind {
                        UnitKind::Fn { .. } => format!("`{}`", unit.display_name()),
                        UnitKind::AsyncBlock { .. } => "an `async` block".into(),
                    };
                    let guess = by_name_suffix(ws, l.unit, target);
                    format!("the {} of {what}{guess} {at}", site.describe())
                }
                Hop::Call { .. } => format!("{} {at}", hop_label(ws, l)),
            }
        })
        .collect();
    format!(
        "note: reached from a cancellation site: {}",
        steps.join(" → ")
    )
}

/// The label on one link of the chain from a cancellation site.
fn hop_label(ws: &Workspace, link: &Link) -> String {
    match link.hop {
        Hop::Site { site, .. } => match site {
            CancelSite::Select => "cancelled here by `select!`, when another branch wins".into(),
            CancelSite::Timeout => "cancelled here by `timeout`, when the time runs out".into(),
            CancelSite::Handed => {
                "cancelled here by the combinator it is handed to, which can finish without it"
                    .into()
            }
            CancelSite::TryJoin => {
                "cancelled here by `try_join`, when another operand fails".into()
            }
            CancelSite::Abort => "cancelled here by aborting the task".into(),
            CancelSite::Handler(f) => format!(
                "cancelled here: the {} is dropped when the client disconnects",
                f.describe()
            ),
        },
        Hop::Call { callee } => {
            let unit = &ws.units[callee].unit;
            match unit.kind {
                UnitKind::Fn { .. } => format!(
                    "calls `{}`{}",
                    unit.display_name(),
                    by_name_suffix(ws, link.unit, callee)
                ),
                UnitKind::AsyncBlock { .. } => "runs this `async` block".into(),
            }
        }
    }
}

/// ` (through `Type::f`)` when the I/O happens inside a crate function of unit `caller`.
fn via(ws: &Workspace, caller: usize, step: &Step) -> String {
    match step.callee {
        Some(c) => format!(
            " (through `{}`{})",
            ws.units[c].unit.display_name(),
            by_name_note(ws, caller, c)
        ),
        None => String::new(),
    }
}

/// ` (resolved by name)` after a chain link that is a guess.
fn by_name_suffix(ws: &Workspace, caller: usize, callee: usize) -> &'static str {
    if ws.resolved_by_name(caller, callee) {
        " (resolved by name)"
    } else {
        ""
    }
}

/// Whether a call the finding rests on, in its chain or its I/O, was resolved by name.
fn rests_on_a_name(ws: &Workspace, s: &Section, chain: &[Link]) -> bool {
    let steps = std::iter::once(s.write).chain(s.reads.iter().copied());
    let io = steps.filter_map(|st| st.callee).any(|c| ws.resolved_by_name(s.unit, c));
    io || chain.iter().any(|l| match l.hop {
        Hop::Call { callee: to } | Hop::Site { target: to, .. } => ws.resolved_by_name(l.unit, to),
    })
}

/// Names the fix with the exact attribute for this function's shape.
fn help(owner: &Unit, stream: &Place) -> String {
    let state = match stream.root {
        RootRef::Slot(i)
            if owner
                .slots
                .get(i as usize)
                .is_some_and(|r| r.kind == RootKind::SelfRef) =>
        {
            "self.cancel".to_string()
        }
        RootRef::Slot(i) => format!(
            "{}.cancel",
            owner
                .slots
                .get(i as usize)
                .map(|r| &*r.name)
                .unwrap_or("conn")
        ),
        RootRef::Local(_) => "self.cancel".to_string(),
    };
    format!(
        "if this future is dropped between the write and the read, the next request on this stream reads this reply; \
         add a `cancel: cancelsafe::CancelState` field and put `#[cancelsafe::guard(state = {state})]` on the fn \
         (or `drain = ...` to read owed replies instead of failing); in application code around a client you do not \
         own, make the call through `cancelsafe::Guarded::exchange`, which discards the connection if the exchange is cut"
    )
}
