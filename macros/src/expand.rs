//! Turn the checked fn into its guarded form.
//!
//! ```text
//! Input:
//!     #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
//!     async fn get(&mut self, key: &str) -> io::Result<Reply> { BODY }
//!
//! Output:
//!     async fn get(&mut self, key: &str) -> io::Result<Reply> {
//!         // 1. repair what an interrupted call left, before sending anything
//!         match recover(&mut self.cancel, Policy::Drain) {
//!             Recovery::Refuse => return Err(From::from(refusal(&self.cancel))),
//!             Recovery::Drain(n) => for _ in 0..n {
//!                 match Self::read_reply(&mut *self).await {
//!                     Ok(_) => drained(&mut self.cancel),
//!                     Err(e) => { poison(&mut self.cancel); return Err(From::from(e)) }
//!                 }
//!             },
//!             _ => {}
//!         }
//!         // 2. run the body with its awaits marked (see `awaits.rs`); `return` and `?`
//!         //    leave the inner block, not the fn, so `finish` always runs on completion
//!         begin(&mut self.cancel, Policy::Drain, 1usize);
//!         let __cancelsafe_out: io::Result<Reply> = async { BODY' }.await;
//!         finish(&mut self.cancel);
//!         __cancelsafe_out
//!     }
//! ```
//!
//! If the future is dropped anywhere in 1 or 2, the marks stay and the next call repairs.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{ItemFn, ReturnType};

use crate::args::{self, push};
use crate::awaits::Marker;
use crate::validate::{self, has_impl_trait, Guard, Repair};

/// The attribute as a `proc_macro2` function, so it can be unit-tested.
pub(crate) fn guard(args: TokenStream, item: TokenStream) -> TokenStream {
    let (args, mut errors) = args::parse(args);
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let e = syn::Error::new(
                args::attribute_span(),
                "`#[cancelsafe::guard]` goes on an `async fn` (a method taking `&mut self`, or a free fn with a `&mut` connection parameter)",
            );
            push(&mut errors, e);
            return with_error(item, errors);
        }
    };
    match validate::check(args, &func) {
        Ok(guard) if errors.is_none() => expand(func, &guard),
        Ok(_) => with_error(item, errors),
        Err(e) => {
            push(&mut errors, e);
            with_error(item, errors)
        }
    }
}

/// The item unchanged plus the errors, so editors keep working (tokio `token_stream_with_error`).
fn with_error(mut item: TokenStream, errors: Option<syn::Error>) -> TokenStream {
    if let Some(e) = errors {
        item.extend(e.into_compile_error());
    }
    item
}

fn expand(mut func: ItemFn, g: &Guard) -> TokenStream {
    let Guard { krate, state, .. } = g;
    let private = quote!(#krate::__private);
    // Type errors about converting `Interrupted` or the repair fn's error land on the
    // return type.
    let ret_span = match &func.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => func.sig.ident.span(),
    };
    let (policy, recovery) = recovery(g, ret_span);
    let replies = &g.replies;

    let mut body = (*func.block).clone();
    Marker {
        krate,
        state,
        writes: &g.writes,
        reads: &g.reads,
    }
    .visit_block_mut(&mut body);

    let out_ty = match &func.sig.output {
        ReturnType::Type(_, ty) if has_impl_trait(ty.to_token_stream()) => quote!(),
        ReturnType::Type(_, ty) => quote!(: #ty),
        ReturnType::Default => quote!(: ()),
    };
    let span = func.block.span();
    let block = quote_spanned! {span=>
        {
            #recovery
            #private::begin(&mut #state, #private::Policy::#policy, #replies);
            #[allow(clippy::let_unit_value, clippy::redundant_async_block, unreachable_code)]
            let __cancelsafe_out #out_ty = async #body.await;
            #[allow(unreachable_code)]
            #private::finish(&mut #state);
            #[allow(unreachable_code)]
            __cancelsafe_out
        }
    };
    func.block = Box::new(syn::parse_quote!(#block));
    func.into_token_stream()
}

/// The policy's name and the statement that repairs an interrupted call.
fn recovery(g: &Guard, ret_span: Span) -> (TokenStream, TokenStream) {
    let Guard {
        krate, state, conn, ..
    } = g;
    let private = quote!(#krate::__private);
    let fail = |err: TokenStream| -> TokenStream {
        match &g.fallback {
            None => quote_spanned! {ret_span=>
                let __cancelsafe_source = #err;
                #[allow(clippy::useless_conversion)]
                let __cancelsafe_err = ::core::convert::From::from(__cancelsafe_source);
                return ::core::result::Result::Err(__cancelsafe_err)
            },
            // The state stays poisoned: the next call tries again (`reconnect`) or refuses.
            Some(value) => quote_spanned! {ret_span=>
                let _ = #err;
                return #value
            },
        }
    };
    let refuse = fail(quote!(#private::refusal(&#state)));
    let err = fail(quote!(__cancelsafe_e));
    match &g.policy {
        Repair::Poison => (
            quote!(Poison),
            quote! {
                if let #private::Recovery::Refuse = #private::recover(&mut #state, #private::Policy::Poison) {
                    #refuse;
                }
            },
        ),
        Repair::Drain(f) => (
            quote!(Drain),
            quote! {
                match #private::recover(&mut #state, #private::Policy::Drain) {
                    #private::Recovery::Refuse => {
                        #refuse;
                    }
                    #private::Recovery::Drain(__cancelsafe_owed) => {
                        for _ in 0..__cancelsafe_owed {
                            match #f(#conn).await {
                                ::core::result::Result::Ok(_) => #private::drained(&mut #state),
                                ::core::result::Result::Err(__cancelsafe_e) => {
                                    #private::poison(&mut #state);
                                    #err;
                                }
                            }
                        }
                    }
                    _ => {}
                }
            },
        ),
        Repair::Reconnect(f) => (
            quote!(Reconnect),
            quote! {
                if let #private::Recovery::Reconnect = #private::recover(&mut #state, #private::Policy::Reconnect) {
                    match #f(#conn).await {
                        ::core::result::Result::Ok(_) => #private::reconnected(&mut #state),
                        ::core::result::Result::Err(__cancelsafe_e) => {
                            #err;
                        }
                    }
                }
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// Expands, pretty-prints and snapshots one input.
    fn snapshot(name: &str, args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) {
        let out = super::guard(args, item);
        let file: syn::File = syn::parse2(out).expect("expansion parses as items");
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name, prettyplease::unparse(&file)));
    }

    #[test]
    fn poison_is_the_default() {
        snapshot(
            "expand_poison",
            quote!(state = self.cancel),
            quote! {
                async fn get(&mut self, key: &str) -> io::Result<Option<Vec<u8>>> {
                    self.stream.write_all(&encode(&["GET", key])).await?;
                    self.stream.flush().await?;
                    self.read_reply().await.map(Reply::into_bytes)
                }
            },
        );
    }

    #[test]
    fn drain_pays_one_reply_per_read_await() {
        snapshot(
            "expand_drain",
            quote!(
                state = self.cancel,
                drain = Self::read_reply,
                replies = cmds.len()
            ),
            quote! {
                async fn pipeline(&mut self, cmds: &[Cmd]) -> io::Result<Vec<Reply>> {
                    for cmd in cmds {
                        self.stream.write_all(&cmd.encode()).await?;
                    }
                    self.stream.flush().await?;
                    let mut out = Vec::with_capacity(cmds.len());
                    for _ in cmds {
                        out.push(self.read_reply().await?);
                    }
                    Ok(out)
                }
            },
        );
    }

    #[test]
    fn reconnect_on_a_free_fn_with_non_result_return() {
        snapshot(
            "expand_reconnect",
            quote!(
                state = conn.cancel,
                reconnect = Conn::reconnect,
                fallback = false,
                write = [send_frame],
                crate = "cs"
            ),
            quote! {
                pub async fn ping(conn: &mut Conn) -> bool {
                    if conn.send_frame(b"PING").await.is_err() {
                        return false;
                    }
                    let closure = || async { conn_write_all().await };
                    matches!(conn.read_frame().await, Ok(f) if f == "PONG")
                }
            },
        );
    }

    #[test]
    fn errors_keep_the_item() {
        snapshot(
            "expand_errors",
            quote!(
                state = self.cancel,
                drain = Self::a,
                reconnect = Self::b,
                colour = 3
            ),
            quote!(
                fn get(&mut self) -> io::Result<()> {}
            ),
        );
    }
}
