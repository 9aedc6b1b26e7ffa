//! Token helpers the generators share: trait paths and names spanned on a field's type or an
//! attribute string, and rewriting of spans and of `Self`.

use crate::ast::{Field, Role};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// `<Ty as Field>`, spanned on the type so "cannot migrate" lands on it.
pub(super) fn field_trait(ty: &syn::Type, p: &TokenStream) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as #p::Field>)
}

pub(super) fn bounded_trait(ty: &syn::Type, p: &TokenStream) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as #p::Bounded>)
}

/// The trait whose methods handle the field's whole value: `Bounded` for a sequence with
/// `max_len`, else `Field`.
pub(super) fn value_trait(f: &Field, p: &TokenStream) -> TokenStream {
    match f.max_len() {
        Some(_) => bounded_trait(f.ty, p),
        None => field_trait(f.ty, p),
    }
}

/// The field's name, located on the field's type: for code that handles its staged value
/// (whose type errors then land on the field's type like the others). Mixed-site hygiene:
/// the local of a field named like a generated variable (`__vmstate_d`, `__vmstate_version`) does not
/// shadow it.
pub(super) fn on_type(f: &Field) -> syn::Ident {
    let mut name = f.ident.clone();
    name.set_span(Span::mixed_site().located_at(f.ty.span()));
    name
}

/// Whether a load reads the field straight into its place in the staged value
/// (`__vmstate_out`, see `Field::load_into`): a migrated field that is always on the wire.
/// A large inline array is then not copied on the stack at each level of the load; the
/// others are read into a local and moved there at the end.
pub(super) fn loads_in_place(f: &Field) -> bool {
    f.role() == Role::Migrated && !f.is_optional() && f.max_len().is_none()
}

/// A field's staged value while a load decodes: its place in `__vmstate_out`, or its local.
pub(super) fn staged_value(f: &Field) -> TokenStream {
    if loads_in_place(f) {
        let name = on_type(f);
        quote!(__vmstate_out.#name)
    } else {
        staged_local(f).to_token_stream()
    }
}

/// The local that holds a field's staged value while a load decodes, located like
/// [`on_type`]: prefixed, since a binding named like the field would clash with a static of
/// that name in scope (E0530, e.g. a glob import of bindgen's FFI declarations).
pub(super) fn staged_local(f: &Field) -> syn::Ident {
    let name = format!("__vmstate_{}", f.ident.unraw());
    syn::Ident::new(&name, Span::mixed_site().located_at(f.ty.span()))
}

/// A name (`self` or a local) in code spanned on an attribute's literal or a field's type,
/// resolved as the derive's own code (see [`crate::attr::code_span`]).
pub(super) fn generated_name(at: Span, name: &str) -> TokenStream {
    let span = crate::attr::code_span(at);
    match name {
        "self" => quote_spanned!(span=> self),
        _ => syn::Ident::new(name, span).into_token_stream(),
    }
}

/// The runtime crate's path and the type of the field holding a sequence's length, both
/// located on the `len` literal (`at`): a field that is no integer is reported there.
pub(super) fn count_parts(p: &TokenStream, at: Span, count: &Field) -> (TokenStream, TokenStream) {
    let ty = respan(&count.ty.to_token_stream(), crate::attr::code_span(at));
    (private_at(p, at), ty)
}

/// `self` and `staged` for code spanned on a field's type.
pub(super) fn self_and_staged(f: &Field) -> (TokenStream, TokenStream) {
    let span = f.ty.span();
    (
        generated_name(span, "self"),
        generated_name(span, "__vmstate_staged"),
    )
}

/// `tokens` with the type `Self` replaced by `with` (the struct's type, for items that are
/// not its impls).
pub(super) fn replace_self(tokens: TokenStream, with: &TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .flat_map(|tt| match tt {
            proc_macro2::TokenTree::Ident(id) if id == "Self" => with.clone(),
            proc_macro2::TokenTree::Group(g) => {
                let mut group =
                    proc_macro2::Group::new(g.delimiter(), replace_self(g.stream(), with));
                group.set_span(g.span());
                proc_macro2::TokenTree::Group(group).into_token_stream()
            }
            tt => tt.into_token_stream(),
        })
        .collect()
}

/// The runtime crate's path (`p`), located at `span` for errors but resolved, and linted, as
/// the rest of the generated code: a path of the user's tokens alone would trip the user's
/// `unused_qualifications` where a re-export (`Some`, `Field`) is in scope unqualified.
pub(crate) fn private_at(p: &TokenStream, span: Span) -> TokenStream {
    respan(p, crate::attr::code_span(span))
}

/// `tokens` with every span replaced by `span`.
pub(crate) fn respan(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(&g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}
