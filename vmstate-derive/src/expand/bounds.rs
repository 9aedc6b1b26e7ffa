//! The impls' where clauses (what each field type must implement, spanned on the type) and the
//! compile-time assertions on the field types (`__VmStateProbe` checks).

use super::hooks::range_compares;
use super::tokens::{count_parts, generated_name, private_at};
use crate::ast::{Field, Input, Role};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// The struct's generics with the where clause of the impls: the bounds of each field type
/// that travels ([`field_bounds`]). Not `T: Field` for a type parameter `T`: a field of type
/// `T` gets that from its own bound, and one of type `H::Reg` or `Handle<T>` (whose `T` is
/// only a marker) needs none.
///
/// Also what clippy would report of that where clause on the user's tokens ([`Repeats`]).
pub(super) fn bounded_generics(input: &Input, p: &TokenStream) -> (syn::Generics, Repeats) {
    // Every field type that travels, bounded by the trait the code uses, and spanned on
    // the type: a type that cannot migrate fails this bound, there, once, while the
    // items below (which assume the bound) report nothing more.
    let derived =
        fields_bounds(input, p, |_| true)
            .into_iter()
            .chain((input.fields.iter()).flat_map(|f| {
                count_bound(input, f, p)
                    .into_iter()
                    .chain(default_bound(input, f))
            }));
    with_bounds(input.generics, derived)
}

/// The [`field_bounds`] of the fields `include` takes. Types that differ from another
/// field's only in lifetimes (`Inner<'a>` beside `Inner<'b>`) are bounded for every lifetime
/// instead, once (`for<'__vmstate_l0> Inner<'__vmstate_l0>: Field`): two bounds would each
/// be a candidate for the other (rustc selects with lifetimes erased) and leave every use of
/// either ambiguous.
pub(super) fn fields_bounds(
    input: &Input,
    p: &TokenStream,
    include: impl Fn(&Field) -> bool,
) -> Vec<syn::WherePredicate> {
    let twins = lifetime_twins(input);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (f, twin) in input.fields.iter().zip(twins).filter(|(f, _)| include(f)) {
        for predicate in field_bounds(f, p) {
            if !twin {
                out.push(predicate);
                continue;
            }
            let general = for_every_lifetime(&predicate);
            if seen.insert(general.to_token_stream().to_string()) {
                out.push(general);
            }
        }
    }
    out
}

/// `predicate` for every lifetime in it: each one written becomes a lifetime of its own,
/// bound by `for<...>` (tokens keep their spans, so an unmet bound is still reported on the
/// type).
fn for_every_lifetime(predicate: &syn::WherePredicate) -> syn::WherePredicate {
    let mut names: Vec<String> = Vec::new();
    let tokens = map_lifetimes(predicate.to_token_stream(), &mut |name| {
        let n = (names.iter().position(|x| x == name)).unwrap_or_else(|| {
            names.push(name.to_owned());
            names.len() - 1
        });
        format!("__vmstate_l{n}")
    });
    let lifetimes = (0..names.len())
        .map(|n| syn::Lifetime::new(&format!("'__vmstate_l{n}"), Span::call_site()));
    syn::parse2(quote!(for<#(#lifetimes),*> #tokens)).unwrap_or_else(|_| predicate.clone())
}

/// `tokens` with the name of every lifetime in them (`a` of `'a`) replaced by `rename`'s,
/// spans kept.
fn map_lifetimes(tokens: TokenStream, rename: &mut impl FnMut(&str) -> String) -> TokenStream {
    let mut after_quote = false;
    (tokens.into_iter())
        .map(|tt| {
            let tt = match tt {
                proc_macro2::TokenTree::Ident(i) if after_quote => {
                    proc_macro2::Ident::new(&rename(&i.to_string()), i.span()).into()
                }
                proc_macro2::TokenTree::Group(g) => {
                    let stream = map_lifetimes(g.stream(), rename);
                    let mut group = proc_macro2::Group::new(g.delimiter(), stream);
                    group.set_span(g.span());
                    group.into()
                }
                other => other,
            };
            after_quote = matches!(&tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == '\'');
            tt
        })
        .collect()
}

/// For each field, whether its type differs from another field's only in lifetimes
/// (`Inner<'a>` beside `Inner<'b>`).
fn lifetime_twins(input: &Input) -> Vec<bool> {
    let types: Vec<(String, String)> = (input.fields.iter())
        .map(|f| {
            let tokens = f.ty.to_token_stream();
            let erased = map_lifetimes(tokens.clone(), &mut |_| "_".to_owned());
            (erased.to_string(), tokens.to_string())
        })
        .collect();
    (types.iter())
        .map(|(key, exact)| (types.iter()).any(|(k, e)| k == key && e != exact))
        .collect()
}

/// `generics` with the `derived` predicates in its where clause, each merged into one the
/// user wrote on its type where [`merge_predicate`] can (a type parameter's own bounds join
/// the where clause first).
pub(crate) fn with_bounds(
    generics: &syn::Generics,
    derived: impl IntoIterator<Item = syn::WherePredicate>,
) -> (syn::Generics, Repeats) {
    let mut generics = generics.clone();
    // A parameter's own bounds (`T: Copy`) join the where clause, so that each type is
    // bounded by one predicate: clippy takes the predicates, spanned on the user's tokens,
    // for the user's, and `type_repetition_in_bounds` would fire on a second one.
    let mut predicates: Vec<syn::WherePredicate> = Vec::new();
    for param in generics.type_params_mut() {
        if !param.bounds.is_empty() {
            let (ident, bounds) = (&param.ident, std::mem::take(&mut param.bounds));
            predicates.push(syn::parse_quote!(#ident: #bounds));
            param.colon_token = None;
        }
    }
    predicates.extend(
        generics
            .where_clause
            .take()
            .map(|w| w.predicates)
            .into_iter()
            .flatten(),
    );
    let params: Vec<String> = (generics.type_params().map(|t| t.ident.to_string())).collect();
    let where_clause = generics.make_where_clause();
    let mut repeats = Repeats::default();
    for predicate in predicates {
        let merged = merge_predicate(&mut where_clause.predicates, predicate, &params);
        repeats.type_twice |= merged == Merge::Beside;
    }
    let users = where_clause.predicates.len();
    for predicate in derived {
        match merge_predicate(&mut where_clause.predicates, predicate, &params) {
            Merge::Joined(i) => repeats.trait_twice |= i < users,
            Merge::Beside => repeats.type_twice = true,
            Merge::Alone | Merge::Known => {}
        }
    }
    (generics, repeats)
}

/// What clippy would report of the impls' where clause on the user's tokens; the generated
/// code allows those lints then.
#[derive(Default)]
pub(crate) struct Repeats {
    /// A bound of the derive joined a type parameter's bounds that the user wrote: the user's
    /// `T: vmstate_core::Field` (under any name) beside the derive's `T: Field` is one trait
    /// twice (`trait_duplication_in_bounds`). Both are kept: the user's may be another trait.
    pub(crate) trait_twice: bool,
    /// A type has two predicates: a concrete type that fields bound differently keeps one
    /// per field, so that an unmet bound is reported on its own field
    /// (`type_repetition_in_bounds`).
    pub(crate) type_twice: bool,
}

impl Repeats {
    /// The clippy lints that the repeats trip, to allow in the generated code.
    pub(crate) fn lints(&self) -> Vec<proc_macro2::TokenStream> {
        let mut lints = Vec::new();
        if self.trait_twice {
            lints.push(quote::quote!(clippy::trait_duplication_in_bounds));
        }
        if self.type_twice {
            lints.push(quote::quote!(clippy::type_repetition_in_bounds));
        }
        lints
    }
}

/// What [`merge_predicate`] did with a predicate.
#[derive(PartialEq)]
enum Merge {
    /// The first on its type.
    Alone,
    /// Merged into the predicate at this index, which took a bound it did not have.
    Joined(usize),
    /// Merged into an earlier predicate that had all its bounds.
    Known,
    /// Kept beside an earlier predicate on its type.
    Beside,
}

/// Adds `predicate` to `predicates`, merged into an earlier predicate on the same type (the
/// same tokens) when that loses no error's place: when the bounds are there already (two
/// fields of one type: rustc reports a type that cannot migrate once anyway), or when the
/// type is a type parameter, whose bounds are assumed, never checked, at the impl.
fn merge_predicate(
    predicates: &mut syn::punctuated::Punctuated<syn::WherePredicate, syn::Token![,]>,
    predicate: syn::WherePredicate,
    params: &[String],
) -> Merge {
    let syn::WherePredicate::Type(new) = predicate else {
        predicates.push(predicate);
        return Merge::Alone;
    };
    let text = |t: &dyn ToTokens| t.to_token_stream().to_string();
    let key = |p: &syn::PredicateType| (text(&p.lifetimes), text(&p.bounded_ty));
    let parameter = new.lifetimes.is_none() && params.contains(&text(&new.bounded_ty));
    let same_type = predicates
        .iter_mut()
        .enumerate()
        .find_map(|(i, p)| match p {
            syn::WherePredicate::Type(old) if key(old) == key(&new) => Some((i, old)),
            _ => None,
        });
    let Some((index, old)) = same_type else {
        predicates.push(syn::WherePredicate::Type(new));
        return Merge::Alone;
    };
    let mut known: Vec<String> = old.bounds.iter().map(|b| text(b)).collect();
    if !parameter && !new.bounds.iter().all(|b| known.contains(&text(b))) {
        predicates.push(syn::WherePredicate::Type(new));
        return Merge::Beside;
    }
    let mut merged = Merge::Known;
    for bound in new.bounds {
        if !known.contains(&text(&bound)) {
            known.push(text(&bound));
            old.bounds.push(bound);
            merged = Merge::Joined(index);
        }
    }
    merged
}

/// For a field whose `default` is `Default::default` (a bare `default`) and whose type
/// names a type parameter: `Ty: Default`, as serde's `#[serde(default)]` bounds it, spanned
/// on the key. (A concrete type without `Default` is reported where the function is named.)
fn default_bound(input: &Input, f: &Field) -> Option<syn::WherePredicate> {
    let d = f
        .attrs
        .default
        .get()
        .filter(|d| d.value.text == crate::attr::TYPE_DEFAULT)?;
    let generic = (input.generics.type_params()).any(|t| mentions(f.ty, &t.ident, false));
    let ty = f.ty;
    let at = crate::attr::code_span(d.key);
    generic.then(|| syn::parse_quote_spanned!(at=> #ty: ::core::default::Default))
}

/// For a sequence whose length another field holds (`len = "..."`): that field's type is a
/// `WireCount` when a wire carries it (the load reads its staged value), else a `Count`,
/// spanned on the literal, so a field that is no integer is reported there, once (and not
/// at all when its type was refused already).
fn count_bound(input: &Input, f: &Field, p: &TokenStream) -> Option<syn::WherePredicate> {
    let span = f.attrs.len.get()?.span;
    let source = input.count_field(f).filter(|c| !c.faulty.get())?;
    let (p, ty) = count_parts(p, span, source);
    Some(match source.role() {
        Role::Migrated => syn::parse_quote_spanned!(span=> #ty: #p::WireCount),
        _ => syn::parse_quote_spanned!(span=> #ty: #p::Count),
    })
}

/// The where clause of the `Element` impl: the impls' (`where_clause`), and `Self: Default`
/// (and, when a load depends on the destination's configuration, `Self:
/// ElementWithoutConfiguration`) for every lifetime.
pub(super) fn element_where_clause(
    input: &Input,
    where_clause: Option<&syn::WhereClause>,
    p: &TokenStream,
) -> syn::WhereClause {
    let mut w = where_clause
        .cloned()
        .unwrap_or_else(|| syn::parse_quote!(where));
    // Higher-ranked so that it is not checked at the definition: a struct that is not
    // `Default` gets no usable `Element` impl instead of an error (a plain `Self: Default`
    // on a concrete type is a "trivial bound", refused when false).
    w.predicates
        .push(syn::parse_quote!(for<'__vmstate> Self: #p::Default));
    // An element is built fresh: an immutable or `equal` field would have nothing to be
    // checked against (and the QEMU format would reset an immutable one to its default),
    // and a skipped field holding a length would always be its default.
    if input.needs_configuration() {
        w.predicates
            .push(syn::parse_quote!(for<'__vmstate> Self: #p::ElementWithoutConfiguration));
    }
    w
}

/// What the code below needs of a field's type, as where-clause predicates whose tokens all
/// carry the type's spans: `Ty: Field` (with `max_len`: `Ty: Bounded + PartialEq`), and for a
/// field compared with the destination's (`immutable`, `equal`) `Debug` too (for the
/// mismatch error).
fn field_bounds(f: &Field, p: &TokenStream) -> Vec<syn::WherePredicate> {
    if !matches!(
        f.role(),
        Role::Migrated | Role::Subsection | Role::Immutable
    ) {
        return Vec::new();
    }
    let compared = f.compared();
    let ty = f.ty;
    let mut tokens = ty.to_token_stream().into_iter();
    let start = tokens.next().map_or_else(|| ty.span(), |tt| tt.span());
    let end = tokens.last().map_or(start, |tt| tt.span());
    let p = private_at(p, end);
    // What the type itself must be, in one predicate (a second on the same type would trip
    // clippy's `type_repetition_in_bounds`; an unmet bound is reported on the type either way).
    let mut traits = match (f.max_len(), compared) {
        (Some(_), _) => vec![
            quote_spanned!(end=> #p::Bounded),
            quote_spanned!(end=> ::core::cmp::PartialEq),
        ],
        (None, false) if f.role() == Role::Subsection => vec![quote_spanned!(end=> #p::VmState)],
        (None, _) => vec![quote_spanned!(end=> #p::Field)],
    };
    if compared {
        traits.push(quote_spanned!(end=> #p::Debug));
    }
    if f.attrs.buffer.get().is_some() {
        traits.push(quote_spanned!(end=> #p::ByteBuffer));
    }
    // Validators see the loaded value itself, so its staged form must be the type (a
    // sequence's is: `Bounded` loads the sequence itself).
    if f.attrs.validate.get().is_some() || (f.attrs.range.get().is_some() && f.max_len().is_none())
    {
        traits.push(quote_spanned!(end=> #p::Plain));
    }
    // What a range compares: the elements of an array (a predicate of their own) unless the
    // bounds are arrays (the value itself, whose predicate takes these).
    let mut element_bound = None;
    if let Some(r) = f.attrs.range.get() {
        let ordered = [
            quote_spanned!(end=> ::core::cmp::PartialOrd),
            quote_spanned!(end=> #p::Debug),
        ];
        match range_compares(&r.value.expr, f.ty) {
            (_, 0) => {
                let known: Vec<String> = traits.iter().map(ToString::to_string).collect();
                traits.extend(
                    ordered
                        .into_iter()
                        .filter(|t| !known.contains(&t.to_string())),
                );
            }
            (element, _) => element_bound = Some(quote_spanned!(end=> #element: #(#ordered)+*)),
        }
    }
    let mut bounds = vec![quote_spanned!(end=> #ty: #(#traits)+*)];
    if compared && f.max_len().is_none() {
        let lt = quote_spanned!(start=> <);
        bounds.push(quote_spanned!(end=> #lt #ty as #p::Field>::Staged: #p::Debug));
    }
    bounds.extend(element_bound);
    bounds
        .into_iter()
        .map(|b| syn::parse2(b).expect("a type and its bounds make a where predicate"))
        .collect()
}

/// Whether `ty` names the generic parameter `param`: a lifetime as `'a`, a type or const
/// parameter as a path's first segment (`Vec<[T; 4]>`, `T::Assoc`, `[u8; N]`), not as the
/// segment after a `::` (`regs::T`) or as a module named like a lifetime (`a::Sub`).
fn mentions(ty: &syn::Type, param: &syn::Ident, lifetime: bool) -> bool {
    fn walk(tokens: TokenStream, param: &syn::Ident, lifetime: bool) -> bool {
        // The last two punctuation characters (`None` for any other token).
        let mut prev: [Option<char>; 2] = [None, None];
        for tt in tokens {
            match &tt {
                proc_macro2::TokenTree::Ident(i) if i == param => {
                    let after_quote = prev[1] == Some('\'');
                    let after_path = prev == [Some(':'), Some(':')];
                    if after_quote == lifetime && !after_path {
                        return true;
                    }
                }
                proc_macro2::TokenTree::Group(g) if walk(g.stream(), param, lifetime) => {
                    return true;
                }
                _ => {}
            }
            let c = match &tt {
                proc_macro2::TokenTree::Punct(p) => Some(p.as_char()),
                _ => None,
            };
            prev = [prev[1], c];
        }
        false
    }
    walk(ty.to_token_stream(), param, lifetime)
}

/// One check for the struct: a nested struct that may load last on QEMU's wire before the
/// subsections (every field after it may write nothing: one a stream may lack, one counted
/// by another field, a zero-length array, a fieldless struct), or last inside a subsection
/// before a later sibling, must not have a name that a subsection's continues with `/`, nor a
/// subsection of that name: its load would take that subsection's header for one of its own.
/// One call over the fields and the subsections (`__private::subsection_claim`), so that its
/// cost grows with their number, not with their product. Returns whether the check names a
/// parameter, and the check.
fn subsection_claims(
    input: &Input,
    subsections: &[&Field],
    concrete: &dyn Fn(&syn::Type) -> bool,
    p: &TokenStream,
) -> (bool, TokenStream) {
    let wire: Vec<&Field> = (input.fields.iter())
        .filter(|f| f.role() == Role::Migrated)
        .collect();
    let mut messages = Vec::new();
    let fields = wire.iter().map(|f| {
        // A `since` at or below the oldest version loaded is in every stream.
        let since = f.attrs.since.get().map(|s| s.value);
        let absent = since.is_some_and(|v| v > input.minimum_version())
            || f.attrs.has_test()
            || f.attrs.len.given();
        // A sequence with a count of its own writes the count; its elements may claim.
        let counted = f.max_len().is_some() && !f.attrs.len.given();
        let shape = match crate::ast::is_simple(f.ty) {
            true => quote!(#p::None),
            false => probed_shape(f.ty, !concrete(f.ty), f.max_len().is_some(), p),
        };
        messages.push(format!(
            "field `{}`: a struct in it, which may load last before the subsections, has a \
             name that a subsection's continues with `/` (or a subsection of that name): on \
             QEMU's wire its load would take \
             that subsection's header for one of its own and fail; give one of the structs \
             another #[vmstate(name = \"...\")]",
            f.ident.unraw()
        ));
        quote!((#shape, #absent, #counted))
    });
    let fields: Vec<TokenStream> = fields.collect();
    let subs = subsections.iter().map(|sub| {
        messages.push(format!(
            "subsection `{}`: a struct in it, which may load last, has a name that a later \
             subsection's continues with `/` (or a subsection of that name): on QEMU's wire \
             its load would take that \
             subsection's header for one of its own and fail; give one of the structs another \
             #[vmstate(name = \"...\")]",
            sub.ident.unraw()
        ));
        let shape = probed_shape(sub.ty, !concrete(sub.ty), false, p);
        let name = subsection_name(sub.ty, !concrete(sub.ty), p);
        quote!((#shape, #name))
    });
    let subs: Vec<TokenStream> = subs.collect();
    let generic = (wire.iter().chain(subsections)).any(|f| !concrete(f.ty));
    let claim = quote!(#p::subsection_claim(&[#(#fields),*], &[#(#subs),*]));
    (
        generic,
        panic_at_index(input.ident.span(), &messages, claim),
    )
}

/// A const check for the whole struct, reported at `span`: `index` (a `usize` constant
/// expression) picks the message of what failed, or is past the end of `messages` when
/// nothing did. One check per struct keeps the compile time flat in its fields.
fn panic_at_index(span: Span, messages: &[String], index: TokenStream) -> TokenStream {
    quote_spanned! {span=>
        {
            const __VMSTATE_MESSAGES: &[&::core::primitive::str] = &[#(#messages),*];
            let __vmstate_failed = #index;
            if __vmstate_failed < <[&::core::primitive::str]>::len(__VMSTATE_MESSAGES) {
                ::core::panic!("{}", __VMSTATE_MESSAGES[__vmstate_failed]);
            }
        }
    }
}

/// A const assertion, reported at `span` with `msg`, that `holds` (which reads the shape as
/// `__vmstate_shape`) for the `Option<&Shape>` constant `shape`; `None` (a type without the
/// trait, which the where clause reports) passes.
fn shape_assert(
    span: Span,
    shape: TokenStream,
    holds: TokenStream,
    msg: String,
    p: &TokenStream,
) -> TokenStream {
    // `holds` reads the shape by a name of the derive's own code.
    let bound = generated_name(span, "__vmstate_shape");
    quote_spanned! {span=>
        ::core::assert!(
            match #shape {
                #p::Some(#bound) => #holds,
                #p::None => true,
            },
            "{}",
            #msg
        )
    }
}

/// The element type of an array, of an array of arrays, ...; `ty` itself otherwise.
fn innermost(ty: &syn::Type) -> &syn::Type {
    match crate::ast::ungroup(ty) {
        syn::Type::Array(a) => innermost(&a.elem),
        other => other,
    }
}

/// The shape a check reads, as an `Option<&Shape>` constant: through `__VmStateProbe` for a
/// concrete type (a type without the trait is reported by the where clause, once), by the
/// trait for one naming a parameter (the where clause requires it); of the elements for a
/// `Vec`/`Box<[T]>` (`elements`).
fn probed_shape(ty: &syn::Type, generic: bool, elements: bool, p: &TokenStream) -> TokenStream {
    match (generic, elements) {
        (false, false) => quote_spanned!(ty.span()=> __VmStateProbe::<#ty>::SHAPE),
        (false, true) => quote_spanned!(ty.span()=> __VmStateProbe::<#ty>::ELEMENTS),
        (true, false) => quote_spanned!(ty.span()=> #p::Some(&<#ty as #p::Field>::SHAPE)),
        (true, true) => quote_spanned!(ty.span()=> #p::Some(&<#ty as #p::Bounded>::ELEM)),
    }
}

/// A subsection type's name, as an `Option<&str>` constant: through `__VmStateProbe` for a concrete
/// type (`None` when it is not a `VmState`, which the where clause reports), by the trait
/// for one naming a parameter.
fn subsection_name(ty: &syn::Type, generic: bool, p: &TokenStream) -> TokenStream {
    if generic {
        quote_spanned!(ty.span()=> #p::Some(<#ty as #p::VmState>::DESCRIPTION.name))
    } else {
        quote_spanned!(ty.span()=> __VmStateProbe::<#ty>::NAME)
    }
}

/// Adds a const assertion: an item of its own for concrete types, a statement of an
/// associated constant (evaluated once per instantiation of the struct) for types naming a
/// parameter.
fn push_check(
    checks: &mut Vec<TokenStream>,
    inline: &mut Vec<TokenStream>,
    generic: bool,
    span: Span,
    check: TokenStream,
) {
    if generic {
        inline.push(quote_spanned!(span=> #check;));
    } else {
        checks.push(quote_spanned!(span=> const _: () = #check;));
    }
}

/// Compile-time checks of the field types, each a const assertion on the field's type:
/// - a nested struct (or subsection, or `Vec` of structs) with `derived_by_owner` fields needs
///   an owner function (`derives`) or a `post_load` here;
/// - a `Vec`'s elements must not hold nested structs with `immutable` fields;
/// - a subsection's name must start with this struct's name and be longer (QEMU's test);
/// - two subsections must not have the same name.
///
/// A field type that names a parameter is known only once the struct is instantiated: its
/// checks are an associated constant, evaluated for each instantiation that is saved or
/// loaded.
///
/// The assertions read the types through `__VmStateProbe`, whose constants fall back to `None` for
/// a type without the trait: the impls' where clause already reports such a type, on the
/// same token, once.
pub(super) fn type_checks(input: &Input, p: &TokenStream) -> TypeChecks {
    // A field type that names a type or const parameter is known only once the struct is
    // instantiated; the others are checked here, in a generic struct too.
    let params: Vec<(&syn::Ident, bool)> = input
        .generics
        .params
        .iter()
        .map(|g| match g {
            syn::GenericParam::Type(t) => (&t.ident, false),
            syn::GenericParam::Const(c) => (&c.ident, false),
            // The checks are items of their own, where the struct's lifetimes are not declared.
            syn::GenericParam::Lifetime(l) => (&l.lifetime.ident, true),
        })
        .collect();
    let concrete = |ty: &syn::Type| !params.iter().any(|(t, lt)| mentions(ty, t, *lt));
    let has_post_load = input.attrs.post_load.get().is_some();
    let parent = input.name();
    // Checks of concrete types are items of their own; those of a type naming a parameter
    // run in the load, for each instantiation (`inline`).
    let (mut checks, mut inline) = (Vec::new(), Vec::new());
    for f in &input.fields {
        let ty = f.ty;
        let generic = !concrete(ty);
        let shape_of = |elements: bool| probed_shape(ty, generic, elements, p);
        // A failed check is reported at `span`: the field's type, or the key it is about.
        let mut assert = |span: Span, shape: TokenStream, holds: TokenStream, msg: String| {
            let check = shape_assert(span, shape, holds, msg, p);
            push_check(&mut checks, &mut inline, generic, span, check);
        };
        let owned = matches!(f.role(), Role::Migrated | Role::Subsection);
        if owned && !crate::ast::is_simple(ty) {
            let has_hook = has_post_load || f.attrs.derives.get().is_some();
            let msg = format!(
                "field `{}`: its type has `derived_by_owner` fields that nothing recomputes; add \
                 #[vmstate(derives = \"Self::function\")] naming the function that does, or a \
                 container `post_load`",
                f.ident
            );
            let shape = shape_of(f.max_len().is_some());
            assert(
                ty.span(),
                shape,
                quote!(#p::owner_hook_present(__vmstate_shape, #has_hook)),
                msg,
            );
        }
        // The runtime's padding through a name the derive does not know as padding (an alias,
        // `use vmstate_core::Unused as Pad;`, `use vmstate_core as vs;` then
        // `vs::Removed<u32>`) is taken for a type of one's own; a key padding does not take
        // would then drop its bytes from the wire (`skip`) or see nothing (`equal`): refused
        // on the key, found by the type's shape. A type naming a parameter is checked only
        // when spelt as padding: its shape is known only where it is a `Field`. Not a type
        // spelt as a primitive or a std sequence (the common case, an item per field costs
        // compile time): an alias so named is a primitive's name of another type, which the
        // primitive check refuses where it travels.
        let renamed = input.attrs.krate.get().map(|k| &k.value);
        let padding_keys = crate::check::PADDING_KEYS;
        let other_key = (f.attrs.given().into_iter()).find(|(key, _)| !padding_keys.contains(key));
        let named_otherwise = crate::ast::is_simple(ty) || f.is_variable_length();
        if let Some((key, span)) = other_key.filter(|_| {
            (!generic || crate::check::is_padding_type(ty))
                && !named_otherwise
                && !crate::check::is_padding_path(ty, renamed)
        }) {
            let msg = format!(
                "field `{}`: its type is `vmstate_core`'s padding (`Unused`/`Removed`), named \
                 so that the derive does not know it as padding (an alias or a renamed path), \
                 and padding takes only `name`, `since` and `exists`: remove `{key}`",
                f.ident
            );
            assert(
                span,
                shape_of(false),
                quote!(!#p::is_padding(__vmstate_shape)),
                msg,
            );
        }
        // Padding may share the name `unused` with a real field; the derive sees padding by
        // its type's name, which a type of one's own may have too.
        let shares_unused = f.name() == "unused"
            && f.travels()
            && crate::check::is_padding_type(ty)
            && (input.fields.iter()).any(|o| o.index != f.index && o.name() == "unused");
        if shares_unused {
            let msg = format!(
                "field `{}` shares the name `unused` with another field as padding, but its \
                 type is not `vmstate_core::Unused`/`Removed`: give it a name of its own",
                f.ident
            );
            assert(
                ty.span(),
                shape_of(false),
                quote!(#p::is_padding(__vmstate_shape)),
                msg,
            );
        }
        if let Some(d) = f.attrs.derives.get() {
            let msg = format!(
                "field `{}`: `derives` names the function that recomputes the `derived_by_owner` \
                 fields of the field's type, and it has none: name the function in a container \
                 `post_load` (or a `derived` field's) if it recomputes something else",
                f.ident
            );
            let shape = shape_of(f.max_len().is_some());
            assert(d.key, shape, quote!(__vmstate_shape.needs_owner()), msg);
        }
        if let Some(d) = f.attrs.default.get() {
            let msg = format!(
                "field `{}`: its `default` would replace a value that depends on the \
                 destination's configuration (an `immutable` or `equal` field, or a length held \
                 by a skipped field), which a load never overwrites; give no `default` (a \
                 stream without the field keeps the destination's value), or keep the \
                 configuration outside this type",
                f.ident
            );
            let shape = shape_of(f.max_len().is_some());
            assert(
                d.key,
                shape,
                quote!(!__vmstate_shape.holds_configuration()),
                msg,
            );
        }
        if f.max_len().is_some() && f.role() == Role::Migrated {
            let msg = format!(
                "field `{}`: its elements hold a nested struct that depends on the \
                 destination's configuration (an `immutable` or `equal` field, or a length \
                 held by a skipped field): an element is built from `Default` on every load, \
                 so there is no configured value; migrate those fields without the check, or \
                 keep the configuration outside the elements",
                f.ident
            );
            assert(
                ty.span(),
                shape_of(true),
                quote!(#p::no_nested_configuration(__vmstate_shape)),
                msg,
            );
        }
        if f.role() == Role::Subsection {
            let msg = format!(
                "subsection `{}`: its struct's name must start with `{parent}` and go on \
                 (QEMU's loader takes only such names for a struct's subsections): give it \
                 #[vmstate(name = \"{parent}/...\")], as most of QEMU's are",
                f.ident
            );
            let name = subsection_name(ty, generic, p);
            let check = quote_spanned! {ty.span()=>
                ::core::assert!(
                    match #name {
                        #p::Some(__vmstate_name) => #p::subsection_name_ok(__vmstate_name, #parent),
                        #p::None => true,
                    },
                    "{}",
                    #msg
                )
            };
            push_check(&mut checks, &mut inline, generic, ty.span(), check);
        }
    }
    // The derive takes a field written as a primitive (`u32`, `[u16; 4]`) for one, and
    // generates no nested hooks, checks or copies for it: an alias or a type of one's own so
    // named would lose them. One item and one check for the struct, on its name: they are
    // many, and rarely wrong (an item per field costs a struct of primitives a tenth of its
    // compile time), so the message names the field. Not through `__VmStateProbe`, whose
    // items would cost every such struct too: a primitive's name that is no `Field` here is
    // rarer still.
    let (shapes, messages): (Vec<TokenStream>, Vec<String>) = (input.fields.iter())
        .filter(|f| f.travels() && crate::ast::is_simple(f.ty) && concrete(innermost(f.ty)))
        .map(|f| {
            // The element of an array (`[u32; N]` names a parameter, its `u32` does not).
            let ty = innermost(f.ty);
            let message = format!(
                "field `{}`: its type is written as a primitive, but names another type here \
                 (an alias, or a type of one's own so named), whose hooks and checks the \
                 derive would not run: write that type by its own name",
                f.ident.unraw()
            );
            (
                quote_spanned!(ty.span()=> &<#ty as #p::Field>::SHAPE),
                message,
            )
        })
        .unzip();
    let primitives = match shapes.is_empty() {
        true => quote!(),
        false => {
            let first = quote!(#p::first_not_primitive(&[#(#shapes),*]));
            let check = panic_at_index(input.ident.span(), &messages, first);
            quote_spanned!(input.ident.span()=> const _: () = #check;)
        }
    };
    let subsections: Vec<&Field> = input
        .fields
        .iter()
        .filter(|f| f.role() == Role::Subsection)
        .collect();
    for (i, second) in subsections.iter().enumerate() {
        for first in &subsections[..i] {
            let (a, b) = (first.ty, second.ty);
            let msg = format!(
                "subsections `{}` and `{}` have the same name, or one's continues the other's \
                 with `/`: a load could not tell them apart; give each struct its own \
                 #[vmstate(name = \"{parent}/...\")], none under another's",
                first.ident.unraw(),
                second.ident.unraw()
            );
            let generic = !concrete(a) || !concrete(b);
            let (name_a, name_b) = (
                subsection_name(a, !concrete(a), p),
                subsection_name(b, !concrete(b), p),
            );
            let check = quote_spanned! {b.span()=>
                ::core::assert!(#p::names_differ(#name_a, #name_b), "{}", #msg)
            };
            push_check(&mut checks, &mut inline, generic, b.span(), check);
        }
    }
    if !subsections.is_empty() {
        let (generic, check) = subsection_claims(input, &subsections, &concrete, p);
        push_check(&mut checks, &mut inline, generic, input.ident.span(), check);
    }
    let inline = quote!(#(#inline)*);
    if checks.is_empty() {
        return TypeChecks {
            items: primitives,
            inline,
        };
    }
    let items = quote! {
        struct __VmStateProbe<T: ?::core::marker::Sized>(::core::marker::PhantomData<T>);
        impl<T: ?::core::marker::Sized + #p::Field> __VmStateProbe<T> {
            const SHAPE: ::core::option::Option<&'static #p::Shape> = #p::Some(&<T as #p::Field>::SHAPE);
        }
        impl<T: ?::core::marker::Sized + #p::VmState> __VmStateProbe<T> {
            const NAME: ::core::option::Option<&'static ::core::primitive::str> =
                #p::Some(<T as #p::VmState>::DESCRIPTION.name);
        }
        impl<T: ?::core::marker::Sized + #p::Bounded> __VmStateProbe<T> {
            const ELEMENTS: ::core::option::Option<&'static #p::Shape> =
                #p::Some(&<T as #p::Bounded>::ELEM);
        }
        trait __VmStateProbeFallback {
            const SHAPE: ::core::option::Option<&'static #p::Shape> = #p::None;
            const NAME: ::core::option::Option<&'static ::core::primitive::str> = #p::None;
            const ELEMENTS: ::core::option::Option<&'static #p::Shape> = #p::None;
        }
        impl<T: ?::core::marker::Sized> __VmStateProbeFallback for __VmStateProbe<T> {}
        #(#checks)*
        #primitives
    };
    TypeChecks { items, inline }
}

/// The compile-time checks of [`type_checks`]: items for the concrete field types, and the
/// statements of an associated constant, evaluated for each instantiation, for the field
/// types that name a parameter.
pub(super) struct TypeChecks {
    pub(super) items: TokenStream,
    pub(super) inline: TokenStream,
}
