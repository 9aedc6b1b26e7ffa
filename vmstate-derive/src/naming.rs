//! Names of the generated items, and the `allow`s they need.
//!
//! The staged struct copies the struct's name, its fields' names and its generic parameters,
//! so it trips the naming lints exactly when the user's struct does; the generated code names
//! the struct and its fields' types, so it trips `deprecated` when they are. The generated
//! code allows a lint only then, or when the user's struct or field allows it (the field
//! types it copies trip what they trip there): an `allow` of a lint the crate `forbid`s is an
//! error (E0453) even when nothing would trip it.

use crate::ast::Field;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;

/// The items of an attribute's list (`allow(a, b)`, `cfg_attr(cond, attr, ...)`).
type Metas = syn::punctuated::Punctuated<syn::Meta, syn::Token![,]>;

/// The staged struct's name: the struct's name without leading underscores (so that it stays
/// upper camel case when the struct's is), after a prefix no user type is expected to use.
pub fn staged_ident(ident: &Ident) -> Ident {
    let name = ident.unraw().to_string();
    format_ident!("__VmStateStaged{}", name.trim_start_matches('_'))
}

/// What the generated code trips besides names: `deprecated` items, a trait named twice in
/// a where predicate, a type bounded by two predicates.
pub struct Trips {
    /// The struct [`mentions_deprecated`].
    pub deprecated: bool,
    /// A bound of the derive joined a type parameter's bounds that the user wrote, which may
    /// name the trait a second time (clippy's `trait_duplication_in_bounds`).
    pub trait_twice: bool,
    /// The impls' where clause bounds a type twice (clippy's `type_repetition_in_bounds`).
    pub type_twice: bool,
}

/// `#[allow(...)]` for the naming lints that the staged struct `staged` with the fields
/// `wire` and the struct's `generics` (copied onto the generated items) trips, and for what
/// else it [`Trips`]; then the user's own [`user_allows`].
pub fn lint_allows(
    staged: &Ident,
    wire: &[&Field],
    generics: &syn::Generics,
    trips: &Trips,
    user: &[TokenStream],
) -> TokenStream {
    let ours = our_allows(staged, wire, generics, trips);
    quote!(#ours #(#user)*)
}

fn our_allows(
    staged: &Ident,
    wire: &[&Field],
    generics: &syn::Generics,
    trips: &Trips,
) -> TokenStream {
    let mut lints = Vec::new();
    if trips.deprecated {
        lints.push(quote!(deprecated));
    }
    if trips.trait_twice {
        lints.push(quote!(clippy::trait_duplication_in_bounds));
    }
    if trips.type_twice {
        lints.push(quote!(clippy::type_repetition_in_bounds));
    }
    let type_params = generics.type_params().map(|p| p.ident.unraw().to_string());
    if !is_upper_camel_case(&staged.to_string())
        || type_params.into_iter().any(|p| !is_upper_camel_case(&p))
    {
        lints.push(quote!(non_camel_case_types));
    }
    let lifetimes = generics
        .lifetimes()
        .map(|l| l.lifetime.ident.unraw().to_string());
    if (wire.iter()).any(|f| !is_snake_case(&f.ident.unraw().to_string()))
        || lifetimes.into_iter().any(|l| !is_snake_case(&l))
    {
        lints.push(quote!(non_snake_case));
    }
    // rustc's test for `non_upper_case_globals`: no lowercase letter.
    if (generics.const_params())
        .any(|p| p.ident.unraw().to_string().chars().any(char::is_lowercase))
    {
        lints.push(quote!(non_upper_case_globals));
    }
    if lints.is_empty() {
        quote!()
    } else {
        quote!(#[allow(#(#lints),*)])
    }
}

/// rustc's test for `non_camel_case_types`.
fn is_upper_camel_case(name: &str) -> bool {
    let name = name.trim_matches('_');
    let chars: Vec<char> = name.chars().collect();
    let Some(first) = chars.first() else {
        return true;
    };
    !first.is_lowercase()
        && !name.contains("__")
        && !chars.windows(2).any(|pair| {
            let (a, b) = (pair[0], pair[1]);
            has_case(a) && b == '_' || has_case(b) && a == '_'
        })
}

/// rustc's test for `non_snake_case`.
fn is_snake_case(name: &str) -> bool {
    let mut underscore_allowed = true;
    name.trim_matches('_').chars().all(|c| {
        if c == '_' {
            let ok = underscore_allowed;
            underscore_allowed = false;
            ok
        } else {
            underscore_allowed = true;
            !c.is_uppercase()
        }
    })
}

/// rustc's `char_has_case`: whether `c` has another case.
fn has_case(c: char) -> bool {
    let mut upper = c.to_uppercase();
    for lower in c.to_lowercase() {
        if upper.next().is_some_and(|u| u != lower) {
            return true;
        }
    }
    upper.next().is_some()
}

/// Whether `attrs` mark an item deprecated or allow (or expect) deprecated uses in it, also
/// under `cfg_attr`: then the generated code, which names the item (or a deprecated type of
/// its fields), allows them too, as serde's does. Not otherwise: an `allow` under `forbid` is
/// an error.
pub fn mentions_deprecated(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| meta_mentions_deprecated(&a.meta))
}

/// The `allow`s and `expect`s in `attrs` (also under `cfg_attr`, with its condition), each as
/// an `allow` for the generated code. It copies the struct's field types and discriminant
/// expressions, which trip the lints the user allowed there (`unused_braces` on
/// `[u8; { 4 }]`, `clippy::type_complexity`); copying the user's own `allow` cannot meet a
/// `forbid`, since the user's would have met it first. An `expect` becomes an `allow`: the
/// user's item fulfils it, the generated code need not.
pub fn user_allows<'a>(attrs: impl IntoIterator<Item = &'a syn::Attribute>) -> Vec<TokenStream> {
    attrs
        .into_iter()
        .filter_map(|a| allow_of(&a.meta))
        .map(|meta| quote!(#[#meta]))
        .collect()
}

fn allow_of(meta: &syn::Meta) -> Option<TokenStream> {
    let syn::Meta::List(list) = meta else {
        return None;
    };
    let path = meta.path();
    if path.is_ident("allow") || path.is_ident("expect") {
        let lints = &list.tokens;
        return Some(quote!(allow(#lints)));
    }
    if !path.is_ident("cfg_attr") {
        return None;
    }
    let inner = list.parse_args_with(Metas::parse_terminated).ok()?;
    let mut inner = inner.iter();
    let condition = inner.next()?;
    let allows: Vec<TokenStream> = inner.filter_map(allow_of).collect();
    (!allows.is_empty()).then(|| quote!(cfg_attr(#condition, #(#allows),*)))
}

fn meta_mentions_deprecated(meta: &syn::Meta) -> bool {
    let path = meta.path();
    if path.is_ident("deprecated") {
        return true;
    }
    let syn::Meta::List(list) = meta else {
        return false;
    };
    let Ok(inner) = list.parse_args_with(Metas::parse_terminated) else {
        return false;
    };
    if path.is_ident("allow") || path.is_ident("expect") {
        // `reason = "..."` may follow the lints.
        inner.iter().any(|m| m.path().is_ident("deprecated"))
    } else if path.is_ident("cfg_attr") {
        // The first item is the condition; the attributes follow.
        inner.iter().skip(1).any(meta_mentions_deprecated)
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_as_rustc_judges_it() {
        for ok in ["Dev", "__VmStateStagedDev", "Pl031", "V1_2", "X", "_Dev_"] {
            assert!(is_upper_camel_case(ok), "{ok}");
        }
        for bad in ["my_dev", "dev", "Dev__Two", "Dev_Two", "VmStateStaged_Dev"] {
            assert!(!is_upper_camel_case(bad), "{bad}");
        }
    }

    #[test]
    fn snake_case_as_rustc_judges_it() {
        for ok in ["cm_id", "_host", "a1", "x__", "__vmstate_marker", "r2_d2"] {
            assert!(is_snake_case(ok), "{ok}");
        }
        for bad in ["CM_ID", "cmId", "a__b"] {
            assert!(!is_snake_case(bad), "{bad}");
        }
    }

    #[test]
    fn deprecated_as_written_in_attributes() {
        let attrs = |tokens: proc_macro2::TokenStream| -> Vec<syn::Attribute> {
            let item: syn::ItemStruct = syn::parse2(quote!(#tokens struct S;)).unwrap();
            item.attrs
        };
        for yes in [
            quote!(#[deprecated]),
            quote!(#[deprecated(note = "old")]),
            quote!(#[allow(deprecated)]),
            quote!(#[allow(clippy::all, deprecated)]),
            quote!(#[allow(deprecated, reason = "old streams")]),
            quote!(#[expect(deprecated)]),
            quote!(#[cfg_attr(test, allow(deprecated))]),
            quote!(#[cfg_attr(all(), deprecated)]),
        ] {
            assert!(mentions_deprecated(&attrs(yes.clone())), "{yes}");
        }
        for no in [
            quote!(#[allow(dead_code)]),
            quote!(#[doc = "deprecated"]),
            quote!(#[cfg_attr(deprecated, allow(unused))]),
            quote!(#[warn(deprecated)]),
        ] {
            assert!(!mentions_deprecated(&attrs(no.clone())), "{no}");
        }
    }

    #[test]
    fn staged_name_keeps_a_camel_case_name_camel_case() {
        let ident: Ident = syn::parse_quote!(_Dev);
        assert!(is_upper_camel_case(&staged_ident(&ident).to_string()));
        let ident: Ident = syn::parse_quote!(r#Type);
        assert_eq!(staged_ident(&ident), "__VmStateStagedType");
    }
}
