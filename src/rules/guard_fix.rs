//! The fix for an unguarded exchange, kept apart from the rule that reports it so another
//! rule about exchanges can offer it too: `#[cancelsafe::guard(state = ..)]` on the fn, as
//! an edit of the line the fn starts on. How sure it is depends on what the guard
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
    let root = ws.units[at].unit.slots.get(slot as usize)?;
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
    // inside the fn, a name from a macro template, a trait's method (`#[async_trait]` on
    // the impl would turn it into a sync fn before the guard sees it), another macro
    // attribute (it expands before a guard put below it): likely right, to be reviewed.
    let in_trait = unit.trait_name.is_some();
    if fields.len() > 1
        || !on_self
        || at != owner
        || unit.is_wildcard()
        || !head.mut_self
        || in_trait
        || head.other_macros
    {
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
            replacement: format!(
                "{indent}{attribute}{}{}",
                if head.crlf { "\r\n" } else { "\n" },
                head.text
            ),
        }],
    })
}

#[cfg(test)]
mod tests {

    use crate::rules::{Applicability, Fix};

    /// A connection type with `fields`, and `method` in its impl (`{head}` stands for the
    /// line up to the name): the fixes of the findings, in order.
    fn fixes(fields: &str, method: &str) -> Vec<Option<Fix>> {
        let code = format!(
            "use tokio::io::{{AsyncReadExt, AsyncWriteExt}};\n\
             pub struct Conn {{ stream: tokio::net::TcpStream, {fields} }}\n\
             impl Conn {{\n{method}\n}}\n"
        );
        crate::rules::findings_in(&code)
            .into_iter()
            .map(|f| f.fix)
            .collect()
    }

    const BODY: &str = "{\n        self.stream.write_all(b\"GET\").await?;\n        \
                        let b = self.stream.read_u8().await?;\n        todo!()\n    }";

    fn one(fields: &str, head: &str, rest: &str) -> Option<Fix> {
        let found = fixes(fields, &format!("{head}{rest} {BODY}"));
        assert_eq!(found.len(), 1, "one finding: {found:#?}");
        found.into_iter().next().flatten()
    }

    fn sure(fix: &Option<Fix>) -> Option<Applicability> {
        fix.as_ref().map(|f| f.applicability)
    }

    #[test]
    fn the_attribute_goes_on_its_own_line_with_the_heads_indentation() {
        for head in [
            "    pub async fn get",
            "\tpub(crate) async fn get",
            "async fn get",
        ] {
            let fix = one(
                "cancel: cancelsafe::CancelState",
                head,
                "(&mut self) -> std::io::Result<u8>",
            )
            .expect("a fix");
            assert_eq!(
                fix.applicability,
                Applicability::MachineApplicable,
                "{head}"
            );
            let [edit] = &fix.edits[..] else {
                panic!("one edit: {fix:?}")
            };
            assert_eq!(edit.original, head);
            let indent = &head[..head.len() - head.trim_start().len()];
            assert_eq!(
                edit.replacement,
                format!("{indent}#[cancelsafe::guard(state = self.cancel)]\n{head}")
            );
            assert_eq!((edit.span.column, edit.span.end_line), (1, edit.span.line));
            assert_eq!(edit.span.end_byte - edit.span.start_byte, head.len() as u32);
        }
    }

    #[test]
    fn a_crlf_file_gets_a_crlf_line() {
        let code = format!(
            "use tokio::io::{{AsyncReadExt, AsyncWriteExt}};\r\n\
             pub struct Conn {{ stream: tokio::net::TcpStream, cancel: CancelState }}\r\n\
             impl Conn {{\r\n    async fn get(&mut self) -> std::io::Result<u8> {}\r\n}}\r\n",
            BODY.replace('\n', "\r\n")
        );
        let found = crate::rules::findings_in(&code);
        let fix = found[0].fix.as_ref().expect("a fix");
        assert_eq!(
            fix.edits[0].replacement,
            "    #[cancelsafe::guard(state = self.cancel)]\r\n    async fn get"
        );
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
    }

    #[test]
    fn the_state_is_the_structs_own_cancel_state_field() {
        let fix = one(
            "state: cancelsafe::CancelState",
            "    pub async fn get",
            "(&mut self) -> Result<u8, std::io::Error>",
        )
        .expect("a fix");
        assert_eq!(
            fix.message,
            "add `#[cancelsafe::guard(state = self.state)]`"
        );
        assert_eq!(fix.applicability, Applicability::MachineApplicable);
    }

    #[test]
    fn what_the_guard_may_not_compile_with_is_not_machine_applicable() {
        let field = "cancel: cancelsafe::CancelState";
        let head = "    pub async fn get";
        // An error type that may not convert from `Interrupted`.
        let other_error = one(field, head, "(&mut self) -> Result<u8, MyError>");
        assert_eq!(sure(&other_error), Some(Applicability::MaybeIncorrect));
        // Two `CancelState`s: which one guards this stream is a guess.
        // A trait impl's method: `#[async_trait]` may rewrite it first.
        let code = format!(
            "use tokio::io::{{AsyncReadExt, AsyncWriteExt}};\n\
             pub struct Conn {{ stream: tokio::net::TcpStream, {field} }}\n\
             #[async_trait::async_trait]\n\
             impl Get for Conn {{\n{head}(&mut self) -> std::io::Result<u8> {BODY}\n}}\n"
        );
        let in_trait: Vec<_> = crate::rules::findings_in(&code)
            .into_iter()
            .map(|f| sure(&f.fix))
            .collect();
        assert_eq!(in_trait, [Some(Applicability::MaybeIncorrect)]);
        let two = one(
            &format!("{field}, other: CancelState"),
            head,
            "(&mut self) -> std::io::Result<u8>",
        );
        assert_eq!(sure(&two), Some(Applicability::MaybeIncorrect));
        // Another macro attribute expands before the guard put below it.
        let instrumented = one(
            field,
            &format!("    #[tracing::instrument]\n    /// Docs.\n{head}"),
            "(&mut self) -> std::io::Result<u8>",
        );
        assert_eq!(sure(&instrumented), Some(Applicability::MaybeIncorrect));
        let documented = one(
            field,
            &format!("    /// Docs.\n    #[inline]\n{head}"),
            "(&mut self) -> std::io::Result<u8>",
        );
        assert_eq!(sure(&documented), Some(Applicability::MachineApplicable));
        // No `Result`: a refusal needs a `fallback` value, a placeholder here.
        let no_result = one(field, head, "(&mut self) -> u8").expect("a fix");
        assert_eq!(no_result.applicability, Applicability::HasPlaceholders);
        assert!(
            no_result.edits[0].replacement.contains("fallback = /*"),
            "{no_result:?}"
        );
        // No field: the user adds it (and its initialisers).
        let no_field = one("other: u8", head, "(&mut self) -> std::io::Result<u8>").expect("a fix");
        assert_eq!(no_field.applicability, Applicability::HasPlaceholders);
        assert!(no_field
            .message
            .contains("a `cancel: cancelsafe::CancelState` field to `Conn`"));
    }

    #[test]
    fn no_fix_where_the_head_is_not_a_line_of_its_own() {
        let field = "cancel: cancelsafe::CancelState";
        let spread = one(
            field,
            "    pub async fn\n    get",
            "(&mut self) -> std::io::Result<u8>",
        );
        assert!(spread.is_none(), "{spread:?}");
        let after_code = one(
            field,
            "    /* x */ pub async fn get",
            "(&mut self) -> std::io::Result<u8>",
        );
        assert!(after_code.is_none(), "{after_code:?}");
    }
}
