//! Code generation from a checked model.
//!
//! Everything lands inside `const _: () = { ... };` and uses absolute paths through
//! `<crate>::__private`, so user code that shadows `Result`, `Option`, `core` or `std` cannot
//! change its meaning. Tokens that refer to the user's types or hook paths carry the user's
//! spans, so type errors land on the field's type or the attribute string.

use crate::ast::{Field, Input, Role};
use crate::attr::Hook;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

pub fn expand(input: &Input) -> TokenStream {
    let krate = match input.attrs.krate.get() {
        Some(p) => {
            let p = &p.value;
            quote!(#p)
        }
        None => quote!(::vmstate_core),
    };
    let p = quote!(#krate::__private);
    let ident = input.ident;
    let staged_ident = format_ident!("__VmStateStaged{}", ident);

    let mut generics = input.generics.clone();
    {
        let where_clause = generics.make_where_clause();
        for param in input.generics.type_params() {
            let t = &param.ident;
            where_clause
                .predicates
                .push(syn::parse_quote!(#t: #p::Field));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    let description = description(input, &p);
    let wire: Vec<&Field> = input
        .fields
        .iter()
        .filter(|f| f.role() == Role::Migrated)
        .collect();

    let staged_fields = wire.iter().map(|f| {
        let name = f.ident;
        let ty = staged_type(f, &p);
        quote!(#name: #ty)
    });
    let placeholders = wire.iter().map(|f| {
        let name = f.ident;
        match f.max_len() {
            Some(_) => quote!(#name: ::core::default::Default::default()),
            None => {
                let field = field_trait(f.ty, &p);
                quote!(#name: #field::placeholder())
            }
        }
    });
    let placeholders2 = quote!(#(#placeholders,)*);

    let save_stmts = input.fields.iter().map(|f| save_field(f, &p));
    let load_stmts = input.fields.iter().map(|f| load_field(f, &p));
    let wire_names: Vec<_> = wire.iter().map(|f| f.ident).collect();
    let matches = wire.iter().map(|f| {
        let name = f.ident;
        match f.max_len() {
            Some(_) => quote!(self.#name == staged.#name),
            None => {
                let field = field_trait(f.ty, &p);
                quote!(#field::matches(&self.#name, &staged.#name))
            }
        }
    });
    let commits = wire.iter().map(|f| {
        let name = f.ident;
        match f.max_len() {
            Some(_) => quote!(#p::swap(&mut self.#name, &mut staged.#name);),
            None => {
                let field = field_trait(f.ty, &p);
                quote!(#field::commit(&mut self.#name, &mut staged.#name);)
            }
        }
    });
    let pre_save = input
        .attrs
        .pre_save
        .get()
        .map(|h| call_hook(&h.value, quote!(fn(&Self) -> _), &p));
    let after_load = after_load(input, &wire, &p);
    let owner_checks = owner_checks(input, &p);

    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, non_snake_case, dead_code, missing_docs)]
        const _: () = {
            pub struct #staged_ident #impl_generics #where_clause {
                #(#staged_fields,)*
                __marker: ::core::marker::PhantomData<fn() -> #ident #ty_generics>,
            }

            #owner_checks

            #[automatically_derived]
            impl #impl_generics #p::VmState for #ident #ty_generics #where_clause {
                const DESCRIPTION: &'static #p::Description = &#description;

                fn load_version<__D: #p::Decoder>(
                    &self,
                    __d: &mut __D,
                    __version: u32,
                ) -> #p::Result<Self::Staged, #p::Error> {
                    let _ = __version;
                    #(#load_stmts)*
                    #p::Ok(#staged_ident { #(#wire_names,)* __marker: ::core::marker::PhantomData })
                }
            }

            #[automatically_derived]
            impl #impl_generics #p::Field for #ident #ty_generics #where_clause {
                const SHAPE: #p::Shape = #p::Shape::Struct(<Self as #p::VmState>::DESCRIPTION);
                type Staged = #staged_ident #ty_generics;

                fn placeholder() -> Self::Staged {
                    #staged_ident { #placeholders2 __marker: ::core::marker::PhantomData }
                }

                fn save<__E: #p::Encoder>(&self, __e: &mut __E) -> #p::Result<(), #p::Error> {
                    #pre_save
                    #(#save_stmts)*
                    #p::Ok(())
                }

                fn load<__D: #p::Decoder>(&self, __d: &mut __D) -> #p::Result<Self::Staged, #p::Error> {
                    <Self as #p::VmState>::load_version(
                        self,
                        __d,
                        <Self as #p::VmState>::DESCRIPTION.version,
                    )
                }

                fn matches(&self, staged: &Self::Staged) -> bool {
                    let _ = staged;
                    true #(&& #matches)*
                }

                fn commit(&mut self, staged: &mut Self::Staged) {
                    let _ = staged;
                    #(#commits)*
                }

                fn after_load(&mut self) -> #p::Result<(), #p::Error> {
                    #after_load
                    #p::Ok(())
                }
            }
        };
    }
}

/// `<Ty as Field>`, spanned on the type so "cannot migrate" lands on it.
fn field_trait(ty: &syn::Type, p: &TokenStream) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as #p::Field>)
}

fn bounded_trait(ty: &syn::Type, p: &TokenStream) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as #p::Bounded>)
}

fn staged_type(f: &Field, p: &TokenStream) -> TokenStream {
    let ty = f.ty;
    match f.max_len() {
        Some(_) => quote!(#ty),
        None => {
            let field = field_trait(ty, p);
            quote!(#field::Staged)
        }
    }
}

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

/// Whether the type is a primitive or an array of primitives (described precisely even when
/// it does not travel).
fn is_simple(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => {
            p.qself.is_none()
                && p.path.get_ident().is_some_and(|i| {
                    matches!(
                        i.to_string().as_str(),
                        "bool"
                            | "u8"
                            | "u16"
                            | "u32"
                            | "u64"
                            | "u128"
                            | "i8"
                            | "i16"
                            | "i32"
                            | "i64"
                            | "i128"
                            | "f32"
                            | "f64"
                    )
                })
        }
        syn::Type::Array(a) => is_simple(&a.elem),
        _ => false,
    }
}

fn opt_str(s: Option<&str>, p: &TokenStream) -> TokenStream {
    match s {
        Some(s) => quote!(#p::Some(#s)),
        None => quote!(#p::None),
    }
}

fn description(input: &Input, p: &TokenStream) -> TokenStream {
    let name = input.name();
    let version = input.version();
    let minimum_version = input.minimum_version();
    let rust_type = input.ident.to_string();
    let pre_save = opt_str(input.attrs.pre_save.get().map(|h| h.value.text.as_str()), p);
    let post_load = opt_str(
        input.attrs.post_load.get().map(|h| h.value.text.as_str()),
        p,
    );
    let fields = input.fields.iter().map(|f| {
        let fname = f.ident.to_string();
        let ty = type_string(f.ty);
        let kind = match f.role() {
            Role::Migrated => quote!(#p::FieldKind::Migrated),
            Role::Immutable => quote!(#p::FieldKind::Immutable),
            Role::Skipped => quote!(#p::FieldKind::Skipped),
            Role::DerivedByOwner => quote!(#p::FieldKind::DerivedByOwner),
            Role::Derived => {
                let hook = f.attrs.derived.get().and_then(|d| d.value.as_ref()).map(|h| h.text.as_str());
                let hook = opt_str(hook, p);
                quote!(#p::FieldKind::Derived { hook: #hook })
            }
        };
        let shape = shape(f, p);
        let derives = opt_str(f.attrs.derives.get().map(|h| h.value.text.as_str()), p);
        quote! {
            #p::FieldDesc { name: #fname, rust_type: #ty, kind: #kind, shape: #shape, derives: #derives }
        }
    });
    quote! {
        #p::Description {
            name: #name,
            version: #version,
            minimum_version: #minimum_version,
            fields: &[#(#fields),*],
            hooks: #p::Hooks { pre_save: #pre_save, post_load: #post_load },
            rust_type: #rust_type,
        }
    }
}

/// Writes one field: migrated ones always, immutable ones where the format carries them.
fn save_field(f: &Field, p: &TokenStream) -> TokenStream {
    let name = f.ident;
    let name_str = name.to_string();
    let save = match f.max_len() {
        Some(max) => {
            let bounded = bounded_trait(f.ty, p);
            quote!(#bounded::save_bounded(&self.#name, #max, __e))
        }
        None => {
            let field = field_trait(f.ty, p);
            quote!(#field::save(&self.#name, __e))
        }
    };
    let stmt = quote!(#save.map_err(|e| e.in_field(#name_str))?;);
    match f.role() {
        Role::Migrated => stmt,
        Role::Immutable => quote!(if <__E as #p::Encoder>::CARRIES_IMMUTABLE { #stmt }),
        _ => quote!(),
    }
}

/// Reads one field into a local of the same name; an immutable one is compared and dropped.
fn load_field(f: &Field, p: &TokenStream) -> TokenStream {
    let name = f.ident;
    let name_str = name.to_string();
    let load = match f.max_len() {
        Some(max) => {
            let bounded = bounded_trait(f.ty, p);
            quote!(#bounded::load_bounded(#max, __d))
        }
        None => {
            let field = field_trait(f.ty, p);
            quote!(#field::load(&self.#name, __d))
        }
    };
    let load = quote!(#load.map_err(|e| e.in_field(#name_str))?);
    match f.role() {
        Role::Migrated => quote!(let #name = #load;),
        Role::Immutable => {
            let same = match f.max_len() {
                Some(_) => quote!(incoming == self.#name),
                None => {
                    let field = field_trait(f.ty, p);
                    quote!(#field::matches(&self.#name, &incoming))
                }
            };
            quote! {
                if <__D as #p::Decoder>::CARRIES_IMMUTABLE {
                    let at = #p::Decoder::offset(__d);
                    let incoming = #load;
                    if !(#same) {
                        return #p::Err(
                            #p::immutable_mismatch(&incoming, &self.#name, at).in_field(#name_str),
                        );
                    }
                }
            }
        }
        _ => quote!(),
    }
}

/// A call of a hook named in an attribute string, coerced to `fn_ty` on the string's span so
/// a missing function or a wrong signature is reported there.
fn call_hook(hook: &Hook, fn_ty: TokenStream, p: &TokenStream) -> TokenStream {
    let path = &hook.path;
    let text = &hook.text;
    let span: Span = hook.span;
    quote_spanned! {span=>
        {
            let __hook: #fn_ty = #path;
            #p::hook(#text, __hook(self))?;
        }
    }
}

/// After a commit: nested structs' own hooks, then each distinct derived function (field
/// order), then `post_load`.
fn after_load(input: &Input, wire: &[&Field], p: &TokenStream) -> TokenStream {
    let nested = wire.iter().filter(|f| f.max_len().is_none()).map(|f| {
        let name = f.ident;
        let name_str = name.to_string();
        let field = field_trait(f.ty, p);
        quote!(#field::after_load(&mut self.#name).map_err(|e| e.in_field(#name_str))?;)
    });
    let mut seen = Vec::new();
    let mut derived = Vec::new();
    for f in &input.fields {
        let hook = f
            .attrs
            .derived
            .get()
            .and_then(|d| d.value.as_ref())
            .or_else(|| f.attrs.derives.get().map(|d| &d.value));
        if let Some(hook) = hook {
            if !seen.contains(&hook.text) {
                seen.push(hook.text.clone());
                derived.push(call_hook(hook, quote!(fn(&mut Self) -> _), p));
            }
        }
    }
    let post_load = input
        .attrs
        .post_load
        .get()
        .map(|h| call_hook(&h.value, quote!(fn(&mut Self) -> _), p));
    quote! {
        #(#nested)*
        #(#derived)*
        #post_load
    }
}

/// For non-generic structs: a nested struct with owner-derived fields needs an owner function
/// (`derives = "..."`) or a `post_load` here. Checked at compile time on the field's type.
fn owner_checks(input: &Input, p: &TokenStream) -> TokenStream {
    if input
        .generics
        .params
        .iter()
        .any(|g| !matches!(g, syn::GenericParam::Lifetime(_)))
    {
        return quote!();
    }
    let has_post_load = input.attrs.post_load.get().is_some();
    let checks = input.fields.iter().filter(|f| f.role() == Role::Migrated && f.max_len().is_none()).map(|f| {
        let field = field_trait(f.ty, p);
        let has_hook = has_post_load || f.attrs.derives.get().is_some();
        let msg = format!(
            "field `{}`: its type has `derived_by_owner` fields that nothing recomputes; add \
             #[vmstate(derives = \"Self::function\")] naming the function that does",
            f.ident
        );
        quote_spanned! {f.ty.span()=>
            const _: () = ::core::assert!(#p::owner_hook_present(&#field::SHAPE, #has_hook), #msg);
        }
    });
    quote!(#(#checks)*)
}

/// The type as written, without the token spacing of `to_string`.
fn type_string(ty: &syn::Type) -> String {
    let raw = quote!(#ty).to_string();
    let mut out = String::with_capacity(raw.len());
    let chars: Vec<char> = raw.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = if i > 0 { chars[i - 1] } else { ' ' };
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            if matches!(next, ';' | ',' | '>' | ']' | ')' | '<' | ':')
                || matches!(prev, '<' | '[' | '(' | '&' | ':')
            {
                continue;
            }
        }
        out.push(c);
    }
    out.replace(';', "; ").replace(',', ", ")
}
