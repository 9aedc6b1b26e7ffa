//! `#[derive(VmState)]` with `#[vmstate(transparent)]`: a struct of one field that travels
//! as that field and is described as it (serde's `transparent`), so a register newtype
//! (`struct Lcr(u8)`, a `bitflags` 2 type declared `struct F(u8)`) is a field type like the
//! value it wraps, and a field may switch between the two without a migration break.
//!
//! Read, checked and expanded here in one small step each, as `enums` does for an enum.

use crate::attr::Container;
use crate::ctxt::Ctxt;
use crate::expand::{
    field_fallback, private_at, private_import, private_path, travels_as, with_bounds, SliceLoad,
    TravelsAs,
};
use crate::naming::mentions_deprecated;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

/// The derive's output for a `transparent` struct: the impls, or every error in the input.
pub fn derive(
    input: &syn::DeriveInput,
    data: &syn::DataStruct,
) -> Result<TokenStream, TokenStream> {
    let cx = Ctxt::default();
    let attrs = Container::parse_transparent(&cx, &input.attrs);
    attrs.reject_conversion_keys(&cx);
    for (key, span) in attrs.struct_only_keys() {
        cx.error_at(
            span,
            format!(
                "`{key}` applies to a section; a `transparent` struct travels as its field and \
                 takes only `crate`"
            ),
        );
    }
    crate::ast::reject_packed(&cx, &input.attrs);
    crate::check::check_generic_names(&cx, &input.generics);
    let field = wrapped_field(&cx, data);
    if let Some(field) = &field {
        crate::check::types::check_plain_type(&cx, &input.generics, &field.value.ty, |name| {
            format!(
                "a `transparent` struct wraps a plain value, which a `{name}` is not (it has a \
                 length, bounded by `max_len` in a struct that derives `VmState`): make this a \
                 struct with a named field and the bound, or wrap the value itself (a type of \
                 your own so named is named by its path)"
            )
        });
    }
    let mut attrs_on_fields =
        (data.fields.iter()).flat_map(|f| f.attrs.iter().map(move |a| (f, a)));
    if let Some((f, attr)) = attrs_on_fields.find(|(_, a)| a.path().is_ident("vmstate")) {
        cx.error_spanned_by(
            attr,
            if is_marker(&f.ty) {
                // `skip`, as a section struct's markers need.
                "a `PhantomData` marker of a `transparent` struct takes no `vmstate` \
                 attribute: it is left out by itself (only the value travels); remove this"
            } else {
                "the fields of a `transparent` struct take no `vmstate` attribute: its value \
                 travels as the struct itself; put the keys on the fields of this struct's type"
            },
        );
    }
    let p = private_path();
    let import = private_import(&attrs);
    match (cx.check(), field) {
        (Ok(()), Some(field)) => Ok(expand(input, &field, &p, &import)),
        (Err(errors), _) => {
            let mut out = errors.into_compile_error();
            // (None where a type parameter takes a name the impls use.)
            if !crate::check::reserved_generics(&input.generics) {
                out.extend(field_fallback(&input.ident, &input.generics, &p, &import));
            }
            Err(out)
        }
        (Ok(()), None) => unreachable!("a struct without one field has reported why"),
    }
}

/// The field that travels, and the `PhantomData` markers beside it.
struct Wrapped<'a> {
    value: &'a syn::Field,
    member: syn::Member,
    markers: Vec<syn::Member>,
}

/// The struct's one field that is not a `PhantomData` marker (a typed register's
/// `struct Reg<T>(u32, PhantomData<T>)`); an error when it has none or several.
fn wrapped_field<'a>(cx: &Ctxt, data: &'a syn::DataStruct) -> Option<Wrapped<'a>> {
    let member = |i: usize, f: &syn::Field| match &f.ident {
        Some(name) => syn::Member::Named(name.clone()),
        None => syn::Member::Unnamed(syn::Index::from(i)),
    };
    let (markers, values): (Vec<_>, Vec<_>) = data
        .fields
        .iter()
        .enumerate()
        .partition(|(_, f)| is_marker(&f.ty));
    match values.as_slice() {
        [(i, value)] => Some(Wrapped {
            value,
            member: member(*i, value),
            markers: markers.iter().map(|(i, f)| member(*i, f)).collect(),
        }),
        _ => {
            let message = format!(
                "a `transparent` struct has exactly one field besides `PhantomData` markers, the \
                 value that travels; this one has {}",
                values.len()
            );
            match data.fields.is_empty() {
                false => cx.error_spanned_by(&data.fields, message),
                true => cx.error_at(data.struct_token.span(), message),
            }
            None
        }
    }
}

/// Whether a field is std's `PhantomData` (a type of one's own so named is named by its
/// path).
fn is_marker(ty: &syn::Type) -> bool {
    crate::check::types::std_type(ty).is_some_and(|last| last.ident == "PhantomData")
}

fn expand(
    input: &syn::DeriveInput,
    field: &Wrapped,
    p: &TokenStream,
    import: &TokenStream,
) -> TokenStream {
    let inner = &field.value.ty;
    let member = &field.member;
    let markers = &field.markers;
    // The struct built around a value of the wrapped type.
    let build = |value: TokenStream| quote!(Self { #member: #value, #(#markers: ::core::marker::PhantomData),* });
    let built_value = build(quote!(__vmstate_value));
    // The wrapped type must be a plain value (what a `Vec` can hold): the newtype is one
    // too, staged as itself. The bound is spanned on the field type, so an error lands on
    // it (as the structs' field bounds are).
    let end =
        (inner.to_token_stream().into_iter().last()).map_or_else(|| inner.span(), |t| t.span());
    let plain = private_at(p, end);
    let bound = syn::parse2(quote_spanned!(end=> #inner: #plain::Plain))
        .expect("a type and its bound make a where predicate");
    let (generics, repeats) = with_bounds(&input.generics, [bound]);
    // Only what is needed: an `allow` of a lint the crate forbids is an error.
    let mut lints = Vec::new();
    if mentions_deprecated(&input.attrs) || mentions_deprecated(&field.value.attrs) {
        lints.push(quote!(deprecated));
    }
    lints.extend(repeats.lints());
    travels_as(
        &TravelsAs {
            ident: &input.ident,
            generics: &generics,
            attrs: &input.attrs,
            lints,
            wire: inner,
            as_wire: &|value| quote!(#value.#member),
            placeholder: build(quote!(<#inner as #p::Field>::placeholder())),
            load: quote! {
                #p::Result::map(#p::Field::load(&self.#member, __vmstate_d), |__vmstate_value| {
                    #built_value
                })
            },
            undo_copy: quote! {
                // No copy of a struct with a `Drop` of its own (its drop may act).
                if ::core::mem::needs_drop::<Self>() {
                    return #p::None;
                }
                #p::Option::map(#p::Field::undo_copy(&self.#member), |__vmstate_value| {
                    #built_value
                })
            },
            // Only the field is set: the slot's placeholder is not dropped as a whole.
            slices: SliceLoad::Block {
                assign: quote!(__vmstate_slot.#member = __vmstate_value;),
                build: quote!(|__vmstate_value| #built_value),
            },
        },
        p,
        import,
    )
}
