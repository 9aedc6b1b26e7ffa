//! The limits a load enforces, `max_len` and `range`, and the checks only plain values take.

use crate::ast::{Input, Role};
use crate::ctxt::Ctxt;

use super::types::{is_std_atomic, is_type_param, names_std, sequence_elem, std_type};

/// A `range` or a field's `validate` on an atomic, a `Cell`, a `Vec`, a `VecDeque`, a `Box` or a
/// `String` (or an array of them; but a `range` on a `Vec<T>`, `VecDeque<T>` or `Box<[T]>`,
/// which bounds its elements): none is a plain value the load can compare before the commit, and
/// rustc's errors (up to three per field, and again at each use of the struct) name the
/// derive's traits. One error on the key, saying where the check goes.
pub(super) fn check_checks_of_non_plain_values(cx: &Ctxt, field: &crate::ast::Field) {
    let (elem, depth) = crate::ast::array_element(field.ty);
    let Some(last) = std_type(elem) else {
        return;
    };
    let generic = !last.arguments.is_empty();
    let (what, read) = match last.ident.to_string().as_str() {
        _ if is_std_atomic(last) => (format!("an `{}`", last.ident), " with `load`"),
        "Cell" if generic => ("a `Cell`".to_owned(), " with `get`"),
        "Vec" | "VecDeque" | "Box" if generic => (format!("a `{}`", last.ident), ""),
        "String" if !generic => ("a `String`".to_owned(), ""),
        _ => return,
    };
    // A `range` on a `Vec<T>`, `VecDeque<T>` or `Box<[T]>` field bounds each element, as on
    // an array.
    let range_bounds_elements = depth == 0 && sequence_elem(field.ty).is_some();
    let keys = [
        (
            "range",
            (field.attrs.range.get())
                .filter(|_| !range_bounds_elements)
                .map(|r| r.key),
        ),
        ("validate", field.attrs.validate.get().map(|v| v.key)),
    ];
    for (key, span) in keys {
        if let Some(span) = span {
            cx.error_at(
                span,
                format!(
                    "`{key}` cannot check {what}: it is not a plain value the load compares \
                     before its commit; check it in the container's `validate = \"...\"`, a \
                     `fn(&Self)` that reads it{read} (a type of your own so named is named by \
                     its path)"
                ),
            );
        }
    }
}

pub(super) fn check_limits(cx: &Ctxt, input: &Input, field: &crate::ast::Field) {
    // A constant's value is checked where it is known, in the constant that holds it
    // (`Field::max_len_const`).
    if let Some((m, value)) =
        (field.attrs.max_len.get()).and_then(|m| Some((m, m.value.literal()?)))
    {
        if value == 0 {
            cx.error_at(
                m.span,
                "`max_len` must be at least 1: with 0 no value but an empty one could be saved",
            );
        } else if u32::try_from(value).is_err() {
            cx.error_at(m.span, crate::attr::MAX_LEN_TOO_LARGE);
        }
    }
    if let Some(r) = field.attrs.range.get() {
        if matches!(
            &r.value.expr,
            syn::Expr::Range(syn::ExprRange {
                start: None,
                end: None,
                ..
            })
        ) {
            cx.error_at(
                r.span,
                "range `..` holds every value, so it checks nothing: give a bound or remove it",
            );
        }
        if mentions_self(quote::ToTokens::to_token_stream(&r.value.expr)) {
            cx.error_at(
                r.span,
                "a range's bounds are constants: they cannot read the struct's fields (the \
                 load is staged, `self` is the destination before it); check one field against \
                 another in a container `validate`",
            );
        }
        // A sequence's range bounds its elements.
        let ranged = sequence_elem(field.ty).unwrap_or(field.ty);
        if let Some(why) = (empty_range(&r.value.expr))
            .or_else(|| below_zero(&r.value.expr, ranged))
            .or_else(|| nan_bound(&r.value.expr))
        {
            cx.error_at(
                r.span,
                format!(
                    "range `{}` is empty ({why}): every load would be refused",
                    r.value.text
                ),
            );
        } else if let Some(wrapper) = wrapper_of_bare_literals(&r.value.expr, ranged) {
            cx.error_at(
                r.span,
                format!(
                    "a range on a `{wrapper}` field is written in its values, \
                     `{wrapper}(0)..{wrapper}(8)`: a bare number is not a `{wrapper}`"
                ),
            );
        } else if let Some(why) = out_of_type(&r.value.expr, ranged) {
            cx.error_at(r.span, why);
        }
    }
    let travels = matches!(field.role(), Role::Migrated | Role::Immutable);
    // A `max_len` with a bad value has been reported already; a parameter named `String` is
    // (`check_generic_names`).
    let parameter = |ty: &syn::Type| match crate::ast::ungroup(ty) {
        syn::Type::Path(p) => is_type_param(input.generics, &p.path),
        _ => false,
    };
    // A misspelt `max_length` counts as given (`Slot::given`): it was reported once.
    if travels && field.is_variable_length() && !field.attrs.max_len.given() && !parameter(field.ty)
    {
        cx.error_spanned_by(
            field.ty,
            format!(
                "field `{}` has a variable length and needs a bound: add \
                 `#[vmstate(max_len = N)]` so a load refuses longer input before allocating \
                 (the derive knows `Vec`, `VecDeque`, `Box<[T]>` and `String` by name: a type \
                 of your own so named is named by its path, e.g. `regs::String`)",
                field.ident
            ),
        );
    }
}

/// Whether `tokens` use the value `self` (not the module path `self::`).
pub(super) fn mentions_self(tokens: proc_macro2::TokenStream) -> bool {
    let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
    tokens.iter().enumerate().any(|(i, t)| match t {
        proc_macro2::TokenTree::Ident(id) => {
            let path = matches!(
                tokens.get(i + 1),
                Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == ':'
            );
            id == "self" && !path
        }
        proc_macro2::TokenTree::Group(g) => mentions_self(g.stream()),
        _ => false,
    })
}

/// Why a range of integer or float literals holds no value (`8..0`, `3..3`, `1.0..0.5`), if
/// it is such a range.
fn empty_range(expr: &syn::Expr) -> Option<&'static str> {
    let syn::Expr::Range(r) = expr else {
        return None;
    };
    let order = compare(r.start.as_deref()?, r.end.as_deref()?);
    match (r.limits, order?) {
        (syn::RangeLimits::HalfOpen(_), std::cmp::Ordering::Less) => None,
        (syn::RangeLimits::HalfOpen(_), _) => Some("its start is not below its end"),
        (syn::RangeLimits::Closed(_), std::cmp::Ordering::Greater) => {
            Some("its start is above its end")
        }
        _ => None,
    }
}

/// Why a range with a NaN bound (`0.0..f32::NAN`) holds no value: nothing compares with NaN.
fn nan_bound(expr: &syn::Expr) -> Option<&'static str> {
    let syn::Expr::Range(r) = expr else {
        return None;
    };
    fn is_nan(bound: &syn::Expr) -> bool {
        match bound {
            syn::Expr::Paren(p) => is_nan(&p.expr),
            syn::Expr::Group(g) => is_nan(&g.expr),
            syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Neg(_)) && is_nan(&u.expr),
            syn::Expr::Path(p) => {
                let names: Vec<String> = (p.path.segments.iter())
                    .map(|s| s.ident.to_string())
                    .collect();
                matches!(&names[..], [.., float, nan] if nan == "NAN" && (float == "f32" || float == "f64"))
            }
            _ => false,
        }
    }
    [&r.start, &r.end]
        .into_iter()
        .flatten()
        .any(|bound| is_nan(bound))
        .then_some("a bound is NaN, which no value compares with")
}

/// Why `..0` holds no value of an unsigned type (or of arrays of one, bounded element-wise).
fn below_zero(expr: &syn::Expr, ty: &syn::Type) -> Option<&'static str> {
    let syn::Expr::Range(syn::ExprRange {
        start: None,
        end: Some(end),
        limits: syn::RangeLimits::HalfOpen(_),
        ..
    }) = expr
    else {
        return None;
    };
    let (false, syn::Lit::Int(end)) = bound_literal(end)? else {
        return None;
    };
    if end.base10_parse::<u128>().ok()? != 0 {
        return None;
    }
    let unsigned = ["u8", "u16", "u32", "u64", "u128", "usize"];
    integer_name(ty)
        .filter(|i| unsigned.iter().any(|u| *i == u))
        .map(|_| "no unsigned value is below 0")
}

/// The name of the primitive inside arrays and wrappers (`[Wrapping<u8>; 4]`: `u8`), which a
/// range bounds.
fn integer_name(ty: &syn::Type) -> Option<&syn::Ident> {
    let (mut ty, _) = crate::ast::array_element(ty);
    while let Some((_, inner)) = std_wrapped(ty) {
        (ty, _) = crate::ast::array_element(inner);
    }
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return None;
    };
    p.path.get_ident()
}

/// A bound of a range, an integer literal without a suffix, that the field's integer type
/// cannot hold (`0..256` on a `u8`, `-1..` on a `u32`), with what to write instead: rustc
/// would report the literal taking the whole string for its token, and garble its advice.
fn out_of_type(expr: &syn::Expr, ty: &syn::Type) -> Option<String> {
    let syn::Expr::Range(r) = expr else {
        return None;
    };
    let name = integer_name(ty)?.to_string();
    let bits: u32 = name.get(1..)?.parse().ok()?;
    let signed = name.starts_with('i');
    if !(name.starts_with('u') || signed) || !matches!(bits, 8 | 16 | 32 | 64 | 128) {
        return None;
    }
    // The largest magnitude below 0 and above it.
    let (below, above) = match signed {
        true => (1u128 << (bits - 1), (1u128 << (bits - 1)) - 1),
        false => (0, u128::MAX >> (128 - bits)),
    };
    let min = if signed {
        format!("-{below}")
    } else {
        "0".into()
    };
    for (bound, is_end) in [(r.start.as_deref(), false), (r.end.as_deref(), true)] {
        let Some((neg, syn::Lit::Int(lit))) = bound.and_then(bound_literal) else {
            continue;
        };
        let Ok(m) = lit.base10_parse::<u128>() else {
            continue;
        };
        if !lit.suffix().is_empty() || if neg { m <= below } else { m <= above } {
            continue;
        }
        let written = format!("{}{m}", if neg { "-" } else { "" });
        let exclusive_end = is_end && matches!(r.limits, syn::RangeLimits::HalfOpen(_));
        let hint = if exclusive_end && !neg && m - 1 == above {
            format!("to hold every value up to the largest, write `..={above}` or no end")
        } else {
            "a bound beyond the type's values checks nothing on its side: leave it out".into()
        };
        let article = if signed { "an" } else { "a" };
        return Some(format!(
            "`{written}` is not {article} `{name}` (whose values are {min}..={above}): {hint}"
        ));
    }
    None
}

/// How two numeric literals (possibly negated) compare: integers exactly (any up to `u128`),
/// and as `f64` when either is a float (a mix is a type error rustc reports anyway).
fn compare(a: &syn::Expr, b: &syn::Expr) -> Option<std::cmp::Ordering> {
    let ((a_neg, a), (b_neg, b)) = (bound_literal(a)?, bound_literal(b)?);
    if let (syn::Lit::Int(a), syn::Lit::Int(b)) = (a, b) {
        // Sign and magnitude as one ordered key: negatives (larger magnitude first), zero,
        // positives.
        let key = |neg: bool, m: u128| match (neg, m) {
            (_, 0) => (1u8, 0u128),
            (true, m) => (0, u128::MAX - m),
            (false, m) => (2, m),
        };
        let (a_mag, b_mag) = (
            a.base10_parse::<u128>().ok()?,
            b.base10_parse::<u128>().ok()?,
        );
        return Some(key(a_neg, a_mag).cmp(&key(b_neg, b_mag)));
    }
    let float = |neg: bool, lit: &syn::Lit| {
        let v: f64 = match lit {
            syn::Lit::Int(i) => i.base10_parse().ok()?,
            syn::Lit::Float(f) => f.base10_parse().ok()?,
            _ => return None,
        };
        Some(if neg { -v } else { v })
    };
    float(a_neg, a)?.partial_cmp(&float(b_neg, b)?)
}

/// A numeric literal, possibly negated (`-3`, `-(0.5)`): whether it is negated, and the
/// literal.
pub(crate) fn signed_literal(expr: &syn::Expr) -> Option<(bool, &syn::Lit)> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: lit @ (syn::Lit::Int(_) | syn::Lit::Float(_)),
            ..
        }) => Some((false, lit)),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => signed_literal(expr).map(|(neg, lit)| (!neg, lit)),
        syn::Expr::Paren(p) => signed_literal(&p.expr),
        _ => None,
    }
}

/// The wrapper (`Wrapping`, `Saturating`) of a field, or of its array's elements, whose range
/// bounds are bare number literals (`0..8`), which rustc would refuse as another type.
fn wrapper_of_bare_literals(expr: &syn::Expr, ty: &syn::Type) -> Option<String> {
    let syn::Expr::Range(r) = expr else {
        return None;
    };
    let bounds = [r.start.as_deref(), r.end.as_deref()];
    if !bounds.iter().flatten().any(|b| signed_literal(b).is_some()) {
        return None;
    }
    let (elem, _) = crate::ast::array_element(ty);
    std_wrapped(elem).map(|(wrapper, _)| wrapper.to_string())
}

/// A `Wrapping<T>` or `Saturating<T>` type: the wrapper's name and `T`.
fn std_wrapped(ty: &syn::Type) -> Option<(&syn::Ident, &syn::Type)> {
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return None;
    };
    let last = p.path.segments.last()?;
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args)
            if p.qself.is_none() && is_std_wrapper(&p.path) =>
        {
            match args.args.first() {
                Some(syn::GenericArgument::Type(inner)) => Some((&last.ident, inner)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A range bound's literal, possibly negated, also written as a wrapper's value
/// (`Wrapping(8)`, `Saturating(-1)`, for a field of that type). Not under a minus sign:
/// `-Wrapping(1)` wraps.
fn bound_literal(expr: &syn::Expr) -> Option<(bool, &syn::Lit)> {
    match expr {
        syn::Expr::Call(c) if c.args.len() == 1 => match &*c.func {
            syn::Expr::Path(p) if is_std_wrapper(&p.path) => signed_literal(&c.args[0]),
            _ => None,
        },
        syn::Expr::Paren(p) => bound_literal(&p.expr),
        _ => signed_literal(expr),
    }
}

/// std's wrappers of a plain value, which travel as the value: `Wrapping`, `Saturating`.
const STD_WRAPPERS: &[&str] = &["Wrapping", "Saturating"];

/// Whether `path` names one of [`STD_WRAPPERS`] (a bare name or a path through `std` or
/// `core`).
pub(super) fn is_std_wrapper(path: &syn::Path) -> bool {
    names_std(path)
        && (path.segments.last()).is_some_and(|l| STD_WRAPPERS.iter().any(|w| l.ident == w))
}
