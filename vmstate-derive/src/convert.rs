//! `#[derive(VmState)]` with `#[vmstate(from = "T", into = "T")]` (or `try_from = "T"`): a
//! type of any shape, struct or enum, that travels as another, plain type through
//! conversions, as serde's `from`/`try_from`/`into` do: a `bitflags!` type as its bits, a
//! register whose fields pack into a word, an enum with data that a word encodes. It is a
//! field type that travels as `T` and is described as `T`, so a field may switch between
//! the two without a migration break.
//!
//! Read, checked and expanded here in one small step each, as `newtype` does for a
//! `transparent` struct.

use crate::attr::{code_span, Container, Spanned, TypeName};
use crate::ctxt::Ctxt;
use crate::expand::{
    field_fallback, private_at, private_import, private_path, respan, travels_as, with_bounds,
    SliceLoad, TravelsAs,
};
use crate::naming::mentions_deprecated;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;

/// The derive's output for a type with conversions: the impls, or every error in the input.
pub fn derive(input: &syn::DeriveInput) -> Result<TokenStream, TokenStream> {
    let cx = Ctxt::default();
    let attrs = Container::parse_conversion(&cx, &input.attrs);
    for (key, span) in attrs.struct_only_keys() {
        cx.error_at(
            span,
            format!(
                "`{key}` applies to a section; a type that travels as another through \
                 `from`/`into` is a field's type and takes only those keys and `crate`"
            ),
        );
    }
    if let Some(key) = attrs.transparent.get() {
        cx.error_at(
            key.key,
            "`transparent` and `from`/`into` both say what the type travels as: keep one",
        );
    }
    crate::check::check_generic_names(&cx, &input.generics);
    reject_inner_attributes(&cx, &input.data);
    let conversion = Conversion::of(&cx, &attrs);
    if let Some(c) = &conversion {
        if names_itself(&c.into.value.ty, &input.ident) {
            cx.error_at(
                c.into.span,
                "a type cannot travel as itself: name the plain type (a primitive, a fieldless \
                 enum, an array of them) that its value converts to",
            );
        }
        crate::check::types::check_plain_type(&cx, &input.generics, &c.into.value.ty, |name| {
            format!(
                "a type travels through `from`/`into` as a plain value, which a `{name}` is not \
                 (it has a length): convert to an array, or keep the sequence in a struct that \
                 derives `VmState`, bounded by `max_len` (a type of your own so named is named \
                 by its path)"
            )
        });
    }
    let p = private_path();
    let import = private_import(&attrs);
    match (cx.check(), conversion) {
        (Ok(()), Some(c)) => Ok(expand(input, &c, &p, &import)),
        (Err(errors), _) => {
            let mut out = errors.into_compile_error();
            // (None where a type parameter takes a name the impls use.)
            if !crate::check::reserved_generics(&input.generics) {
                out.extend(field_fallback(&input.ident, &input.generics, &p, &import));
            }
            Err(out)
        }
        (Ok(()), None) => unreachable!("keys that make no conversion have reported why"),
    }
}

/// How a load turns the value read into the type.
enum Load {
    /// `From<T>`: any value read is one.
    From,
    /// `TryFrom<T>`: its error fails the load.
    TryFrom,
}

/// The conversions asked for: `into` for a save, `from` or `try_from` for a load, both
/// naming the type the value travels as.
struct Conversion<'a> {
    into: &'a Spanned<TypeName>,
    load: Load,
    /// The `from` or `try_from` value.
    from: &'a Spanned<TypeName>,
}

impl<'a> Conversion<'a> {
    /// The conversions, or an error for each key missing, doubled or naming another type.
    fn of(cx: &Ctxt, attrs: &'a Container) -> Option<Self> {
        let from = match (attrs.from.get(), attrs.try_from.get()) {
            (Some(_), Some(try_from)) => {
                cx.error_at(
                    try_from.key,
                    "`from` and `try_from` both say how a load converts the value read: keep \
                     one (`try_from` where a value read can be refused)",
                );
                None
            }
            (Some(from), None) => Some((from, Load::From)),
            (None, Some(try_from)) => Some((try_from, Load::TryFrom)),
            (None, None) => None,
        };
        let load_given = attrs.from.given() || attrs.try_from.given();
        match (attrs.into.get(), from) {
            (Some(into), Some((from, load))) => {
                let (a, b) = (type_text(&into.value.ty), type_text(&from.value.ty));
                if a != b {
                    cx.error_at(
                        into.span,
                        format!(
                            "`into` names `{}` and `{}` names `{}`: a type travels as one type, \
                             which both name, written the same way (the derive compares them as \
                             written)",
                            into.value.text,
                            key_of(&load),
                            from.value.text
                        ),
                    );
                    return None;
                }
                Some(Conversion { into, load, from })
            }
            (Some(into), None) => {
                if !load_given {
                    cx.error_at(
                        into.key,
                        format!(
                            "`into` says how a save converts the type; a load needs \
                             `from = \"{0}\"` too (or `try_from = \"{0}\"`, where a value read \
                             can be refused)",
                            into.value.text
                        ),
                    );
                }
                None
            }
            (None, Some((from, load))) => {
                if !attrs.into.given() {
                    cx.error_at(
                        from.key,
                        format!(
                            "`{}` says how a load converts the value read; a save needs \
                             `into = \"{}\"` too (from a clone: the type must be `Clone`)",
                            key_of(&load),
                            from.value.text
                        ),
                    );
                }
                None
            }
            (None, None) => None,
        }
    }
}

/// Whether a type names the type itself: `Self`, or its name as a path of its own (not the
/// last segment of another path, `regs::Named`), anywhere in it (`[Self; 2]`).
fn names_itself(ty: &syn::Type, ident: &syn::Ident) -> bool {
    fn mentions(tokens: TokenStream, ident: &syn::Ident) -> bool {
        let mut after_path_separator = false;
        tokens.into_iter().any(|token| {
            let found = match &token {
                proc_macro2::TokenTree::Ident(word) => {
                    word == "Self" || (word == ident && !after_path_separator)
                }
                proc_macro2::TokenTree::Group(g) => mentions(g.stream(), ident),
                proc_macro2::TokenTree::Punct(_) | proc_macro2::TokenTree::Literal(_) => false,
            };
            after_path_separator =
                matches!(&token, proc_macro2::TokenTree::Punct(p) if p.as_char() == ':');
            found
        })
    }
    mentions(ty.to_token_stream(), ident)
}

fn key_of(load: &Load) -> &'static str {
    match load {
        Load::From => "from",
        Load::TryFrom => "try_from",
    }
}

/// A type's tokens as text, to compare two types written apart (spacing aside).
fn type_text(ty: &syn::Type) -> String {
    ty.to_token_stream().to_string()
}

/// `#[vmstate]` on a field or a variant: the type's contents do not travel, the value it
/// converts to does.
fn reject_inner_attributes(cx: &Ctxt, data: &syn::Data) {
    // In the order written: a variant's own attributes, then its fields'.
    let attrs: Vec<&syn::Attribute> = match data {
        syn::Data::Struct(s) => s.fields.iter().flat_map(|f| &f.attrs).collect(),
        syn::Data::Enum(e) => (e.variants.iter())
            .flat_map(|v| v.attrs.iter().chain(v.fields.iter().flat_map(|f| &f.attrs)))
            .collect(),
        syn::Data::Union(u) => u.fields.named.iter().flat_map(|f| &f.attrs).collect(),
    };
    for attr in attrs.into_iter().filter(|a| a.path().is_ident("vmstate")) {
        cx.error_spanned_by(
            attr,
            "a type that travels through `from`/`into` takes no `vmstate` attribute on its \
             fields or variants: the value it converts to travels, not what it holds",
        );
    }
}

fn expand(
    input: &syn::DeriveInput,
    conversion: &Conversion,
    p: &TokenStream,
    import: &TokenStream,
) -> TokenStream {
    let ident = &input.ident;
    let name = ident.unraw().to_string();
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let into_span = code_span(conversion.into.span);
    let from_span = code_span(conversion.from.span);
    // The type located at the string whose traits it needs, so that a missing impl (or a
    // wire type that is not plain) is reported there: `into`'s for the save, `from`'s for
    // the load (on `Self`, which clippy does not take for a second predicate on the type,
    // `type_repetition_in_bounds`, which the derive would otherwise have to allow).
    let self_into = respan(&quote!(#ident #ty_generics), into_span);
    let self_from = respan(&quote!(Self), from_span);
    let wire = &conversion.into.value.ty;
    let from_wire = &conversion.from.value.ty;
    let wire_text = &conversion.into.value.text;
    let plain = private_at(p, conversion.into.span);
    let load_bounds = match conversion.load {
        Load::From => quote_spanned!(from_span=> ::core::convert::From<#from_wire>),
        Load::TryFrom => quote_spanned!(from_span=>
            ::core::convert::TryFrom<#from_wire> + ::core::default::Default
        ),
    };
    let mut bounds = vec![
        quote_spanned!(into_span=> #wire: #plain::Plain),
        quote_spanned!(into_span=>
            #self_into: ::core::clone::Clone + ::core::convert::Into<#wire>
        ),
        quote_spanned!(from_span=> #self_from: #load_bounds),
    ];
    if let Load::TryFrom = conversion.load {
        bounds.push(quote_spanned!(from_span=>
            <#self_from as ::core::convert::TryFrom<#from_wire>>::Error: ::core::fmt::Display
        ));
    }
    let bounds = bounds.into_iter().map(|b| {
        syn::parse2::<syn::WherePredicate>(b).expect("a type and its bound make a where predicate")
    });
    let (generics, repeats) = with_bounds(&input.generics, bounds);
    let (_, ty_generics, _) = generics.split_for_impl();
    let self_ty = quote!(#ident #ty_generics);

    // The value read, `__vmstate_value` at offset `__vmstate_at`, as a result of the type.
    let convert_read = match conversion.load {
        Load::From => quote! {{
            let _ = __vmstate_at;
            #p::Ok(<#self_ty as ::core::convert::From<#wire>>::from(__vmstate_value))
        }},
        Load::TryFrom => quote! {
            match <#self_ty as ::core::convert::TryFrom<#wire>>::try_from(__vmstate_value) {
                #p::Ok(__vmstate_converted) => #p::Ok(__vmstate_converted),
                #p::Err(__vmstate_why) => #p::Err(#p::conversion_refused(
                    #name,
                    #wire_text,
                    &__vmstate_why,
                    __vmstate_at,
                )),
            }
        },
    };
    let placeholder = match conversion.load {
        Load::From => quote! {
            <#self_ty as ::core::convert::From<#wire>>::from(<#wire as #p::Field>::placeholder())
        },
        // A value that a failed `TryFrom` cannot stand for: the type's own default.
        Load::TryFrom => quote!(<#self_ty as ::core::default::Default>::default()),
    };
    // Sequences travel as sequences of the wire type: in one block where nothing can be
    // refused, one value at a time where a value can, so that its error gives its own
    // offset.
    let slices = match conversion.load {
        Load::From => SliceLoad::Block {
            assign: quote! {
                *__vmstate_slot = <#self_ty as ::core::convert::From<#wire>>::from(__vmstate_value);
            },
            build: quote!(<#self_ty as ::core::convert::From<#wire>>::from),
        },
        Load::TryFrom => SliceLoad::Each(quote! {
            for (__vmstate_i, __vmstate_slot) in ::core::iter::Iterator::enumerate(
                <[Self]>::iter_mut(__vmstate_out),
            ) {
                let __vmstate_at = #p::Decoder::offset(__vmstate_d);
                let mut __vmstate_one = [<#wire as #p::Field>::placeholder()];
                // (Read as a slice of one: its error's `[0]` becomes this element's index.)
                <#wire as #p::Plain>::load_fresh_slice(&mut __vmstate_one, __vmstate_d)
                    .map_err(|__vmstate_e| #p::element_error(__vmstate_e, __vmstate_i))?;
                let [__vmstate_value] = __vmstate_one;
                let __vmstate_converted: #p::Result<Self, #p::Error> = #convert_read;
                *__vmstate_slot =
                    __vmstate_converted.map_err(|__vmstate_e| __vmstate_e.in_index(__vmstate_i))?;
            }
            #p::Ok(())
        }),
    };
    // Only what is needed: an `allow` of a lint the crate forbids is an error.
    let mut lints = Vec::new();
    if mentions_deprecated(&input.attrs) {
        lints.push(quote!(deprecated));
    }
    lints.extend(repeats.lints());
    travels_as(
        &TravelsAs {
            ident,
            generics: &generics,
            attrs: &input.attrs,
            lints,
            wire,
            // A saved or compared value: converted from a clone, as serde's `into` does.
            as_wire: &|value| {
                quote! {
                    <#self_ty as ::core::convert::Into<#wire>>::into(::core::clone::Clone::clone(#value))
                }
            },
            placeholder,
            load: quote! {
                let __vmstate_at = #p::Decoder::offset(__vmstate_d);
                let __vmstate_value = <#wire as #p::Field>::load(
                    &<#wire as #p::Field>::placeholder(),
                    __vmstate_d,
                )?;
                #convert_read
            },
            // A clone, as a save makes one (the type may need dropping: its clones are
            // dropped after every save anyway).
            undo_copy: quote!(#p::Some(::core::clone::Clone::clone(self))),
            slices,
        },
        p,
        import,
    )
}
