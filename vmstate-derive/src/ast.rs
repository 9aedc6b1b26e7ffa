//! The derive input as a typed model: the struct, its fields and their attributes.

use crate::attr::{Container, FieldAttrs};
use crate::ctxt::Ctxt;
use crate::naming::{mentions_deprecated, user_allows};
use std::cell::Cell;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// A struct that derives `VmState`.
pub struct Input<'a> {
    pub ident: &'a syn::Ident,
    pub generics: &'a syn::Generics,
    pub attrs: Container,
    pub fields: Vec<Field<'a>>,
    /// Whether the struct or a field is `#[deprecated]` or allows deprecated uses.
    pub deprecated: bool,
    /// The lints the struct and its fields allow, as `allow`s for the generated code.
    pub allows: Vec<proc_macro2::TokenStream>,
}

/// One named field.
pub struct Field<'a> {
    /// The field's position in the struct (names the generated wrappers of its hooks).
    pub index: usize,
    pub ident: &'a syn::Ident,
    pub ty: &'a syn::Type,
    pub attrs: FieldAttrs,
    /// Whether an error was reported about this field's attributes.
    pub faulty: Cell<bool>,
}

/// What a field does on the wire, decided from its attributes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Migrated,
    Derived,
    DerivedByOwner,
    Immutable,
    Skipped,
    /// A nested struct sent as a subsection.
    Subsection,
}

impl<'a> Input<'a> {
    /// Reads a struct (not an enum: `enums` derives those). A tuple struct or a union is
    /// refused (errors recorded) and read as a struct of no fields, so that the stand-in impls
    /// of a refused struct keep its uses quiet.
    pub fn from_syn(cx: &Ctxt, input: &'a syn::DeriveInput) -> Self {
        let attrs = Container::parse(cx, &input.attrs);
        attrs.reject_conversion_keys(cx);
        reject_packed(cx, &input.attrs);
        // The derive takes a struct with `transparent` down the newtype path
        // (`Container::asks_transparent`); one that reached this one must not lose the key
        // silently.
        if let Some(key) = attrs.transparent.get() {
            cx.error_at(
                key.key,
                "`transparent` was not recognized as this struct's key: write it as a key of \
                 its own, `#[vmstate(transparent)]`",
            );
        }
        let named = match &input.data {
            syn::Data::Struct(s) => match &s.fields {
                syn::Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
                syn::Fields::Unit => Vec::new(),
                // `struct Dev();` is `struct Dev;` spelt with parentheses: nothing to name.
                syn::Fields::Unnamed(fields) if fields.unnamed.is_empty() => Vec::new(),
                syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                    // A `transparent` with a value has its own error, which says how to
                    // write it.
                    if !attrs.transparent.in_error() {
                        cx.error_spanned_by(
                            fields,
                            "`VmState` cannot be derived for a tuple struct as a section: every \
                             field needs a name (its name is part of the migration \
                             description); for a newtype that travels as its field, add \
                             `#[vmstate(transparent)]`",
                        );
                    }
                    Vec::new()
                }
                syn::Fields::Unnamed(fields) => {
                    cx.error_spanned_by(
                        fields,
                        "`VmState` cannot be derived for a tuple struct: every field needs a name \
                         (its name is part of the migration description); use named fields",
                    );
                    Vec::new()
                }
            },
            syn::Data::Enum(_) => unreachable!("an enum is derived by `enums`"),
            syn::Data::Union(u) => {
                cx.error_at(
                    u.union_token.span(),
                    "`VmState` cannot be derived for a union: which member is live is not known, \
                     so it cannot be described; use a struct",
                );
                Vec::new()
            }
        };
        let deprecated = mentions_deprecated(&input.attrs)
            || named.iter().any(|f| mentions_deprecated(&f.attrs));
        let every_attr = input
            .attrs
            .iter()
            .chain(named.iter().flat_map(|f| &f.attrs));
        let allows = user_allows(every_attr);
        let fields = named
            .into_iter()
            .enumerate()
            .map(|(index, f)| {
                let errors = cx.len();
                let attrs = FieldAttrs::parse(cx, &f.attrs);
                Field {
                    index,
                    ident: f.ident.as_ref().expect("named field"),
                    // A `macro_rules!` `$t:ty` arrives in an invisible group spanned on `$t`
                    // in the macro's body; the type inside keeps the invocation's spans, where
                    // errors belong.
                    ty: invisible_ungroup(&f.ty),
                    attrs,
                    faulty: Cell::new(cx.len() > errors),
                }
            })
            .collect();
        Input {
            ident: &input.ident,
            generics: &input.generics,
            attrs,
            fields,
            deprecated,
            allows,
        }
    }

    /// The section name: `name = "..."` or the type's name in snake_case.
    pub fn name(&self) -> String {
        match self.attrs.name.get() {
            Some(n) => n.value.clone(),
            None => snake_case(&self.ident.unraw().to_string()),
        }
    }

    pub fn version(&self) -> u32 {
        self.attrs.version.get().map_or(1, |v| v.value)
    }

    pub fn minimum_version(&self) -> u32 {
        self.attrs
            .minimum_version
            .get()
            .map_or_else(|| self.version(), |v| v.value)
    }

    /// Whether a load depends on the destination's configuration: a field compared with it
    /// (`immutable`, `equal`) or a sequence whose length a skipped field holds. A `Vec`
    /// element, built from `Default`, has no such configuration.
    pub fn needs_configuration(&self) -> bool {
        self.fields.iter().any(|f| {
            f.compared()
                || self
                    .count_field(f)
                    .is_some_and(|s| s.role() == Role::Skipped)
        })
    }

    /// The field that `len = "..."` on `f` names (by identifier; `r#` optional), if any.
    pub fn count_field(&self, f: &Field) -> Option<&Field<'a>> {
        let name = f.attrs.len.get()?.value.value();
        let name = name.strip_prefix("r#").unwrap_or(&name);
        self.fields.iter().find(|g| g.ident.unraw() == name)
    }
}

impl Field<'_> {
    /// The field's name as described and in error paths: `name = "..."`, else the
    /// identifier (`r#type` is `type`).
    pub fn name(&self) -> String {
        match self.attrs.name.get() {
            Some(n) => n.value.clone(),
            None => self.ident.unraw().to_string(),
        }
    }

    pub fn role(&self) -> Role {
        let a = &self.attrs;
        if a.skip.get().is_some() {
            Role::Skipped
        } else if a.derived.get().is_some() {
            Role::Derived
        } else if a.derived_by_owner.get().is_some() {
            Role::DerivedByOwner
        } else if a.immutable.get().is_some() {
            Role::Immutable
        } else if a.subsection.get().is_some() {
            Role::Subsection
        } else {
            Role::Migrated
        }
    }

    /// Whether the field is on a wire: migrated, immutable (the native format carries it) or a
    /// subsection. The others are not in a decoded state, nor named by the generated code
    /// beyond their description.
    pub fn travels(&self) -> bool {
        matches!(
            self.role(),
            Role::Migrated | Role::Immutable | Role::Subsection
        )
    }

    /// Whether a load compares the field with the destination's value: `immutable` (where
    /// the native format carries it) or `equal` (on both wires).
    pub fn compared(&self) -> bool {
        match self.role() {
            Role::Immutable => true,
            Role::Migrated => self.attrs.equal.get().is_some(),
            _ => false,
        }
    }

    /// Whether the input may lack the field (`since`, `exists`, `exists_if`, or a
    /// subsection), so its staged value is optional. A key given with a bad value (already
    /// reported) counts, so that `default` is not reported a second time.
    pub fn is_optional(&self) -> bool {
        let a = &self.attrs;
        a.since.given() || a.has_test() || a.subsection.given()
    }

    /// Whether the field may be a nested struct (with hooks and optional parts of its own):
    /// not a sequence with `max_len`, and not a primitive or an array of them.
    pub fn may_nest(&self) -> bool {
        self.max_len().is_none() && !is_simple(self.ty)
    }

    /// The bound of a variable-length field (`max_len`) as generated code names it: the
    /// literal, or the inherent constant that holds a constant's value
    /// ([`Field::max_len_const`]), typed `usize` once.
    pub fn max_len(&self) -> Option<proc_macro2::TokenStream> {
        self.attrs.max_len.get().map(|m| match &m.value {
            crate::attr::MaxLen::Literal(n) => quote::quote!(#n),
            crate::attr::MaxLen::Const(_) => {
                let name = self.max_len_const_name();
                quote::quote!(Self::#name)
            }
        })
    }

    /// For a `max_len` given as a constant's path: the inherent constant that holds it, so
    /// that a constant of another type than `usize` is reported once, on the path.
    pub fn max_len_const(&self) -> Option<proc_macro2::TokenStream> {
        let m = self.attrs.max_len.get()?;
        let crate::attr::MaxLen::Const(path) = &m.value else {
            return None;
        };
        let name = self.max_len_const_name();
        // Held to what a literal is held to at expansion, here once the value is known (for a
        // const parameter, in each instantiation that is saved or loaded).
        let span = syn::spanned::Spanned::span(path);
        let value = quote::quote_spanned! {span=> {
            let __vmstate_max_len: ::core::primitive::usize = #path;
            ::core::assert!(
                // `u32::MAX` as a literal: an `as` spanned on the user's path would be
                // the user's to clippy (`as_conversions`).
                __vmstate_max_len >= 1 && __vmstate_max_len <= 0xFFFF_FFFF,
                "`max_len` must be from 1 (with 0 no value but an empty one could be saved) to \
                 4294967295 (QEMU's wire counts a sequence in 32 bits)"
            );
            __vmstate_max_len
        }};
        Some(quote::quote! {
            #[doc(hidden)]
            const #name: ::core::primitive::usize = #value;
        })
    }

    fn max_len_const_name(&self) -> syn::Ident {
        quote::format_ident!("__VMSTATE_MAX_LEN_{}", self.index)
    }

    /// Whether the type is written as `Vec<..>`, `VecDeque<..>`, `Box<[..]>` or `String` (which
    /// need `max_len`): by itself or through `std`/`alloc` (a user's own `fixed::Vec` is
    /// another type).
    pub fn is_variable_length(&self) -> bool {
        let syn::Type::Path(p) = ungroup(self.ty) else {
            return false;
        };
        let Some(last) = p.path.segments.last() else {
            return false;
        };
        let first = &p.path.segments[0].ident;
        if p.path.segments.len() > 1 && first != "std" && first != "alloc" {
            return false;
        }
        let generic = matches!(last.arguments, syn::PathArguments::AngleBracketed(_));
        match last.ident.to_string().as_str() {
            "Vec" | "VecDeque" => generic,
            "String" => true,
            "Box" => matches!(
                &last.arguments,
                syn::PathArguments::AngleBracketed(a)
                    if matches!(a.args.first(), Some(syn::GenericArgument::Type(syn::Type::Slice(_))))
            ),
            _ => false,
        }
    }
}

/// `#[repr(packed)]` fields cannot be borrowed, and the generated code borrows every field.
pub(crate) fn reject_packed(cx: &Ctxt, attrs: &[syn::Attribute]) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("repr")) {
        // Other `repr` contents are not ours to judge: parse errors are left to rustc.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("packed") {
                cx.error_spanned_by(
                    &meta.path,
                    "`VmState` cannot be derived for a `#[repr(packed)]` struct: its fields \
                     may be unaligned and the generated code borrows them; remove `packed` \
                     (the migration format does not depend on the struct's layout)",
                );
            }
            if meta.input.peek(syn::token::Paren) {
                let args;
                syn::parenthesized!(args in meta.input);
                args.parse::<proc_macro2::TokenStream>()?;
            }
            Ok(())
        });
    }
}

/// The type inside the invisible group a `macro_rules!` `$t:ty` (or parentheses) puts
/// around it.
pub fn ungroup(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Group(g) => ungroup(&g.elem),
        syn::Type::Paren(p) => ungroup(&p.elem),
        _ => ty,
    }
}

/// The element type of a (possibly nested) array type and how many array levels wrap it:
/// `[[u8; 2]; 3]` is `(u8, 2)`, `u32` is `(u32, 0)`.
pub fn array_element(ty: &syn::Type) -> (&syn::Type, usize) {
    match ty {
        syn::Type::Array(a) => {
            let (elem, depth) = array_element(&a.elem);
            (elem, depth + 1)
        }
        syn::Type::Group(g) => array_element(&g.elem),
        syn::Type::Paren(p) => array_element(&p.elem),
        _ => (ty, 0),
    }
}

/// The type inside the invisible groups of `macro_rules!` fragments only (parentheses, which
/// the user wrote, stay).
fn invisible_ungroup(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Group(g) => invisible_ungroup(&g.elem),
        _ => ty,
    }
}

/// The primitive types a field may have, by the names the derive knows them by.
pub const PRIMITIVES: [&str; 13] = [
    "bool", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128", "f32", "f64",
];

/// Whether the type is a primitive or an array of primitives (described precisely even when
/// it does not travel).
pub fn is_simple(ty: &syn::Type) -> bool {
    match ungroup(ty) {
        syn::Type::Path(p) => {
            p.qself.is_none()
                && (p.path.get_ident())
                    .is_some_and(|i| PRIMITIVES.contains(&i.to_string().as_str()))
        }
        syn::Type::Array(a) => is_simple(&a.elem),
        _ => false,
    }
}

/// The default section name: `IntegratorCm` → `integrator_cm`, `PL031` → `pl031`,
/// `ICPPic` → `icp_pic`, `Uart16550` → `uart16550` (acronyms stay one word, as QEMU spells
/// its names and as `heck` converts).
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &ch) in chars.iter().enumerate() {
        // A word starts at a capital after a lowercase letter or a digit, and at the last
        // capital of a run when a lowercase letter follows (`ICPPic` is `icp` + `pic`).
        if ch.is_uppercase() && i > 0 && !out.ends_with('_') {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
            if prev.is_lowercase() || prev.is_numeric() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(ch.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_section_names_keep_acronyms_whole() {
        for (ty, name) in [
            ("IntegratorCm", "integrator_cm"),
            ("Uart", "uart"),
            ("PL031", "pl031"),
            ("Pl031", "pl031"),
            ("ICPPic", "icp_pic"),
            ("HTTPServer", "http_server"),
            ("Uart16550", "uart16550"),
            ("Dev2Ctl", "dev2_ctl"),
            ("My_Dev", "my_dev"),
            ("ABC", "abc"),
        ] {
            assert_eq!(super::snake_case(ty), name, "{ty}");
        }
    }
}
