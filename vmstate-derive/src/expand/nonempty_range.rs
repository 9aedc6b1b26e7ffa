//! A compile-time check that a `range` of numbers holds a value, whatever spells its bounds.
//!
//! `check::limits` refuses an empty range of literals (`8..0`, `0.0..f32::NAN`) before
//! expansion; a bound named by a constant (`0..LIMIT`, `..Self::DEPTH`, a `NAN` imported
//! under another name) is known only to rustc. An empty range compiles and then refuses every
//! load, so the derive has the compiler evaluate the comparison: a constant item for a
//! non-generic struct (`cargo check` reports it), an inline `const` block for a generic one
//! (its parameters are known when the struct is used with them).

use crate::ast::{Field, Input};
use crate::attr::Expression;
use proc_macro2::TokenStream;
use quote::{quote_spanned, ToTokens};

/// The statement that fails to compile when `range` on `f` holds no value of its element
/// type, or nothing when the range is not one of primitive numbers with constant bounds.
pub(super) fn nonempty_check(
    input: &Input,
    f: &Field,
    range: &Expression,
    elem: &syn::Type,
) -> TokenStream {
    let Some(number) = primitive_number(elem) else {
        return TokenStream::new();
    };
    let syn::Expr::Range(r) = &range.expr else {
        return TokenStream::new();
    };
    let bounds = [&r.start, &r.end].map(|b| b.as_deref().map(unreferenced));
    // Literals alone are checked before expansion (`check::limits`); a bound that is no
    // constant expression cannot be evaluated here.
    let names_a_constant =
        (bounds.into_iter().flatten()).any(|b| crate::check::signed_literal(b).is_none());
    if !bounds.into_iter().flatten().all(is_constant) || !names_a_constant {
        return TokenStream::new();
    }
    let span = range.span;
    let ty = quote_spanned!(span=> ::core::primitive::#number);
    // Each bound converted to the element type by `as`: a bound of another type is the
    // runtime check's one error already, and must not be a second one here.
    let [lo, hi] = bounds.map(|b| b.map(|b| quote_spanned!(span=> ((#b) as #ty))));
    let float = number == "f32" || number == "f64";
    // When the range holds nothing. A NaN bound compares with nothing, so `!(a < b)` and
    // `!(a == a)` hold for it.
    let empty = match (lo, hi, r.limits) {
        (Some(lo), Some(hi), syn::RangeLimits::HalfOpen(_)) => quote_spanned!(span=> !(#lo < #hi)),
        (Some(lo), Some(hi), syn::RangeLimits::Closed(_)) => quote_spanned!(span=> !(#lo <= #hi)),
        (Some(bound), None, _) | (None, Some(bound), syn::RangeLimits::Closed(_)) if float => {
            quote_spanned!(span=> !(#bound == #bound))
        }
        (None, Some(hi), syn::RangeLimits::HalfOpen(_)) => {
            let least = match float {
                true => quote_spanned!(span=> #ty::NEG_INFINITY),
                false => quote_spanned!(span=> #ty::MIN),
            };
            quote_spanned!(span=> !(#hi > #least))
        }
        _ => return TokenStream::new(),
    };
    // A format string: braces in the range or the name are text.
    let message = format!(
        "range `{}` on field `{}` holds no `{number}`: every load would be refused",
        range.text,
        f.name()
    )
    .replace('{', "{{")
    .replace('}', "}}");
    let allows = quote_spanned! {span=>
        #[allow(
            clippy::as_conversions,
            clippy::cast_possible_truncation,
            clippy::cast_lossless,
            clippy::unnecessary_cast,
            clippy::absolute_paths,
            clippy::nonminimal_bool,
            clippy::neg_cmp_op_on_partial_ord,
            clippy::eq_op,
            clippy::absurd_extreme_comparisons,
            clippy::default_numeric_fallback,
            trivial_numeric_casts,
            unused_comparisons
        )]
    };
    if input.generics.params.is_empty() {
        // An item of its own, where `Self` means nothing: the struct by its name.
        let own = input.ident.to_token_stream();
        let empty = super::tokens::replace_self(empty, &own);
        quote_spanned! {span=>
            #allows
            const _: () = if #empty { ::core::panic!(#message) };
        }
    } else {
        quote_spanned! {span=>
            #allows
            let _: () = const { if #empty { ::core::panic!(#message) } };
        }
    }
}

/// The primitive number type a range compares (`u32`, `f64`), if it is one.
fn primitive_number(ty: &syn::Type) -> Option<&syn::Ident> {
    const NUMBERS: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64",
    ];
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return None;
    };
    let ident = p.path.get_ident()?;
    NUMBERS.iter().any(|n| ident == n).then_some(ident)
}

/// A bound without its `&` (`&1..&MAX`, as `RangeBounds` takes references).
fn unreferenced(bound: &syn::Expr) -> &syn::Expr {
    match bound {
        syn::Expr::Reference(r) if r.mutability.is_none() => unreferenced(&r.expr),
        syn::Expr::Paren(p) => match &*p.expr {
            syn::Expr::Reference(_) => unreferenced(&p.expr),
            _ => bound,
        },
        _ => bound,
    }
}

/// Whether a bound is made of literals, paths (constants), casts and arithmetic only, which a
/// constant can evaluate (a call may be of a function that is not `const`).
fn is_constant(bound: &syn::Expr) -> bool {
    match bound {
        syn::Expr::Lit(l) => matches!(l.lit, syn::Lit::Int(_) | syn::Lit::Float(_)),
        syn::Expr::Path(_) => true,
        syn::Expr::Paren(p) => is_constant(&p.expr),
        syn::Expr::Group(g) => is_constant(&g.expr),
        syn::Expr::Unary(u) => {
            matches!(u.op, syn::UnOp::Neg(_) | syn::UnOp::Not(_)) && is_constant(&u.expr)
        }
        syn::Expr::Cast(c) => is_constant(&c.expr),
        syn::Expr::Binary(b) => {
            use syn::BinOp::*;
            matches!(
                b.op,
                Add(_)
                    | Sub(_)
                    | Mul(_)
                    | Div(_)
                    | Rem(_)
                    | Shl(_)
                    | Shr(_)
                    | BitAnd(_)
                    | BitOr(_)
                    | BitXor(_)
            ) && is_constant(&b.left)
                && is_constant(&b.right)
        }
        _ => false,
    }
}
