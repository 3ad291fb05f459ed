//! The fix rules share for an unguarded exchange: `#[cancelsafe::guard(state = ..)]` on the
//! fn, as an edit of the line the fn starts on. How sure it is depends on what the guard
//! needs (see the `cancelsafe` crate docs): a `CancelState` field next to the stream, a
//! `&mut` receiver, and a `Result` whose error a refusal converts into.

use super::{Applicability, Edit, Fix, RuleCx};
use crate::summary::{Place, Returns, RootKind, RootRef};

/// The guard attribute on the fn unit `owner` (a fn, not a block) for an exchange on
/// `stream`, a place of unit `at` (the owner, or a block inside it). `None` when there is
/// no line to put it on (a head spread over lines, a dependency's fn) or no struct to
/// hold a `CancelState` (a stream held in a local, a parameter of a type not defined in
/// the analysed code).
pub(super) fn guard_attribute(
    cx: &RuleCx<'_>,
    owner: usize,
    at: usize,
    stream: &Place,
) -> Option<Fix> {
    let ws = cx.workspace;
    if ws.dependency_of(owner).is_some() {
        return None;
    }
    let unit_ref = &ws.units[owner];
    let unit = &unit_ref.unit;
    let head = unit.head.as_deref()?;
    let RootRef::Slot(slot) = stream.root else {
        return None;
    };
    let root = ws.units[at].unit.slots.get(slot)?;
    let on_self = root.kind == RootKind::SelfRef;
    let ty = if on_self {
        unit.self_ty.as_deref()
    } else {
        root.ty.as_deref()
    }?;
    // A type whose definition is not in sight (a dependency's stream) cannot get a field.
    let fields = ws.fields_of_type(ty, "CancelState")?;
    let field = fields.first().copied();
    let state = format!("{}.{}", root.name, field.unwrap_or("cancel"));
    let mut sure = Applicability::MachineApplicable;
    let mut lower = |to: Applicability| sure = sure.max(to);
    // A second `CancelState` field, a field of a parameter (it must be `&mut`), a block
    // inside the fn, a name from a macro template: likely right, to be reviewed.
    if fields.len() > 1 || !on_self || at != owner || unit.is_wildcard() || !head.mut_self {
        lower(Applicability::MaybeIncorrect);
    }
    let mut options = format!("state = {state}");
    match head.returns {
        Returns::IoResult => {}
        // Its error type needs `From<cancelsafe::Interrupted>`.
        Returns::OtherResult => lower(Applicability::MaybeIncorrect),
        Returns::Other => {
            options.push_str(", fallback = /* returned while the connection cannot be repaired */");
            lower(Applicability::HasPlaceholders);
        }
    }
    let attribute = format!("#[cancelsafe::guard({options})]");
    let message = match field {
        Some(_) => format!("add `{attribute}`"),
        None => {
            lower(Applicability::HasPlaceholders);
            format!(
                "add `{attribute}` and a `{}: cancelsafe::CancelState` field to `{ty}`",
                state.rsplit('.').next().unwrap_or("cancel")
            )
        }
    };
    let indent_len = head.text.len() - head.text.trim_start_matches([' ', '\t']).len();
    let indent = &head.text[..indent_len];
    Some(Fix {
        message,
        applicability: sure,
        edits: vec![Edit {
            file: cx.files[unit_ref.file].clone(),
            span: head.span,
            original: head.text.clone(),
            replacement: format!("{indent}{attribute}\n{}", head.text),
        }],
    })
}
