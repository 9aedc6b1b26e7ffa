//! `#[derive(VmState)]`: the procedural macro of `vmstate-core`; use it through
//! `vmstate_core::VmState`, which documents the attributes.
//!
//! The derive is a pipeline, one module a step:
//! `ast` reads the struct and its `#[vmstate(...)]` attributes into a typed model (with
//! `attr`), `check` validates the model, `expand` writes the code. Every step records
//! its errors in a `ctxt::Ctxt` and carries on, so one compile reports every problem.

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;

use proc_macro::TokenStream;

/// Derives `vmstate_core::VmState` and `vmstate_core::Field`; see `vmstate_core::VmState`.
#[proc_macro_derive(VmState, attributes(vmstate))]
pub fn derive_vmstate(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn derive(input: &syn::DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let cx = ctxt::Ctxt::default();
    let parsed = ast::Input::from_syn(&cx, input);
    if let Some(parsed) = &parsed {
        check::check(&cx, parsed);
    }
    cx.check()?;
    Ok(expand::expand(
        &parsed.expect("no errors means the input parsed"),
    ))
}
