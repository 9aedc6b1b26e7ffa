//! `exists_if = "expr"`: the expression evaluated with each field it names bound to a
//! reference to that field's value: the device's on save; on load, for a migrated field
//! before this one, the value read so far (its default, or the destination's, when the input
//! lacked it), as QEMU's `field_exists` sees the fields it loaded; the destination's for an
//! immutable or skipped one (`check::exists_if` refuses the others).

use super::tokens::{loads_in_place, on_type, staged_local};
use crate::ast::{Field, Input, Role};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// Whether the field is on the wire, on save: `None` without `exists_if`.
pub(super) fn on_save(input: &Input, f: &Field) -> Option<TokenStream> {
    test(input, f, |read| {
        let name = read.ident;
        quote!(&self.#name)
    })
}

/// Whether the field is in the input, on load (with the values read so far): `None` without
/// `exists_if`.
pub(super) fn on_load(input: &Input, f: &Field, p: &TokenStream) -> Option<TokenStream> {
    test(input, f, |read| {
        let name = read.ident;
        match read.role() {
            Role::Migrated if loads_in_place(read) => {
                let place = on_type(read);
                quote!(&__vmstate_out.#place)
            }
            Role::Migrated if read.is_optional() => {
                let local = staged_local(read);
                quote!(#p::read_so_far(&#local, &self.#name))
            }
            Role::Migrated => {
                let local = staged_local(read);
                quote!(&#local)
            }
            _ => quote!(&self.#name),
        }
    })
}

/// The expression in a block that binds each field it reads (`value` gives the reference).
fn test(input: &Input, f: &Field, value: impl Fn(&Field) -> TokenStream) -> Option<TokenStream> {
    let e = f.attrs.exists_if.get()?;
    let reads = crate::check::reads(input, &e.value.expr);
    let expr = &reads.tokens;
    let bindings = reads.fields.into_iter().map(|(read, span)| {
        let name = crate::check::read_local(read, span);
        let value = value(read);
        quote_spanned!(span=> let #name = #value;)
    });
    let bool_ty = quote_spanned!(e.value.span=> ::core::primitive::bool);
    Some(quote! {{
        #(#bindings)*
        let __vmstate_present: #bool_ty = #expr;
        __vmstate_present
    }})
}
