//! `#[derive(VmState)]`: the procedural macro of `vmstate-core`; use it through
//! `vmstate_core::VmState`, which documents the attributes.
//!
//! The derive is a pipeline, one module a step:
//! `ast` reads the struct and its `#[vmstate(...)]` attributes into a typed model (with
//! `attr`), `check` validates the model, `expand` writes the code. Every step records
//! its errors in a `ctxt::Ctxt` and carries on, so one compile reports every problem.
//! A fieldless enum (a field type, not a section) takes the short path of `enums`, and a
//! `transparent` struct (a field type that travels as its one field) that of `newtype`, and
//! a type with `from`/`try_from`/`into` (one that travels as another through conversions)
//! that of `convert`.
//! Before all that, `self_type` spells `Self` in field types as the struct.

mod ast;
mod attr;
mod check;
mod convert;
mod ctxt;
mod enums;
mod expand;
mod naming;
mod newtype;
mod self_type;

use proc_macro::TokenStream;

/// Derives `vmstate_core::VmState` and `vmstate_core::Field`; see `vmstate_core::VmState`.
#[proc_macro_derive(VmState, attributes(vmstate))]
pub fn derive_vmstate(input: TokenStream) -> TokenStream {
    let mut input = syn::parse_macro_input!(input as syn::DeriveInput);
    self_type::replace_in_field_types(&mut input);
    derive(&input).unwrap_or_else(|errors| errors).into()
}

fn derive(input: &syn::DeriveInput) -> Result<proc_macro2::TokenStream, proc_macro2::TokenStream> {
    if attr::Container::asks_conversion(&input.attrs) {
        return convert::derive(input);
    }
    match &input.data {
        syn::Data::Enum(data) => return enums::derive(input, data),
        syn::Data::Struct(data) if attr::Container::asks_transparent(&input.attrs) => {
            return newtype::derive(input, data)
        }
        _ => {}
    }
    let cx = ctxt::Ctxt::default();
    let parsed = ast::Input::from_syn(&cx, input);
    check::check(&cx, &parsed);
    // A field type that rustc refuses in any struct (`_`, `impl Trait`) is reported by rustc
    // alone.
    let refused_by_rustc = parsed.fields.iter().any(check::has_type_rustc_refuses);
    let errors = match cx.check() {
        Ok(()) if !refused_by_rustc => return Ok(expand::expand(&parsed)),
        Ok(()) => proc_macro2::TokenStream::new(),
        Err(errors) => errors.into_compile_error(),
    };
    // With the errors, impls that keep every use of the struct from reporting that it
    // does not derive `VmState` (as thiserror does).
    // (Not when a generic parameter takes a name the impls use: they would clash.)
    let mut out = errors;
    let has_unsized = parsed.fields.iter().any(check::has_unsized_type);
    if !check::reserved_generics(parsed.generics) && !has_unsized {
        out.extend(expand::fallback(&parsed));
    }
    Err(out)
}
