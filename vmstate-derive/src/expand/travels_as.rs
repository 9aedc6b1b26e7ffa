//! The impls of a field type that travels as another, plain type: a `transparent` newtype
//! as its field (`newtype`), a type with conversions as the type they name (`convert`).
//! Both are `Field` and `Plain`, staged as themselves, with the wire type's description and
//! bytes; they differ only in how a value turns into the wire type's and back, which the
//! caller writes.

use crate::naming::user_allows;
use proc_macro2::TokenStream;
use quote::quote;

/// What differs between the types that travel as another, as code.
pub(crate) struct TravelsAs<'a> {
    /// The type's name and generics, the derive's bounds included.
    pub ident: &'a syn::Ident,
    pub generics: &'a syn::Generics,
    /// The type's attributes (whose `allow`s the generated code copies).
    pub attrs: &'a [syn::Attribute],
    /// The lints to allow in the generated code.
    pub lints: Vec<TokenStream>,
    /// The plain type it travels as.
    pub wire: &'a syn::Type,
    /// The wire value of a `&Self` named by an identifier, as an expression that `&` can
    /// borrow (`self.0`, or a converted clone).
    pub as_wire: &'a dyn Fn(TokenStream) -> TokenStream,
    /// `Field::placeholder`'s body.
    pub placeholder: TokenStream,
    /// `Field::load`'s body (`self`, `__vmstate_d` in scope).
    pub load: TokenStream,
    /// `Field::undo_copy`'s body.
    pub undo_copy: TokenStream,
    /// How sequences of the type are read.
    pub slices: SliceLoad,
}

/// How a sequence of a type that travels as another is read.
pub(crate) enum SliceLoad {
    /// Every value read is one of the type: one block of the wire type, each value
    /// (`__vmstate_value`) put into its slot (`__vmstate_slot: &mut Self`) by `assign`, or
    /// turned into the type by `build` (an expression of `fn(wire) -> Self`) for a new
    /// vector.
    Block {
        assign: TokenStream,
        build: TokenStream,
    },
    /// `Plain::load_fresh_slice`'s body (`__vmstate_out`, `__vmstate_d` in scope), for a
    /// type that can refuse a value read.
    Each(TokenStream),
}

pub(crate) fn travels_as(t: &TravelsAs, p: &TokenStream, import: &TokenStream) -> TokenStream {
    let TravelsAs {
        ident,
        wire,
        placeholder,
        load,
        undo_copy,
        ..
    } = t;
    let (load_fresh_slice, load_vec) = match &t.slices {
        SliceLoad::Block { assign, build } => (
            quote! {
                let __vmstate_values = <#wire as #p::Plain>::load_vec(
                    <[Self]>::len(__vmstate_out),
                    __vmstate_d,
                )?;
                for (__vmstate_slot, __vmstate_value) in ::core::iter::Iterator::zip(
                    <[Self]>::iter_mut(__vmstate_out),
                    __vmstate_values,
                ) {
                    #assign
                }
                #p::Ok(())
            },
            Some(quote! {
                fn load_vec<__VmStateDecoder: #p::Decoder>(
                    __vmstate_len: ::core::primitive::usize,
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<#p::Vec<Self>, #p::Error> {
                    let __vmstate_values = <#wire as #p::Plain>::load_vec(__vmstate_len, __vmstate_d)?;
                    #p::Ok(::core::iter::Iterator::collect(::core::iter::Iterator::map(
                        ::core::iter::IntoIterator::into_iter(__vmstate_values),
                        #build,
                    )))
                }
            }),
        ),
        SliceLoad::Each(body) => (body.clone(), None),
    };
    let (impl_generics, ty_generics, where_clause) = t.generics.split_for_impl();
    let of_self = (t.as_wire)(quote!(self));
    let of_staged = (t.as_wire)(quote!(__vmstate_staged));
    let of_item = (t.as_wire)(quote!(__vmstate_item));
    let lints = &t.lints;
    let allow = (!lints.is_empty()).then(|| quote!(#[allow(#(#lints),*)]));
    let user_allows = user_allows(t.attrs);
    quote! {
        #[doc(hidden)]
        #allow
        #(#user_allows)*
        const _: () = {
            #import

            #[automatically_derived]
            impl #impl_generics #p::Field for #ident #ty_generics #where_clause {
                const SHAPE: #p::Shape = <#wire as #p::Field>::SHAPE;
                type Staged = Self;

                #[inline]
                fn placeholder() -> Self {
                    #placeholder
                }

                #[inline]
                fn save<__VmStateEncoder: #p::Encoder>(
                    &self,
                    __vmstate_e: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    #p::Field::save(&#of_self, __vmstate_e)
                }

                #[inline]
                fn load<__VmStateDecoder: #p::Decoder>(
                    &self,
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<Self, #p::Error> {
                    #load
                }

                #[inline]
                fn matches(&self, __vmstate_staged: &Self) -> ::core::primitive::bool {
                    #p::Field::matches(&#of_self, &#of_staged)
                }

                fn difference(&self, __vmstate_staged: &Self) -> #p::Difference {
                    #p::Field::difference(&#of_self, &#of_staged)
                }

                #[inline]
                fn commit(&mut self, __vmstate_staged: &mut Self) {
                    ::core::mem::swap(self, __vmstate_staged)
                }

                // Sequences of the type travel as sequences of the wire type (blocks of
                // fixed-width integers in the native format, where single values are
                // varints): one element at a time on the way out, which writes the same
                // bytes (a block is its values one after the other), and as
                // `load_fresh_slice` reads them on the way in.
                fn save_slice<__VmStateEncoder: #p::Encoder>(
                    __vmstate_items: &[Self],
                    __vmstate_e: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    for (__vmstate_i, __vmstate_item) in ::core::iter::Iterator::enumerate(
                        <[Self]>::iter(__vmstate_items),
                    ) {
                        <#wire as #p::Field>::save_slice(
                            ::core::slice::from_ref(&#of_item),
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
                    #undo_copy
                }
            }

            #[automatically_derived]
            impl #impl_generics #p::Plain for #ident #ty_generics #where_clause {
                const MIN_WIRE_BYTES: ::core::primitive::usize = <#wire as #p::Plain>::MIN_WIRE_BYTES;

                fn load_fresh_slice<__VmStateDecoder: #p::Decoder>(
                    __vmstate_out: &mut [Self],
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<(), #p::Error> {
                    #load_fresh_slice
                }

                #load_vec

                // As the wire type: whatever bytes are there (a fieldless enum's integer
                // unchecked, a value unconverted).
                fn skip<__VmStateDecoder: #p::Decoder>(
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<(), #p::Error> {
                    <#wire as #p::Plain>::skip(__vmstate_d)
                }

                fn skip_slice<__VmStateDecoder: #p::Decoder>(
                    __vmstate_len: ::core::primitive::usize,
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<(), #p::Error> {
                    <#wire as #p::Plain>::skip_slice(__vmstate_len, __vmstate_d)
                }

                // `Removed` of the type writes the wire type's zero value, not whatever the
                // type's own placeholder converts to.
                fn save_padding<__VmStateEncoder: #p::Encoder>(
                    __vmstate_e: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    <#wire as #p::Plain>::save_padding(__vmstate_e)
                }

                fn save_padding_slice<__VmStateEncoder: #p::Encoder>(
                    __vmstate_len: ::core::primitive::usize,
                    __vmstate_e: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    <#wire as #p::Plain>::save_padding_slice(__vmstate_len, __vmstate_e)
                }
            }
        };
    }
}
