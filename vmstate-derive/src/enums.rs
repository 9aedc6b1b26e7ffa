//! `#[derive(VmState)]` on a fieldless enum: a field type that travels as its integer `repr`
//! (QEMU migrates such state as a plain integer), refusing values that name no variant.
//!
//! Read, checked and expanded here in one small step each; a struct goes through `ast`,
//! `check` and `expand` instead.

use crate::attr::Container;
use crate::ctxt::Ctxt;
use crate::expand::{field_fallback, private_import, private_path};
use crate::naming::{mentions_deprecated, user_allows};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// The integer types a migratable enum may have as its `repr`: fixed width, so that the wire
/// does not depend on the host.
const REPRS: &[&str] = &[
    "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
];

/// A fieldless enum that derives `VmState`.
struct Enum<'a> {
    ident: &'a syn::Ident,
    repr: syn::Ident,
    variants: Vec<&'a syn::Ident>,
    /// Each variant's explicit discriminant (`A = 4`), if it has one.
    discriminants: Vec<Option<&'a syn::Expr>>,
    /// Whether the enum or a variant is `#[deprecated]` or allows deprecated uses (the
    /// generated code names them all).
    deprecated: bool,
    /// The lints the enum and its variants allow: the generated code copies the
    /// discriminants (`unreadable_literal` on `0x41011234`, `cast_possible_truncation`).
    user_allows: Vec<TokenStream>,
}

/// The derive's output for an enum: the impls, or every error in the input.
pub fn derive(input: &syn::DeriveInput, data: &syn::DataEnum) -> Result<TokenStream, TokenStream> {
    let cx = Ctxt::default();
    let attrs = Container::parse_enum(&cx, &input.attrs);
    attrs.reject_conversion_keys(&cx);
    let p = private_path();
    let import = private_import(&attrs);
    let parsed = parse(&cx, input, data, &attrs);
    match (cx.check(), parsed) {
        // rustc reports the literal on the enum, and would again on a copy in the impls.
        (Ok(()), Some(e))
            if (e.discriminants.iter()).any(|d| {
                matches!(
                    LiteralDiscriminant::of(*d, &e.repr),
                    Some(LiteralDiscriminant::Refused)
                )
            }) =>
        {
            Err(field_fallback(&input.ident, &input.generics, &p, &import))
        }
        (Ok(()), Some(e)) => Ok(expand(&e, &p, &import)),
        (Err(errors), _) => {
            let mut out = errors.into_compile_error();
            // So that the fields of this type report nothing more.
            if input.generics.params.is_empty() {
                out.extend(field_fallback(&input.ident, &input.generics, &p, &import));
            }
            Err(out)
        }
        (Ok(()), None) => unreachable!("an input that did not parse has reported why"),
    }
}

fn parse<'a>(
    cx: &Ctxt,
    input: &'a syn::DeriveInput,
    data: &'a syn::DataEnum,
    attrs: &Container,
) -> Option<Enum<'a>> {
    if let Some(key) = attrs.transparent.get() {
        cx.error_at(
            key.key,
            "`transparent` applies to a struct of one field; an enum travels as its \
             discriminant",
        );
    }
    for (key, span) in attrs.struct_only_keys() {
        cx.error_at(
            span,
            format!(
                "`{key}` applies to a struct (a section); an enum is a field's type and takes \
                 only `crate`"
            ),
        );
    }
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "a migratable enum cannot be generic: it travels as its discriminant alone",
        );
    }
    let repr = repr(cx, input, data);
    if data.variants.is_empty() {
        cx.error_spanned_by(
            &input.ident,
            "an enum with no variants has no value to migrate; add a variant",
        );
    }
    let (mut variants, mut discriminants) = (Vec::new(), Vec::new());
    for v in &data.variants {
        if v.fields.is_empty() && !matches!(v.fields, syn::Fields::Unit) {
            cx.error_spanned_by(
                &v.fields,
                format!(
                    "a migratable enum's variants are unit variants: write `{}` alone",
                    v.ident.unraw()
                ),
            );
        } else if !v.fields.is_empty() {
            cx.error_spanned_by(
                &v.fields,
                format!(
                    "variant `{}` has fields: only a fieldless enum travels as its \
                     discriminant; an enum with data travels as a type it converts to and from \
                     (`#[vmstate(try_from = \"Wire\", into = \"Wire\")]`, `Wire` a struct \
                     deriving `VmState` or an integer), or implements `vmstate_core::Field` by \
                     hand",
                    v.ident.unraw()
                ),
            );
        }
        if let Some(attr) = v.attrs.iter().find(|a| a.path().is_ident("vmstate")) {
            cx.error_spanned_by(
                attr,
                "a variant takes no `vmstate` attribute: it travels as its discriminant",
            );
        }
        variants.push(&v.ident);
        discriminants.push(v.discriminant.as_ref().map(|(_, expr)| expr));
    }
    let deprecated = mentions_deprecated(&input.attrs)
        || (data.variants.iter()).any(|v| mentions_deprecated(&v.attrs));
    Some(Enum {
        ident: &input.ident,
        repr: repr?,
        variants,
        discriminants,
        deprecated,
        user_allows: user_allows(
            (input.attrs.iter()).chain(data.variants.iter().flat_map(|v| &v.attrs)),
        ),
    })
}

/// An explicit discriminant that is an integer literal (`300`, `-1`, `0x41u8`), as rustc
/// takes it for the `repr`.
enum LiteralDiscriminant {
    /// An error whatever the lints: a negative unsigned value, another suffix, a literal too
    /// large for any integer.
    Refused,
    /// Out of the `repr`'s range: `overflowing_literals` (an error unless allowed), and the
    /// value rustc then wraps it to, as the bits of a `u128`.
    Overflowing(u128),
}

impl LiteralDiscriminant {
    /// What rustc makes of the discriminant where it is a literal it does not take as is.
    fn of(discriminant: Option<&syn::Expr>, repr: &syn::Ident) -> Option<Self> {
        // Through parentheses (`(300)`, `-(1)`, `(-1)`), which rustc looks through too.
        fn inner(expr: &syn::Expr) -> &syn::Expr {
            match expr {
                syn::Expr::Paren(p) => inner(&p.expr),
                syn::Expr::Group(g) => inner(&g.expr),
                _ => expr,
            }
        }
        let (negative, expr) = match inner(discriminant?) {
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => (true, inner(&u.expr)),
            expr => (false, expr),
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(lit),
            ..
        }) = expr
        else {
            return None;
        };
        let repr = repr.to_string();
        let unsigned = repr.starts_with('u');
        let Ok(magnitude) = lit.base10_parse::<u128>() else {
            return Some(Self::Refused);
        };
        if (!lit.suffix().is_empty() && lit.suffix() != repr) || (negative && unsigned) {
            return Some(Self::Refused);
        }
        let bits: u32 = repr[1..].parse().unwrap_or(128);
        let mask = u128::MAX >> (128 - bits);
        let fits = match (negative, unsigned) {
            (false, true) => magnitude <= mask,
            (false, false) => magnitude <= mask >> 1,
            (true, _) => magnitude <= (mask >> 1) + 1,
        };
        let value = if negative {
            magnitude.wrapping_neg()
        } else {
            magnitude
        };
        (!fits).then_some(Self::Overflowing(value & mask))
    }
}

/// The integer of `#[repr(...)]`; an error on the enum when there is none.
fn repr(cx: &Ctxt, input: &syn::DeriveInput, data: &syn::DataEnum) -> Option<syn::Ident> {
    let mut found = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        // The words of `repr(...)` at the top level (`align(4)`'s argument is a group); a
        // malformed `repr` has none, and rustc reports it.
        let syn::Meta::List(list) = &attr.meta else {
            continue;
        };
        for ident in words(list.tokens.clone()) {
            let name = ident.to_string();
            if REPRS.contains(&name.as_str()) {
                found = Some(ident);
            } else if name == "usize" || name == "isize" {
                cx.error_spanned_by(
                    &ident,
                    format!(
                        "`{name}` differs between hosts, so the wire would too; use a \
                         fixed-width integer (`u32`, `u64`, ...)"
                    ),
                );
                found = Some(syn::Ident::new("u64", ident.span()));
            }
        }
    }
    if found.is_none() {
        cx.error_at(
            data.enum_token.span(),
            "a migratable enum needs an integer `repr`: add `#[repr(u8)]` (or `u16`, `u32`, \
             ...), the width its discriminant travels at",
        );
    }
    found
}

/// The identifiers of a token stream at its top level, looking through the invisible groups
/// that `macro_rules!` fragments arrive in (`#[repr($r)]` with `$r:ty`).
fn words(tokens: TokenStream) -> Vec<syn::Ident> {
    let mut out = Vec::new();
    for token in tokens {
        match token {
            proc_macro2::TokenTree::Ident(ident) => out.push(ident),
            proc_macro2::TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::None => {
                out.extend(words(g.stream()))
            }
            _ => {}
        }
    }
    out
}

/// A discriminant's value (`{ BASE * 2 }`, `(1 << 3)`) with its outer delimiters spanned on
/// the derive: rustc does not lint them in a discriminant, but would as the value of the
/// constant the derive assigns it to (`unused_braces`, `unused_parens`).
fn outside_lints(value: TokenStream) -> TokenStream {
    let mut tokens = value.clone().into_iter();
    match (tokens.next(), tokens.next()) {
        (Some(proc_macro2::TokenTree::Group(g)), None)
            if g.delimiter() != proc_macro2::Delimiter::Bracket =>
        {
            let mut group = proc_macro2::Group::new(g.delimiter(), g.stream());
            group.set_span(proc_macro2::Span::call_site());
            proc_macro2::TokenTree::Group(group).into()
        }
        _ => value,
    }
}

fn expand(e: &Enum, p: &TokenStream, import: &TokenStream) -> TokenStream {
    let Enum {
        ident,
        repr,
        variants,
        discriminants,
        deprecated,
        user_allows,
    } = e;
    // Only when needed: an `allow` of a lint the crate forbids is an error.
    let allow = deprecated.then(|| quote!(#[allow(deprecated)]));
    // The path is the derive's, not the `repr`'s (clippy takes tokens spanned on the user's
    // code for the user's: `absolute_paths` on every use).
    let repr = syn::Ident::new(&repr.to_string(), proc_macro2::Span::call_site());
    let enum_name = ident.unraw().to_string();
    let names: Vec<String> = variants.iter().map(|v| v.unraw().to_string()).collect();
    let first = variants[0];
    let repr = quote!(::core::primitive::#repr);
    // Each variant's discriminant as a constant, computed as rustc does (the explicit value,
    // else the previous one plus one), rather than cast from the variant: an enum with a
    // `Drop` of its own cannot be cast.
    let values: Vec<syn::Ident> = (0..variants.len())
        .map(|i| quote::format_ident!("__VMSTATE_DISCRIMINANT_{}", i))
        .collect();
    let value_items = discriminants.iter().enumerate().map(|(i, explicit)| {
        let name = &values[i];
        let value = match (explicit, i) {
            (Some(expr), _) => match LiteralDiscriminant::of(Some(expr), &e.repr) {
                // The value rustc wraps it to where `overflowing_literals` is allowed; a copy
                // of the literal would be reported a second time where it is not.
                Some(LiteralDiscriminant::Overflowing(bits)) => {
                    let bits = proc_macro2::Literal::u128_suffixed(bits);
                    quote!((#bits as #repr))
                }
                _ => outside_lints(crate::self_type::replace(quote!(#expr), &quote!(#ident))),
            },
            (None, 0) => quote!(0),
            (None, _) => {
                let previous = &values[i - 1];
                // An overflow is rustc's error on the enum already, not also this one's.
                quote!(#repr::wrapping_add(#previous, 1))
            }
        };
        quote!(const #name: #repr = #value;)
    });
    // Arrays and vectors go through the `repr`'s blocks, so that they travel as the
    // integers' would (fixed width in both formats), and a bad element is named by index.
    quote! {
        #[doc(hidden)]
        #allow
        #(#user_allows)*
        const _: () = {
            #import
            #(#value_items)*

            #[inline]
            fn __vmstate_discriminant(__vmstate_value: &#ident) -> #repr {
                match __vmstate_value {
                    #(#ident::#variants => #values,)*
                }
            }

            fn __vmstate_variant_name(__vmstate_value: &#ident) -> &'static ::core::primitive::str {
                match __vmstate_value {
                    #(#ident::#variants => #names,)*
                }
            }

            /// The variant a value names, or the error for the value read at that offset.
            #[inline]
            fn __vmstate_variant(
                __vmstate_value: #repr,
                __vmstate_at: ::core::primitive::usize,
            ) -> #p::Result<#ident, #p::Error> {
                #(
                    if __vmstate_value == #values {
                        return #p::Ok(#ident::#variants);
                    }
                )*
                #p::Err(#p::unknown_variant(
                    #enum_name,
                    &__vmstate_value,
                    &[#((#names, &#values as &dyn ::core::fmt::Display)),*],
                    __vmstate_at,
                ))
            }

            /// Reads as many values as the slice holds, as one block of the `repr`.
            fn __vmstate_load_block<__VmStateDecoder: #p::Decoder>(
                __vmstate_out: &mut [#ident],
                __vmstate_d: &mut __VmStateDecoder,
            ) -> #p::Result<(), #p::Error> {
                let __vmstate_at = #p::Decoder::offset(__vmstate_d);
                let mut __vmstate_values: #p::Vec<#repr> =
                    #p::vec![0; <[#ident]>::len(__vmstate_out)];
                #p::Decoder::block(__vmstate_d, &mut __vmstate_values)?;
                let __vmstate_width = ::core::mem::size_of::<#repr>();
                for (__vmstate_i, (__vmstate_slot, __vmstate_value)) in
                    ::core::iter::Iterator::enumerate(::core::iter::Iterator::zip(
                        <[#ident]>::iter_mut(__vmstate_out),
                        __vmstate_values,
                    ))
                {
                    let __vmstate_at = __vmstate_at + __vmstate_i * __vmstate_width;
                    *__vmstate_slot = __vmstate_variant(__vmstate_value, __vmstate_at)
                        .map_err(|__vmstate_e| __vmstate_e.in_index(__vmstate_i))?;
                }
                #p::Ok(())
            }

            #[automatically_derived]
            impl #p::Field for #ident {
                const SHAPE: #p::Shape = #p::Shape::Enum {
                    repr: <#repr as #p::Scalar>::PRIMITIVE,
                    variants: &[#((#names, #values as ::core::primitive::i128)),*],
                };
                type Staged = Self;

                #[inline]
                fn placeholder() -> Self {
                    #ident::#first
                }

                #[inline]
                fn save<__VmStateEncoder: #p::Encoder>(
                    &self,
                    __vmstate_e: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    #p::Field::save(&__vmstate_discriminant(self), __vmstate_e)
                }

                fn load<__VmStateDecoder: #p::Decoder>(
                    &self,
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<Self, #p::Error> {
                    let __vmstate_at = #p::Decoder::offset(__vmstate_d);
                    __vmstate_variant(#p::Decoder::scalar(__vmstate_d)?, __vmstate_at)
                }

                #[inline]
                fn matches(&self, __vmstate_staged: &Self) -> ::core::primitive::bool {
                    __vmstate_discriminant(self) == __vmstate_discriminant(__vmstate_staged)
                }

                #[inline]
                fn commit(&mut self, __vmstate_staged: &mut Self) {
                    ::core::mem::swap(self, __vmstate_staged)
                }

                fn difference(&self, __vmstate_staged: &Self) -> #p::Difference {
                    #p::Difference::values(
                        &::core::format_args!("{}", __vmstate_variant_name(__vmstate_staged)),
                        &::core::format_args!("{}", __vmstate_variant_name(self)),
                    )
                }

                fn save_slice<__VmStateEncoder: #p::Encoder>(
                    __vmstate_items: &[Self],
                    __vmstate_e: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    let __vmstate_values: #p::Vec<#repr> = ::core::iter::Iterator::collect(
                        ::core::iter::Iterator::map(<[Self]>::iter(__vmstate_items), __vmstate_discriminant),
                    );
                    #p::Encoder::block(__vmstate_e, &__vmstate_values);
                    #p::Ok(())
                }

                fn load_slice<__VmStateDecoder: #p::Decoder>(
                    _: &[Self],
                    __vmstate_out: &mut [Self],
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<(), #p::Error> {
                    __vmstate_load_block(__vmstate_out, __vmstate_d)
                }

                fn commit_slice(__vmstate_items: &mut [Self], __vmstate_staged: &mut [Self]) {
                    <[Self]>::swap_with_slice(__vmstate_items, __vmstate_staged)
                }

                fn undo_copy(&self) -> #p::Option<Self> {
                    // No copy of an enum with a `Drop` of its own (see the structs' copies).
                    if ::core::mem::needs_drop::<Self>() {
                        return #p::None;
                    }
                    #p::Result::ok(__vmstate_variant(__vmstate_discriminant(self), 0))
                }
            }

            #[automatically_derived]
            impl #p::Plain for #ident {
                fn load_fresh_slice<__VmStateDecoder: #p::Decoder>(
                    __vmstate_out: &mut [Self],
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<(), #p::Error> {
                    __vmstate_load_block(__vmstate_out, __vmstate_d)
                }

                // As its integer, unchecked: a removed field takes whatever bytes are there.
                fn skip<__VmStateDecoder: #p::Decoder>(
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<(), #p::Error> {
                    #p::Decoder::scalar::<#repr>(__vmstate_d).map(::core::mem::drop)
                }

                fn skip_slice<__VmStateDecoder: #p::Decoder>(
                    __vmstate_len: ::core::primitive::usize,
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<(), #p::Error> {
                    let mut __vmstate_values: #p::Vec<#repr> = #p::vec![0; __vmstate_len];
                    #p::Decoder::block(__vmstate_d, &mut __vmstate_values)
                }
            }
        };
    }
}
