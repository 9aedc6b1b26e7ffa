//! Code generation from a checked model.
//!
//! Everything lands inside `const _: () = { ... };` and uses absolute paths through
//! `<crate>::__private`, so user code that shadows `Result`, `Option`, `core` or `std` cannot
//! change its meaning. Tokens that refer to the user's types or hook paths carry the user's
//! spans, so type errors land on the field's type or the attribute string.

use crate::ast::{Field, Input, Role};
use crate::attr::Hook;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
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
            // On the parameter, so that an unsatisfied bound is explained there.
            let field = respan(&quote!(#p::Field), t.span());
            where_clause
                .predicates
                .push(syn::parse_quote_spanned!(t.span()=> #t: #field));
        }
        // Every field type that travels, bounded by the trait the code uses, and spanned on
        // the type: a type that cannot migrate fails this bound, there, once, while the
        // items below (which assume the bound) report nothing more.
        for f in &input.fields {
            where_clause.predicates.extend(field_bounds(f, &p));
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
    // Code that handles a field's staged value is spanned on the field's type, so that the
    // errors of a type that cannot migrate all land there (and are reported once).
    let placeholders = wire.iter().map(|f| {
        let name = on_type(f);
        match f.max_len() {
            Some(_) => quote_spanned!(f.ty.span()=> #name: ::core::default::Default::default()),
            None => {
                let field = field_trait(f.ty, &p);
                quote_spanned!(f.ty.span()=> #name: #field::placeholder())
            }
        }
    });
    let placeholders2 = quote!(#(#placeholders,)*);

    let save_stmts = input.fields.iter().map(|f| save_field(f, &p));
    let load_stmts = input.fields.iter().map(|f| load_field(f, &p));
    let wire_names: Vec<_> = wire.iter().map(|f| on_type(f)).collect();
    let matches = wire.iter().map(|f| {
        let name = on_type(f);
        match f.max_len() {
            // A missing `PartialEq` is reported on the type too.
            Some(_) => quote_spanned!(f.ty.span()=> self.#name == staged.#name),
            None => {
                let field = field_trait(f.ty, &p);
                quote_spanned!(f.ty.span()=> #field::matches(&self.#name, &staged.#name))
            }
        }
    });
    let commits = wire.iter().map(|f| {
        let name = on_type(f);
        match f.max_len() {
            Some(_) => quote_spanned!(f.ty.span()=> #p::swap(&mut self.#name, &mut staged.#name);),
            None => {
                let field = field_trait(f.ty, &p);
                quote_spanned!(f.ty.span()=> #field::commit(&mut self.#name, &mut staged.#name);)
            }
        }
    });
    let pre_save = input
        .attrs
        .pre_save
        .get()
        .map(|h| call_hook(&h.value, ("pre_save", h.key), false, &p));
    let nested_after_load = nested_after_load(&wire, &p);
    let load_hooks = load_hooks(input, &p);
    let owner_checks = owner_checks(input, &p);

    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, non_snake_case, dead_code, missing_docs, private_bounds)]
        const _: () = {
            pub struct #staged_ident #impl_generics #where_clause {
                #(#staged_fields,)*
                __marker: ::core::marker::PhantomData<fn() -> #ident #ty_generics>,
            }

            #owner_checks

            // The hooks are named and called here, outside the `Field` impl: inside it,
            // `Self::after_load` would resolve to `Field::after_load` itself when the struct
            // has no inherent `after_load`, and the load would recurse forever instead of
            // failing to compile (with `Field` imported it still can: see
            // `not_field_after_load`).
            #[automatically_derived]
            impl #impl_generics #ident #ty_generics #where_clause {
                #[doc(hidden)]
                #[inline]
                fn __vmstate_pre_save(&self) -> #p::Result<(), #p::Error> {
                    #pre_save
                    #p::Ok(())
                }

                #[doc(hidden)]
                #[inline]
                fn __vmstate_load_hooks(&mut self) -> #p::Result<(), #p::Error> {
                    #load_hooks
                    #p::Ok(())
                }
            }

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
                    Self::__vmstate_pre_save(self)?;
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
                    #nested_after_load
                    Self::__vmstate_load_hooks(self)
                }
            }
        };
    }
}

/// What the code below needs of a field's type, as where-clause predicates whose tokens all
/// carry the type's spans: `Ty: Field` (with `max_len`: `Ty: Bounded + PartialEq`), and for an
/// immutable field `Debug` too (for the mismatch error).
fn field_bounds(f: &Field, p: &TokenStream) -> Vec<syn::WherePredicate> {
    let immutable = match f.role() {
        Role::Migrated => false,
        Role::Immutable => true,
        _ => return Vec::new(),
    };
    let ty = f.ty;
    let mut tokens = ty.to_token_stream().into_iter();
    let start = tokens.next().map_or_else(|| ty.span(), |tt| tt.span());
    let end = tokens.last().map_or(start, |tt| tt.span());
    let p = respan(p, end);
    let partial_eq = quote_spanned!(end=> ::core::cmp::PartialEq);
    let mut bounds = Vec::new();
    match (f.max_len(), immutable) {
        (Some(_), false) => bounds.push(quote_spanned!(end=> #ty: #p::Bounded + #partial_eq)),
        (Some(_), true) => {
            bounds.push(quote_spanned!(end=> #ty: #p::Bounded + #partial_eq + #p::Debug))
        }
        (None, false) => bounds.push(quote_spanned!(end=> #ty: #p::Field)),
        (None, true) => {
            bounds.push(quote_spanned!(end=> #ty: #p::Field + #p::Debug));
            let lt = quote_spanned!(start=> <);
            bounds.push(quote_spanned!(end=> #lt #ty as #p::Field>::Staged: #p::Debug));
        }
    }
    bounds
        .into_iter()
        .map(|b| syn::parse2(b).expect("a type and its bounds make a where predicate"))
        .collect()
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

/// The field's name, spanned on the field's type: for code that handles its staged value
/// (whose type errors then land on the field's type like the others).
fn on_type(f: &Field) -> syn::Ident {
    let mut name = f.ident.clone();
    name.set_span(f.ty.span());
    name
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
        Role::Migrated => {
            let local = on_type(f);
            quote!(let #local = #load;)
        }
        Role::Immutable => {
            let same = match f.max_len() {
                Some(_) => quote_spanned!(f.ty.span()=> incoming == self.#name),
                None => {
                    let field = field_trait(f.ty, p);
                    quote!(#field::matches(&self.#name, &incoming))
                }
            };
            // The where clause requires `Debug` of both; on the type all the same.
            let mismatch = quote_spanned! {f.ty.span()=>
                #p::immutable_mismatch(&incoming, &self.#name, at)
            };
            quote! {
                if <__D as #p::Decoder>::CARRIES_IMMUTABLE {
                    let at = #p::Decoder::offset(__d);
                    let incoming = #load;
                    if !(#same) {
                        return #p::Err(#mismatch.in_field(#name_str));
                    }
                }
            }
        }
        _ => quote!(),
    }
}

/// A call of a hook named in an attribute string, coerced to `fn(&Self)` (`mutable`:
/// `fn(&mut Self)`) so a missing function or a wrong signature is reported on the string,
/// with the expected type on the key (`post_load`, `derived`, ...).
fn call_hook(hook: &Hook, key: (&str, Span), mutable: bool, p: &TokenStream) -> TokenStream {
    let (key_name, key) = key;
    let path = &hook.path;
    let text = &hook.text;
    let span: Span = hook.span;
    let fn_ty = if mutable {
        quote_spanned!(key=> fn(&mut Self) -> _)
    } else {
        quote_spanned!(key=> fn(&Self) -> _)
    };
    let p = respan(p, span);
    let not_itself = if mutable {
        not_field_after_load(hook, key_name, &p)
    } else {
        quote!()
    };
    quote_spanned! {span=>
        {
            #not_itself
            let __hook: #fn_ty = #path;
            #p::hook(#text, __hook(self))?;
        }
    }
}

/// For a hook path ending in `after_load`: a compile error if it resolves to the
/// `Field::after_load` this derive implements (no inherent `after_load`, and `Field` in scope),
/// which would call itself forever. Method resolution picks `__probe` on `(T, T)` (by value)
/// over `&(H, F)` (one more autoref) only when both paths name the same function.
fn not_field_after_load(hook: &Hook, key: &str, p: &TokenStream) -> TokenStream {
    let path = &hook.path;
    if path
        .path
        .segments
        .last()
        .map_or(true, |s| s.ident != "after_load")
    {
        return quote!();
    }
    let message = format!(
        "`{key} = \"{text}\"` names `vmstate_core::Field::after_load`, which `#[derive(VmState)]` \
         implements by calling this hook: the load would recurse forever",
        text = hook.text,
    );
    quote_spanned! {hook.span=>
        {
            #[diagnostic::on_unimplemented(
                message = #message,
                label = "this is `Field::after_load`, not a function of yours",
                note = "define `fn after_load(&mut self)` in an inherent `impl` of the struct, or name another function"
            )]
            trait __VmStateHookIsNotFieldAfterLoad {}
            struct __Itself;
            struct __Other;
            impl __VmStateHookIsNotFieldAfterLoad for __Other {}
            trait __ProbeItself {
                fn __probe(&self) -> __Itself {
                    __Itself
                }
            }
            impl<T> __ProbeItself for (T, T) {}
            trait __ProbeOther {
                fn __probe(&self) -> __Other {
                    __Other
                }
            }
            impl<H, F> __ProbeOther for &(H, F) {}
            fn __require<T: __VmStateHookIsNotFieldAfterLoad>(_: T) {}
            __require((&(#path, <Self as #p::Field>::after_load)).__probe());
        }
    }
}

/// `tokens` with every span replaced by `span`.
fn respan(tokens: &TokenStream, span: Span) -> TokenStream {
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

/// After a commit, first: the nested structs' own `after_load`.
fn nested_after_load(wire: &[&Field], p: &TokenStream) -> TokenStream {
    let nested = wire.iter().filter(|f| f.max_len().is_none()).map(|f| {
        let name = f.ident;
        let name_str = name.to_string();
        let field = field_trait(f.ty, p);
        quote!(#field::after_load(&mut self.#name).map_err(|e| e.in_field(#name_str))?;)
    });
    quote!(#(#nested)*)
}

/// After a commit, then: each distinct derived function (field order), then `post_load`.
fn load_hooks(input: &Input, p: &TokenStream) -> TokenStream {
    let mut seen = Vec::new();
    let mut derived = Vec::new();
    for f in &input.fields {
        let hook = f
            .attrs
            .derived
            .get()
            .and_then(|d| d.value.as_ref().map(|h| (h, ("derived", d.key))))
            .or_else(|| {
                f.attrs
                    .derives
                    .get()
                    .map(|d| (&d.value, ("derives", d.key)))
            });
        if let Some((hook, key)) = hook {
            if !seen.contains(&hook.text) {
                seen.push(hook.text.clone());
                derived.push(call_hook(hook, key, true, p));
            }
        }
    }
    let post_load = input
        .attrs
        .post_load
        .get()
        .map(|h| call_hook(&h.value, ("post_load", h.key), true, p));
    quote! {
        #(#derived)*
        #post_load
    }
}

/// For non-generic structs: a nested struct with owner-derived fields needs an owner function
/// (`derives = "..."`) or a `post_load` here. Checked at compile time on the field's type.
///
/// A type that is not `Field` passes this check (through `__Probe`'s fallback constant), since
/// the impls' where clause already reports it, on the same type.
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
    let checks: Vec<_> = input
        .fields
        .iter()
        .filter(|f| f.role() == Role::Migrated && f.max_len().is_none())
        .map(|f| {
            let ty = f.ty;
            let has_hook = has_post_load || f.attrs.derives.get().is_some();
            let msg = format!(
                "field `{}`: its type has `derived_by_owner` fields that nothing recomputes; add \
                 #[vmstate(derives = \"Self::function\")] naming the function that does, or a \
                 container `post_load`",
                f.ident
            );
            quote_spanned! {ty.span()=>
                const _: () = ::core::assert!(
                    match __Probe::<#ty>::SHAPE {
                        #p::Some(shape) => #p::owner_hook_present(shape, #has_hook),
                        #p::None => true,
                    },
                    #msg
                );
            }
        })
        .collect();
    if checks.is_empty() {
        return quote!();
    }
    quote! {
        struct __Probe<T: ?::core::marker::Sized>(::core::marker::PhantomData<T>);
        impl<T: ?::core::marker::Sized + #p::Field> __Probe<T> {
            const SHAPE: ::core::option::Option<&'static #p::Shape> = #p::Some(&<T as #p::Field>::SHAPE);
        }
        trait __ProbeFallback {
            const SHAPE: ::core::option::Option<&'static #p::Shape> = #p::None;
        }
        impl<T: ?::core::marker::Sized> __ProbeFallback for __Probe<T> {}
        #(#checks)*
    }
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
