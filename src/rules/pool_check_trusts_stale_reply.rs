//! `pool_check_trusts_stale_reply`: a pool manager's check (deadpool's `recycle`, bb8's
//! `is_valid`) that exchanges a request and reply on the checked connection and takes
//! whatever reply comes first for its own. A reply left by an earlier, cut exchange passes
//! the check, and the check's own reply is left for the next checkout.

use super::{Check, Finding, RuleCx};
use crate::callgraph::UnitRef;
use crate::summary::{RootKind, RootRef, UnitKind};

declare_rule! {
    pub POOL_CHECK_TRUSTS_STALE_REPLY: PoolCheckTrustsStaleReply,
    id: "pool_check_trusts_stale_reply",
    code: "CS005",
    category: "correctness",
    default: Error,
    summary: "a pool's connection check takes a reply left by a cut exchange for its own",
}

impl Check for PoolCheckTrustsStaleReply {
    fn unit(&self, cx: &RuleCx<'_>, i: usize, unit: &UnitRef, out: &mut Vec<Finding>) {
        let ws = cx.workspace;
        let u = &unit.unit;
        let is_fn = matches!(u.kind, UnitKind::Fn { .. });
        if !is_fn || !ws.is_pool_check(i) || u.matches_reply || ws.is_guarded(i) {
            return;
        }
        let Some(fx) = cx.outcome.effects.get(i) else {
            return;
        };
        for (root, f) in &fx.roots {
            // The checked connection: a parameter the pool lends, not the manager itself.
            let RootRef::Slot(k) = *root else { continue };
            let (Some(section), Some(slot)) = (f.section, u.slots.get(k as usize)) else {
                continue;
            };
            if slot.kind != RootKind::ParamRef {
                continue;
            }
            let function = u.display_name();
            let conn = &slot.name;
            out.push(
                Finding::build(&POOL_CHECK_TRUSTS_STALE_REPLY, cx.files[unit.file].clone(), section, function)
                    .message(format!(
                        "this pool check takes the first reply on `{conn}` for its own: a reply left there by a cut exchange passes it"
                    ))
                    .primary_label(format!(
                        "request written to `{conn}` and a reply read here, whatever request it answers"
                    ))
                    .help(format!(
                        "send something unique with the check and compare the reply with it (`PING <n>` \
                         answered `<n>`, as deadpool-redis does since 0.8), so a stale reply fails the \
                         check and the pool discards `{conn}`; better still, discard connections whose \
                         exchange was cut (`cancelsafe::Guarded`, a poison flag) so none is lent out again"
                    ))
                    .fingerprint(&[conn]),
            );
        }
    }
}
