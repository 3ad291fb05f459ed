//! The `#[cancelsafe::guard]` attribute. Use it through the `cancelsafe` crate, which holds
//! the runtime the expansion calls and documents the attribute.
//!
//! Pipeline: `args` (parse the attribute) → `validate` (spanned errors, all at once) →
//! `expand` (wrap the body, with `awaits` marking progress at each classified `.await`).

mod args;
mod awaits;
mod expand;
mod validate;

use proc_macro::TokenStream;

/// Make an `async fn` that writes a request and awaits its reply cancel-safe. See the
/// `cancelsafe` crate docs for the options and the rules.
#[proc_macro_attribute]
pub fn guard(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::guard(args.into(), item.into()).into()
}
