//! Turn the checked fn into its guarded form.
//!
//! ```text
//! Input:
//!     #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
//!     async fn get(&mut self, key: &str) -> io::Result<Reply> { BODY }
//!
//! Output:
//!     async fn get(&mut self, key: &str) -> io::Result<Reply> {
//!         // (only when BODY has an unknown await, which `awaits.rs` wraps in `Polled`
//!         // and whose failure it notes in `__cancelsafe_cut`)
//!         let __cancelsafe_at = address(&self.cancel);
//!         let mut __cancelsafe_cut = false;
//!         // 1. repair what an interrupted call left, before sending anything; a call
//!         //    nested in a running one on the same state is refused here too
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
//!         // 2. run the body with every await marked (see `awaits.rs`); `return` and `?`
//!         //    leave the inner block, so step 3 runs whenever the body returns
//!         begin(&mut self.cancel, Policy::Drain, 1usize, DRAINABLE, STORED);
//!         let out: io::Result<Reply> = async { BODY' }.await;
//!         // 3. only a success (not `Err`, not `None`) ends the exchange
//!         finish(&mut self.cancel, out is `Err` or `None`, __cancelsafe_cut);
//!         out
//!     }
//! ```
//!
//! `DRAINABLE` is `false` when the body can write after reading a reply; `STORED` is `true`
//! when it awaits a stored future, which gets no mark (see `awaits.rs`). If the future is
//! dropped anywhere, or the body fails, the marks stay and the next call repairs.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, ItemFn, Lit, ReturnType};

use crate::args::{self, push};
use crate::awaits::{Marker, Seen};
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
    let checked = validate::check(args, &func).and_then(|guard| expand(func, &guard));
    match checked {
        Ok(tokens) if errors.is_none() => tokens,
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

fn expand(mut func: ItemFn, g: &Guard) -> syn::Result<TokenStream> {
    let Guard { krate, state, .. } = g;
    let private = quote!(#krate::__private);
    // Type errors about converting `Interrupted` or the repair fn's error land on the
    // return type.
    let ret_span = match &func.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => func.sig.ident.span(),
    };
    let (policy, recovery) = recovery(g, ret_span);

    let span = func.block.span();
    let mut body = (*func.block).clone();
    let mut marker = Marker::new(krate, state, &g.writes, &g.reads);
    marker.visit_block_mut(&mut body);
    check_replies(g, &marker.seen)?;
    let drainable = !marker.seen.interleaved;
    let stored = marker.seen.stored;
    let replies = match &g.replies {
        Some(e) => e.to_token_stream(),
        None => quote!(1usize),
    };

    let out_ty = match &func.sig.output {
        ReturnType::Type(_, ty) if has_impl_trait(ty.to_token_stream()) => quote!(),
        ReturnType::Type(_, ty) => quote!(: #ty),
        ReturnType::Default => quote!(: ()),
    };
    let (at, cut) = match marker.framed {
        true => (
            quote_spanned! {span=>
                let __cancelsafe_at = #private::address(&#state);
                let mut __cancelsafe_cut = false;
            },
            quote_spanned!(span=> __cancelsafe_cut),
        ),
        false => (quote!(), quote!(false)),
    };
    let block = quote_spanned! {span=>
        {
            #at
            #recovery
            #private::begin(&mut #state, #private::Policy::#policy, #replies, #drainable, #stored);
            #[allow(clippy::let_unit_value, clippy::redundant_async_block, unreachable_code)]
            let __cancelsafe_out #out_ty = async #body.await;
            #[allow(unreachable_code, clippy::needless_borrow)]
            let __cancelsafe_failed = {
                #[allow(unused_imports)]
                use #private::{Failed as _, Succeeded as _};
                (&__cancelsafe_out).__cancelsafe_failed()
            };
            #[allow(unreachable_code)]
            #private::finish(&mut #state, __cancelsafe_failed, #cut);
            #[allow(unreachable_code)]
            __cancelsafe_out
        }
    };
    func.block = Box::new(syn::parse_quote!(#block));
    Ok(func.into_token_stream())
}

/// `replies` must be at least 1, and a literal count must match the reply reads the body
/// visibly makes on every path (a read in a branch or loop only rules out too many).
fn check_replies(g: &Guard, seen: &Seen) -> syn::Result<()> {
    let (declared, given) = match &g.replies {
        None => (1, None),
        Some(
            e @ Expr::Lit(syn::ExprLit {
                lit: Lit::Int(n), ..
            }),
        ) => (n.base10_parse::<usize>()?, Some(e)),
        // Counted at run time: a call that reads more, or succeeds with fewer, loses its
        // drain.
        Some(_) => return Ok(()),
    };
    if declared == 0 {
        return Err(syn::Error::new_spanned(
            given,
            "`replies = 0` turns the guard off: a call that owes no reply needs no guard; \
             give the number of replies the call reads",
        ));
    }
    let reads = seen.reads.len();
    let too_few = reads < declared && !seen.conditional_reads;
    if reads == 0 || (reads <= declared && !too_few) {
        return Ok(());
    }
    let names = g
        .reads
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let what = format!(
        "the body reads {reads} repl{} ({names} awaits)",
        plural(reads)
    );
    Err(match given {
        Some(e) => syn::Error::new_spanned(
            e,
            format!("`replies = {declared}` cannot match what the body does: {what}; write `replies = {reads}`"),
        ),
        None => syn::Error::new(
            seen.reads[declared],
            format!("{what}, but `replies` is 1 by default: add `replies = {reads}` to the attribute"),
        ),
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "y"
    } else {
        "ies"
    }
}

/// `return Err(From::from(err))`, or `return fallback` for a fn without a `Result`.
fn fail(g: &Guard, ret_span: Span, err: TokenStream) -> TokenStream {
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
}

/// The policy's name and the statement that repairs an interrupted call.
fn recovery(g: &Guard, ret_span: Span) -> (TokenStream, TokenStream) {
    let Guard {
        krate, state, conn, ..
    } = g;
    let private = quote!(#krate::__private);
    let fail = |err: TokenStream| fail(g, ret_span, err);
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
                match #private::recover(&mut #state, #private::Policy::Reconnect) {
                    #private::Recovery::Refuse => {
                        #refuse;
                    }
                    #private::Recovery::Reconnect => match #f(#conn).await {
                        ::core::result::Result::Ok(_) => #private::reconnected(&mut #state),
                        ::core::result::Result::Err(__cancelsafe_e) => {
                            #err;
                        }
                    },
                    _ => {}
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
