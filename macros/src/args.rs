//! Parse the attribute arguments into `Args`, collecting every mistake.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Path, Token};

const KEYS: &str =
    "`state`, `poison`, `drain`, `reconnect`, `fallback`, `replies`, `write`, `read`, `crate`";

/// Which repair the next call performs; the key's tokens are kept for error spans.
pub(crate) enum Policy {
    Poison(Path),
    Drain(Path, Path),
    Reconnect(Path, Path),
}

impl Policy {
    fn key(&self) -> &Path {
        match self {
            Policy::Poison(k) | Policy::Drain(k, _) | Policy::Reconnect(k, _) => k,
        }
    }
}

/// One `Option` per key; `None` when the key was not given.
#[derive(Default)]
pub(crate) struct Args {
    pub state: Option<Expr>,
    pub policy: Option<Policy>,
    pub replies: Option<Expr>,
    /// What a fn that returns no `Result` returns while its connection cannot be repaired.
    pub fallback: Option<Expr>,
    pub write: Option<Vec<Ident>>,
    pub read: Option<Vec<Ident>>,
    pub krate: Option<Path>,
}

/// Parses `state = .., drain = .., ..`. Returns what could be read plus all errors, so
/// validation can still run and report its own.
pub(crate) fn parse(tokens: TokenStream) -> (Args, Option<syn::Error>) {
    let mut args = Args::default();
    let mut errors: Option<syn::Error> = None;
    let parsed = syn::meta::parser(|meta| {
        if let Err(e) = args.field(&meta) {
            push(&mut errors, e);
        }
        Ok(())
    })
    .parse2(tokens);
    if let Err(e) = parsed {
        push(&mut errors, e);
    }
    (args, errors)
}

pub(crate) fn push(errors: &mut Option<syn::Error>, e: syn::Error) {
    match errors {
        Some(all) => all.combine(e),
        None => *errors = Some(e),
    }
}

impl Args {
    fn field(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let path = &meta.path;
        let name = path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        match name.as_str() {
            "state" => set(&mut self.state, meta.value()?.parse()?, path),
            "replies" => set(&mut self.replies, meta.value()?.parse()?, path),
            "fallback" => set(&mut self.fallback, meta.value()?.parse()?, path),
            "write" => set(&mut self.write, names(meta)?, path),
            "read" => set(&mut self.read, names(meta)?, path),
            "crate" => {
                let lit: LitStr = meta.value()?.parse()?;
                set(&mut self.krate, lit.parse()?, path)
            }
            "poison" => {
                if meta.input.peek(Token![=]) {
                    skip_value(meta)?;
                    return Err(syn::Error::new_spanned(
                        path,
                        "`poison` takes no value: write `poison`",
                    ));
                }
                self.set_policy(Policy::Poison(path.clone()))
            }
            "drain" => {
                let f: Path = meta.value()?.parse()?;
                self.set_policy(Policy::Drain(path.clone(), f))
            }
            "reconnect" => {
                let f: Path = meta.value()?.parse()?;
                self.set_policy(Policy::Reconnect(path.clone(), f))
            }
            _ => {
                skip_value(meta)?;
                let shown = quote::ToTokens::to_token_stream(path)
                    .to_string()
                    .replace(' ', "");
                Err(syn::Error::new_spanned(
                    path,
                    format!("unknown option `{shown}`; expected one of: {KEYS}"),
                ))
            }
        }
    }

    fn set_policy(&mut self, new: Policy) -> syn::Result<()> {
        match &self.policy {
            None => {
                self.policy = Some(new);
                Ok(())
            }
            Some(old) if key_name(old.key()) == key_name(new.key()) => Err(duplicate(new.key())),
            Some(old) => Err(syn::Error::new_spanned(
                new.key(),
                format!(
                    "only one policy may be given, and `{}` was already set: choose `poison`, `drain` or `reconnect`",
                    key_name(old.key())
                ),
            )),
        }
    }
}

fn key_name(p: &Path) -> String {
    p.get_ident().map(|i| i.to_string()).unwrap_or_default()
}

/// Rejects a key on its second occurrence, at that occurrence.
fn set<T>(slot: &mut Option<T>, value: T, key: &Path) -> syn::Result<()> {
    if slot.is_some() {
        return Err(duplicate(key));
    }
    *slot = Some(value);
    Ok(())
}

fn duplicate(key: &Path) -> syn::Error {
    syn::Error::new_spanned(key, format!("`{}` set multiple times", key_name(key)))
}

/// `[name, name, ..]`
fn names(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Ident>> {
    let input = meta.value()?;
    let content;
    syn::bracketed!(content in input);
    let list = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
    Ok(list.into_iter().collect())
}

/// Consumes `= value` or `(..)` after a key we reject, so parsing can go on.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

/// The span to blame when `state` is missing: the whole attribute.
pub(crate) fn attribute_span() -> Span {
    Span::call_site()
}
