//! `#[derive(VmState)]` with `#[vmstate(transparent)]`: a struct of one field that travels
//! as that field and is described as it (serde's `transparent`), so a register newtype
//! (`struct Lcr(u8)`, a `bitflags` 2 type declared `struct F(u8)`) is a field type like the
//! value it wraps, and a field may switch between the two without a migration break.
//!
//! Read, checked and expanded here in one small step each, as `enums` does for an enum.

use crate::attr::Container;
use crate::ctxt::Ctxt;
use crate::expand::{field_fallback, private_at, private_import, private_path, with_bounds};
use crate::naming::{mentions_deprecated, user_allows};
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
    let mut attrs_on_fields = data.fields.iter().flat_map(|f| &f.attrs);
    if let Some(attr) = attrs_on_fields.find(|a| a.path().is_ident("vmstate")) {
        cx.error_spanned_by(
            attr,
            "the fields of a `transparent` struct take no `vmstate` attribute: its value travels \
             as the struct itself; put the keys on the fields of this struct's type",
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
    let ident = &input.ident;
    let inner = &field.value.ty;
    let member = &field.member;
    let markers = &field.markers;
    // The struct built around a value of the wrapped type.
    let build = |value: TokenStream| quote!(Self { #member: #value, #(#markers: ::core::marker::PhantomData),* });
    let built_placeholder = build(quote!(<#inner as #p::Field>::placeholder()));
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
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    // Only what is needed: an `allow` of a lint the crate forbids is an error.
    let mut lints = Vec::new();
    if mentions_deprecated(&input.attrs) || mentions_deprecated(&field.value.attrs) {
        lints.push(quote!(deprecated));
    }
    if repeats.trait_twice {
        lints.push(quote!(clippy::trait_duplication_in_bounds));
    }
    if repeats.type_twice {
        lints.push(quote!(clippy::type_repetition_in_bounds));
    }
    let allow = (!lints.is_empty()).then(|| quote!(#[allow(#(#lints),*)]));
    let user_allows = user_allows(&input.attrs);
    quote! {
        #[doc(hidden)]
        #allow
        #(#user_allows)*
        const _: () = {
            #import

            #[automatically_derived]
            impl #impl_generics #p::Field for #ident #ty_generics #where_clause {
                const SHAPE: #p::Shape = <#inner as #p::Field>::SHAPE;
                type Staged = Self;

                #[inline]
                fn placeholder() -> Self {
                    #built_placeholder
                }

                #[inline]
                fn save<__VmStateEncoder: #p::Encoder>(
                    &self,
                    __vmstate_e: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    #p::Field::save(&self.#member, __vmstate_e)
                }

                #[inline]
                fn load<__VmStateDecoder: #p::Decoder>(
                    &self,
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<Self, #p::Error> {
                    #p::Result::map(#p::Field::load(&self.#member, __vmstate_d), |__vmstate_value| {
                        #built_value
                    })
                }

                #[inline]
                fn matches(&self, __vmstate_staged: &Self) -> ::core::primitive::bool {
                    #p::Field::matches(&self.#member, &__vmstate_staged.#member)
                }

                fn difference(&self, __vmstate_staged: &Self) -> #p::Difference {
                    #p::Field::difference(&self.#member, &__vmstate_staged.#member)
                }

                #[inline]
                fn commit(&mut self, __vmstate_staged: &mut Self) {
                    ::core::mem::swap(self, __vmstate_staged)
                }

                // Sequences of the newtype travel as sequences of the wrapped value (blocks of
                // fixed-width integers in the native format, where single values are
                // varints): one element at a time on the way out, which writes the same
                // bytes (a block is its values one after the other), and one block in.
                fn save_slice<__VmStateEncoder: #p::Encoder>(
                    __vmstate_items: &[Self],
                    __vmstate_e: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    for (__vmstate_i, __vmstate_item) in ::core::iter::Iterator::enumerate(
                        <[Self]>::iter(__vmstate_items),
                    ) {
                        <#inner as #p::Field>::save_slice(
                            ::core::slice::from_ref(&__vmstate_item.#member),
                            __vmstate_e,
                        )
                        .map_err(|__vmstate_err| #p::element_error(__vmstate_err, __vmstate_i))?;
                    }
                    #p::Ok(())
                }

                fn load_slice<__VmStateDecoder: #p::Decoder>(
                    _: &[Self],
                    __vmstate_out: &mut [Self],
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<(), #p::Error> {
                    <Self as #p::Plain>::load_fresh_slice(__vmstate_out, __vmstate_d)
                }

                fn undo_copy(&self) -> #p::Option<Self> {
                    // No copy of a struct with a `Drop` of its own (its drop may act).
                    if ::core::mem::needs_drop::<Self>() {
                        return #p::None;
                    }
                    #p::Option::map(#p::Field::undo_copy(&self.#member), |__vmstate_value| {
                        #built_value
                    })
                }
            }

            #[automatically_derived]
            impl #impl_generics #p::Plain for #ident #ty_generics #where_clause {
                const MIN_WIRE_BYTES: ::core::primitive::usize = <#inner as #p::Plain>::MIN_WIRE_BYTES;

                fn load_fresh_slice<__VmStateDecoder: #p::Decoder>(
                    __vmstate_out: &mut [Self],
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<(), #p::Error> {
                    let __vmstate_values = <#inner as #p::Plain>::load_vec(
                        <[Self]>::len(__vmstate_out),
                        __vmstate_d,
                    )?;
                    for (__vmstate_slot, __vmstate_value) in ::core::iter::Iterator::zip(
                        <[Self]>::iter_mut(__vmstate_out),
                        __vmstate_values,
                    ) {
                        __vmstate_slot.#member = __vmstate_value;
                    }
                    #p::Ok(())
                }

                fn load_vec<__VmStateDecoder: #p::Decoder>(
                    __vmstate_len: ::core::primitive::usize,
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<#p::Vec<Self>, #p::Error> {
                    let __vmstate_values = <#inner as #p::Plain>::load_vec(__vmstate_len, __vmstate_d)?;
                    #p::Ok(::core::iter::Iterator::collect(::core::iter::Iterator::map(
                        ::core::iter::IntoIterator::into_iter(__vmstate_values),
                        |__vmstate_value| #built_value,
                    )))
                }

                // As the wrapped value: a fieldless enum's is its integer, unchecked.
                fn skip<__VmStateDecoder: #p::Decoder>(
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<(), #p::Error> {
                    <#inner as #p::Plain>::skip(__vmstate_d)
                }

                fn skip_slice<__VmStateDecoder: #p::Decoder>(
                    __vmstate_len: ::core::primitive::usize,
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<(), #p::Error> {
                    <#inner as #p::Plain>::skip_slice(__vmstate_len, __vmstate_d)
                }
            }
        };
    }
}
