//! `Self` in a field's type means the struct, but the derive also writes the type into items
//! of its own (the staged struct, assertions), where `Self` would mean something else: it is
//! replaced by the struct's name first, as serde's derive does.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::quote;

/// Replaces `Self` in every named field's type with the struct's own type
/// (`Dev`, or `Dev::<'a, T, N>` for a generic one), spanned where `Self` was.
pub fn replace_in_field_types(input: &mut syn::DeriveInput) {
    let syn::Data::Struct(data) = &mut input.data else {
        return;
    };
    let params: Vec<TokenStream> = input
        .generics
        .params
        .iter()
        .map(|p| match p {
            syn::GenericParam::Type(t) => {
                let ident = &t.ident;
                quote!(#ident)
            }
            syn::GenericParam::Const(c) => {
                let ident = &c.ident;
                quote!(#ident)
            }
            syn::GenericParam::Lifetime(l) => {
                let lifetime = &l.lifetime;
                quote!(#lifetime)
            }
        })
        .collect();
    let ident = &input.ident;
    let own_type = match params.is_empty() {
        true => quote!(#ident),
        false => quote!(#ident::<#(#params),*>),
    };
    for field in data.fields.iter_mut() {
        let ty = &field.ty;
        let tokens = quote!(#ty);
        if !mentions_self(tokens.clone()) {
            continue;
        }
        // Unparsable after the change (it should not be): keep the type as written.
        if let Ok(ty) = syn::parse2(replace(tokens, &own_type)) {
            field.ty = ty;
        }
    }
}

fn mentions_self(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == "Self",
        TokenTree::Group(g) => mentions_self(g.stream()),
        _ => false,
    })
}

/// `tokens` with `Self` replaced by `own_type`, spanned where `Self` was.
pub fn replace(tokens: TokenStream, own_type: &TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .flat_map(|tt| match tt {
            TokenTree::Ident(i) if i == "Self" => respan(own_type.clone(), i.span()),
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), replace(g.stream(), own_type));
                group.set_span(g.span());
                TokenStream::from(TokenTree::Group(group))
            }
            other => TokenStream::from(other),
        })
        .collect()
}

fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                return TokenTree::Group(group);
            }
            tt.set_span(span);
            tt
        })
        .collect()
}
