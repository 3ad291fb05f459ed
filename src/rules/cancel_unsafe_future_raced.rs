//! `cancel_unsafe_future_raced`: a fresh future that loses data or an item when dropped,
//! raced where it can be dropped (`select!` branch, `timeout`, a combinator it is handed to).

use super::describe::{dropped_label, raced_by_name};
use super::{Check, Finding, Label, RuleCx, Severity};
use crate::callgraph::{Harm, PlaceLog, Race};
use crate::summary::CancelSite;

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
    fn place(&self, cx: &RuleCx<'_>, log: &PlaceLog, out: &mut Vec<Finding>) {
        for r in log.races() {
            // Replaced as the site fires (here, or by every caller): nothing reads it again.
            if cx.outcome.discarded_on_error(r.unit, r.span) {
                continue;
            }
            let exposed = |slot| cx.outcome.slot_exposed(cx.workspace, r.unit, slot);
            if !r.place_used_again(&cx.workspace.units[r.unit].unit, exposed) {
                // Nothing is left to read the reply or the rest of the frame.
                continue;
            }
            match r.harm() {
                // The item was moved into the future, and the timeout's `Err` tells the code
                // it was not sent: nothing is lost silently, and the channel is whole.
                Harm::Item if r.site == CancelSite::Timeout => {}
                Harm::Exchange | Harm::Data | Harm::Item => out.push(finding(cx, &r)),
                // A lost queue place corrupts nothing: `raced_future_loses_queue_place` says it.
                Harm::QueuePlace => {}
            }
        }
    }
}

fn finding(cx: &RuleCx<'_>, r: &Race<'_>) -> Finding {
    let ws = cx.workspace;
    let unit = &ws.units[r.unit];
    let owner = ws.units[ws.owner_fn(r.unit)].unit.display_name();
    let stream = r.stream.map(|p| unit.unit.render_place(p));
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
    // Where the stream is used again after the site, when this fn does it.
    let used_again = r.used_again_at.zip(stream.as_deref()).map(|(span, s)| Label {
        file: file.clone(),
        span,
        message: format!(
            "`{s}` is used again here, after the {} may have dropped the future half-way",
            r.site.describe()
        ),
    });
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
            .labels(std::iter::once(found_in.label).chain(used_again).collect())
            .help(found_in.help),
        None => found
            .message(format!(
                "this {} can drop `{}`, which {what}",
                r.site.describe(),
                r.text
            ))
            .labels(used_again.into_iter().collect())
            .help(help(r)),
    };
    found.fingerprint(&[r.text])
}

/// The incident's shape: the exchange is in a dependency, the cancellation here. Named by
/// the dependency's function, with a label on it, and the fixes open to the caller.
struct InDependency {
    name: String,
    what: String,
    label: Label,
    help: String,
}

fn in_dependency(cx: &RuleCx<'_>, r: &Race<'_>, what: &str) -> Option<InDependency> {
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

fn help(r: &Race<'_>) -> &'static str {
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

#[cfg(test)]
mod tests {
    /// The message names the future the site drops, not the `timeout(..)` around it: a stored
    /// future given to `timeout`, and a `select!` branch racing a `timeout`.
    #[test]
    fn the_message_names_the_raced_future() {
        let code = r#"
            pub struct Conn { sock: tokio::net::TcpStream }
            impl Conn {
                async fn frame(&mut self) -> std::io::Result<u32> {
                    let mut b = [0u8; 4];
                    self.sock.read_exact(&mut b).await?;
                    Ok(u32::from_be_bytes(b))
                }
                pub async fn stored(&mut self) {
                    let next = self.frame();
                    let _ = tokio::time::timeout(PATIENCE, next).await;
                }
                pub async fn branch(&mut self, stop: &mut Receiver<()>) {
                    tokio::select! {
                        _ = tokio::time::timeout(PATIENCE, self.frame()) => {}
                        _ = stop.recv() => {}
                    }
                }
            }
        "#;
        let findings = crate::rules::findings_in(code);
        let messages: Vec<(&str, &str)> = findings
            .iter()
            .filter(|f| f.rule.id == "cancel_unsafe_future_raced")
            .map(|f| (f.function.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    "Conn::stored",
                    "this `timeout` can drop `next`, which loses the bytes it already moved on `self` when dropped"
                ),
                (
                    "Conn::branch",
                    "this `select!` branch can drop `self.frame()`, which loses the bytes it already moved on `self` when dropped"
                ),
            ],
            "{findings:#?}"
        );
    }

    /// The finding shows where the stream is used again after the site, when the same fn
    /// does it.
    #[test]
    fn the_finding_shows_where_the_stream_is_used_again() {
        let code = r#"
            pub struct Conn { sock: tokio::net::TcpStream }
            impl Conn {
                async fn frame(&mut self) -> std::io::Result<u32> {
                    let mut b = [0u8; 4];
                    self.sock.read_exact(&mut b).await?;
                    Ok(u32::from_be_bytes(b))
                }
                pub async fn retry(&mut self) -> u32 {
                    match tokio::time::timeout(PATIENCE, self.frame()).await {
                        Ok(r) => r.unwrap(),
                        Err(_) => self.frame().await.unwrap(),
                    }
                }
            }
        "#;
        let findings = crate::rules::findings_in(code);
        let labels: Vec<(u32, u32, &str)> = findings
            .iter()
            .filter(|f| f.rule.id == "cancel_unsafe_future_raced")
            .flat_map(|f| f.labels.iter().map(move |l| (f.span.line, l.span.line, l.message.as_str())))
            .collect();
        assert_eq!(
            labels,
            [(
                10,
                12,
                "`self` is used again here, after the `timeout` may have dropped the future half-way"
            )],
            "{findings:#?}"
        );
    }
}
