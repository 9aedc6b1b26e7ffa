//! The static description of a struct (`VmState::DESCRIPTION`): its fields with their kinds,
//! shapes and attribute strings, its hooks and subsections, as the schema tools read them.

use super::tokens::{bounded_trait, field_trait};
use crate::ast::{is_simple, Field, Input, Role};
use crate::attr::Hook;
use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

fn shape(f: &Field, p: &TokenStream) -> TokenStream {
    match f.max_len() {
        Some(max) => {
            let bounded = bounded_trait(f.ty, p);
            quote! {
                &(if #bounded::IS_STR {
                    #p::Shape::Str { max_len: #max }
                } else {
                    #p::Shape::Seq { elem: &#bounded::ELEM, max_len: #max }
                })
            }
        }
        None => match f.role() {
            // Skipped and derived fields may have types that cannot migrate.
            Role::Skipped | Role::Derived | Role::DerivedByOwner if !is_simple(f.ty) => {
                let name = type_string(f.ty);
                quote!(&#p::Shape::Custom { name: #name, qemu_size: #p::None })
            }
            _ => {
                let field = field_trait(f.ty, p);
                quote!(&#field::SHAPE)
            }
        },
    }
}

/// How the schema's `validate` names the check of an `equal` field.
const EQUAL_CHECK: &str = "equal to the destination's";

fn opt_str(s: Option<&str>, p: &TokenStream) -> TokenStream {
    match s {
        Some(s) => quote!(#p::Some(#s)),
        None => quote!(#p::None),
    }
}

pub(super) fn description(input: &Input, p: &TokenStream) -> TokenStream {
    let name = input.name();
    let version = input.version();
    let minimum_version = input.minimum_version();
    let rust_type = input.ident.unraw().to_string();
    let hook_text =
        |slot: &crate::attr::Slot<Hook>| opt_str(slot.get().map(|h| h.value.text.as_str()), p);
    let pre_save = hook_text(&input.attrs.pre_save);
    let pre_load = hook_text(&input.attrs.pre_load);
    let post_load = hook_text(&input.attrs.post_load);
    let validate = hook_text(&input.attrs.validate);
    let subsections = input
        .fields
        .iter()
        .filter(|f| f.role() == Role::Subsection)
        .map(|f| {
            let ty = f.ty;
            quote!(<#ty as #p::VmState>::DESCRIPTION)
        });
    let fields = input.fields.iter().map(|f| {
        let fname = f.name();
        let ty = type_string(f.ty);
        let kind = match f.role() {
            Role::Migrated => quote!(#p::FieldKind::Migrated),
            Role::Immutable => quote!(#p::FieldKind::Immutable),
            Role::Skipped => quote!(#p::FieldKind::Skipped),
            Role::DerivedByOwner => quote!(#p::FieldKind::DerivedByOwner),
            Role::Subsection => {
                let needed = f
                    .attrs
                    .needed
                    .get()
                    .map_or(String::new(), |h| h.value.text.clone());
                quote!(#p::FieldKind::Subsection { needed: #needed })
            }
            Role::Derived => {
                let hook = f
                    .attrs
                    .derived
                    .get()
                    .and_then(|d| d.value.as_ref())
                    .map(|h| h.text.as_str());
                let hook = opt_str(hook, p);
                quote!(#p::FieldKind::Derived { hook: #hook })
            }
        };
        let shape = shape(f, p);
        let derives = opt_str(f.attrs.derives.get().map(|h| h.value.text.as_str()), p);
        let since = f.attrs.since.get().map_or(0, |s| s.value);
        let default = opt_str(f.attrs.default.get().map(|h| h.value.text.as_str()), p);
        let test = (f.attrs.exists.get().map(|h| &h.value.text)).or(f
            .attrs
            .exists_if
            .get()
            .map(|e| &e.value.text));
        let exists = opt_str(test.map(String::as_str), p);
        let equal = f.attrs.equal.get().is_some();
        let buffer = f.attrs.buffer.get().is_some();
        let checks: Vec<&str> = [
            f.attrs.validate.get().map(|h| h.value.text.as_str()),
            f.attrs.range.get().map(|r| r.value.text.as_str()),
            // Not a path, so never taken for a `validate` function named `equal`.
            equal.then_some(EQUAL_CHECK),
        ]
        .into_iter()
        .flatten()
        .collect();
        let checks = checks.join("; ");
        let validate = opt_str((!checks.is_empty()).then_some(checks.as_str()), p);
        let max_len = match f.max_len() {
            Some(m) => quote!(#p::Some(#m)),
            None => quote!(#p::None),
        };
        let len = input.count_field(f).map(|source| source.name());
        let len = opt_str(len.as_deref(), p);
        quote! {
            #p::FieldDesc {
                name: #fname, rust_type: #ty, kind: #kind, shape: #shape, derives: #derives,
                since: #since, default: #default, exists: #exists, validate: #validate,
                max_len: #max_len, len: #len, equal: #equal, buffer: #buffer,
            }
        }
    });
    quote! {
        #p::Description {
            name: #name,
            version: #version,
            minimum_version: #minimum_version,
            fields: &[#(#fields),*],
            hooks: #p::Hooks { pre_save: #pre_save, pre_load: #pre_load, post_load: #post_load, validate: #validate },
            subsections: &[#(#subsections),*],
            rust_type: #rust_type,
        }
    }
}

/// `text` with the `r#` of raw identifiers dropped, as the struct's own name is described.
fn without_raw_prefixes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("r#") {
        let before = rest[..at].chars().last().or_else(|| out.chars().last());
        let starts_word = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..at]);
        if !starts_word {
            out.push_str("r#");
        }
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// The type as written, without the token spacing of `to_string`.
pub(crate) fn type_string(ty: &syn::Type) -> String {
    let raw = without_raw_prefixes(&quote!(#ty).to_string());
    let mut out = String::with_capacity(raw.len());
    let chars: Vec<char> = raw.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = if i > 0 { chars[i - 1] } else { ' ' };
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            if matches!(next, ';' | ',' | '>' | ']' | ')' | '<' | ':')
                || matches!(prev, '<' | '[' | '(' | '&' | ':' | ';' | ',')
            {
                continue;
            }
        }
        out.push(c);
    }
    out.replace(';', "; ").replace(',', ", ")
}
