//! Code generation from a checked model.
//!
//! Everything lands inside `const _: () = { ... };` and uses absolute paths through
//! `<crate>::__private`, so user code that shadows `Result`, `Option`, `core` or `std` cannot
//! change its meaning. Tokens that refer to the user's types or hook paths carry the user's
//! spans, so type errors land on the field's type or the attribute string.

use crate::ast::{is_simple, Field, Input, Role};
use crate::attr::{Container, Hook};
use crate::naming::{lint_allows, staged_ident};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// `<crate>::__private`: the runtime crate's items that generated code uses.
pub fn private_path(attrs: &Container) -> TokenStream {
    match attrs.krate.get() {
        Some(p) => {
            let p = &p.value;
            quote!(#p::__private)
        }
        None => quote!(::vmstate_core::__private),
    }
}

/// For a struct whose attributes have errors (reported apart): `VmState` and `Field` impls
/// that are never run, so that the struct's uses add no errors of their own.
pub fn fallback(input: &Input) -> TokenStream {
    let p = private_path(&input.attrs);
    let ident = input.ident;
    let name = input.name();
    let rust_type = ident.unraw().to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // The field types are still checked, so that a type that cannot migrate is reported
    // with the attribute errors, not after they are fixed; fields with faulty attributes
    // are left out (what they meant is not known).
    let mut checked = input.generics.clone();
    let predicates = &mut checked.make_where_clause().predicates;
    for f in input.fields.iter().filter(|f| !f.faulty.get()) {
        predicates.extend(field_bounds(f, &p));
    }
    let (checked_generics, checked_types, checked_where) = checked.split_for_impl();
    // A function's where clause has no `Self`: the struct's own `where Self: ...` names it.
    let checked_where = replace_self(
        checked_where.to_token_stream(),
        &quote!(#ident #checked_types),
    );
    quote! {
        #[doc(hidden)]
        const _: () = {
            fn __vmstate_field_types #checked_generics () #checked_where {}

            #[automatically_derived]
            impl #impl_generics #p::VmState for #ident #ty_generics #where_clause {
                const DESCRIPTION: &'static #p::Description = &#p::Description {
                    name: #name,
                    version: 1,
                    minimum_version: 1,
                    fields: &[],
                    hooks: #p::Hooks { pre_save: #p::None, pre_load: #p::None, post_load: #p::None, validate: #p::None },
                    subsections: &[],
                    rust_type: #rust_type,
                };
                fn load_version<__VmStateDecoder: #p::Decoder>(
                    &self,
                    _: &mut __VmStateDecoder,
                    _: ::core::primitive::u32,
                ) -> #p::Result<(), #p::Error> {
                    ::core::unreachable!()
                }
            }

            #[automatically_derived]
            impl #impl_generics #p::Field for #ident #ty_generics #where_clause {
                const SHAPE: #p::Shape = #p::Shape::Struct(<Self as #p::VmState>::DESCRIPTION);
                type Staged = ();
                fn placeholder() {}
                fn save<__VmStateEncoder: #p::Encoder>(&self, _: &mut __VmStateEncoder) -> #p::Result<(), #p::Error> {
                    ::core::unreachable!()
                }
                fn load<__VmStateDecoder: #p::Decoder>(&self, _: &mut __VmStateDecoder) -> #p::Result<(), #p::Error> {
                    ::core::unreachable!()
                }
                fn matches(&self, _: &()) -> ::core::primitive::bool {
                    ::core::unreachable!()
                }
                fn commit(&mut self, _: &mut ()) {
                    ::core::unreachable!()
                }
            }

            // A `Vec` of this struct elsewhere is then not reported as unsupported.
            #[automatically_derived]
            impl #impl_generics #p::Element for #ident #ty_generics #where_clause {
                const MIN_WIRE_BYTES: ::core::primitive::usize = 0;
                fn save_elements<__VmStateEncoder: #p::Encoder>(
                    _: &[Self],
                    _: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    ::core::unreachable!()
                }
                fn load_elements<__VmStateDecoder: #p::Decoder>(
                    _: ::core::primitive::usize,
                    _: &mut __VmStateDecoder,
                ) -> #p::Result<::std::vec::Vec<Self>, #p::Error> {
                    ::core::unreachable!()
                }
            }
        };
    }
}

pub fn expand(input: &Input) -> TokenStream {
    let p = private_path(&input.attrs);
    let ident = input.ident;
    let staged_ident = staged_ident(ident);
    let staged_label = format!("{} {{ .. }}", ident.unraw());

    let mut generics = input.generics.clone();
    {
        let where_clause = generics.make_where_clause();
        // Only the parameters that appear in a field that travels: one used by skipped or
        // derived fields alone need not migrate.
        let travelling: Vec<&Field> = input
            .fields
            .iter()
            .filter(|f| {
                matches!(
                    f.role(),
                    Role::Migrated | Role::Immutable | Role::Subsection
                )
            })
            .collect();
        for param in input.generics.type_params() {
            let t = &param.ident;
            if !travelling.iter().any(|f| mentions(f.ty, t, false)) {
                continue;
            }
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
    // The struct's own `where Self: ...` is about the struct, not the staged one.
    let staged_where = replace_self(where_clause.to_token_stream(), &quote!(#ident #ty_generics));
    let element_where = {
        let mut w = where_clause
            .cloned()
            .unwrap_or_else(|| syn::parse_quote!(where));
        // Higher-ranked so that it is not checked at the definition: a struct that is not
        // `Default` gets no usable `Element` impl instead of an error (a plain `Self: Default`
        // on a concrete type is a "trivial bound", refused when false).
        w.predicates
            .push(syn::parse_quote!(for<'__vmstate> Self: #p::Default));
        // An element is built fresh: an immutable field would have nothing to be checked
        // against (and the QEMU format would reset it to its default).
        if input.fields.iter().any(|f| f.role() == Role::Immutable) {
            w.predicates
                .push(syn::parse_quote!(for<'__vmstate> Self: #p::ElementWithoutImmutables));
        }
        w
    };

    let description = description(input, &p);
    let wire: Vec<&Field> = input
        .fields
        .iter()
        .filter(|f| matches!(f.role(), Role::Migrated | Role::Subsection))
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
        if f.is_optional() {
            return quote_spanned!(f.ty.span()=> #name: #p::Optional::Keep);
        }
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
    // (An immutable nested struct compares what the input carried, optional parts too.)
    let matches = wire.iter().map(|f| {
        let (compare, _) = compare_field(f, &p);
        if f.is_optional() {
            let (_, staged) = self_and_staged(f);
            let name = on_type(f);
            quote! {
                match &#staged.#name {
                    #p::Optional::Loaded(__incoming) => #compare,
                    _ => true,
                }
            }
        } else {
            compare
        }
    });
    // The first field that does not match, named.
    let differences = wire.iter().map(|f| {
        let (compare, difference) = compare_field(f, &p);
        let name_str = f.name();
        let check = quote! {
            if !(#compare) {
                return #difference.in_field(#name_str);
            }
        };
        if f.is_optional() {
            let (_, staged) = self_and_staged(f);
            let name = on_type(f);
            quote! {
                if let #p::Optional::Loaded(__incoming) = &#staged.#name {
                    #check
                }
            }
        } else {
            check
        }
    });
    let commits = wire.iter().map(|f| {
        let name = on_type(f);
        let (this, staged) = self_and_staged(f);
        if f.is_optional() {
            let commit = match f.max_len() {
                Some(_) => quote!(#p::swap),
                None => {
                    let field = field_trait(f.ty, &p);
                    quote!(#field::commit)
                }
            };
            return quote_spanned!(f.ty.span()=> #p::commit_optional(&mut #this.#name, &mut #staged.#name, #commit););
        }
        match f.max_len() {
            Some(_) => quote_spanned!(f.ty.span()=> #p::swap(&mut #this.#name, &mut #staged.#name);),
            None => {
                let field = field_trait(f.ty, &p);
                quote_spanned!(f.ty.span()=> #field::commit(&mut #this.#name, &mut #staged.#name);)
            }
        }
    });
    let pre_save = input
        .attrs
        .pre_save
        .get()
        .map(|h| call_hook(&h.value, ("pre_save", h.key), false, &p));
    let nested_post_commit = nested_each(&wire, &p, quote!(post_commit), NestedCall::KeepGoing);
    let nested_pre_commit = nested_each(&wire, &p, quote!(pre_commit), NestedCall::StopAtError);
    let nested_check_committed =
        nested_each(&wire, &p, quote!(check_committed), NestedCall::Validating);
    let validates = validates_const(input, &wire, &p);
    let load_hooks = load_hooks(input, &p);
    let pre_load = input
        .attrs
        .pre_load
        .get()
        .map(|h| call_hook(&h.value, ("pre_load", h.key), true, &p));
    let validate = input.attrs.validate.get().map(|h| {
        let fn_ty = quote_spanned!(h.key=> fn(&Self) -> _);
        let path = &h.value.path;
        let text = &h.value.text;
        // On the string, so a return type that is not `HookOutput` is reported there only.
        let p = respan(&p, h.value.span);
        // The local keeps the literal's span, so the call's span is the literal's.
        let this = generated_name(h.value.span, "self");
        quote_spanned! {h.value.span=> {
            let __check: #fn_ty = #path;
            #p::validation(#text, __check(#this), #p::None)?;
        }}
    });
    let field_hooks = field_hooks(input, &p);
    let subsections_load = subsections_load(input, &p);
    let subsections_save = subsections_save(input, &p);
    let TypeChecks {
        items: type_checks,
        inline: instance_checks,
    } = type_checks(input, &p);
    // Once per instantiation of the struct (not per encoder or decoder): one error each.
    let (checks_const, run_checks) = if instance_checks.is_empty() {
        (quote!(), quote!())
    } else {
        (
            quote! {
                #[doc(hidden)]
                const __VMSTATE_TYPE_CHECKS: () = { #instance_checks };
            },
            quote!(let () = Self::__VMSTATE_TYPE_CHECKS;),
        )
    };

    let allows = lint_allows(&staged_ident, &wire, input.generics, input.deprecated);

    quote! {
        #[doc(hidden)]
        #allows
        const _: () = {
            pub struct #staged_ident #impl_generics #staged_where {
                #(#staged_fields,)*
                __vmstate_marker: ::core::marker::PhantomData<fn() -> #ident #ty_generics>,
            }

            // For the mismatch error of an immutable nested struct; its fields' staged types
            // need not be `Debug`.
            #[automatically_derived]
            impl #impl_generics ::core::fmt::Debug for #staged_ident #ty_generics #staged_where {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(#staged_label)
                }
            }

            #type_checks

            // The hooks are named and called here, outside the `Field` impl, where a path
            // like `Self::commit` could resolve to a `Field` method instead of the user's.
            #[automatically_derived]
            impl #impl_generics #ident #ty_generics #where_clause {
                #checks_const

                #[doc(hidden)]
                #[inline]
                fn __vmstate_pre_save(&self) -> #p::Result<(), #p::Error> {
                    #pre_save
                    #p::Ok(())
                }

                #[doc(hidden)]
                #[inline]
                fn __vmstate_load_hooks(&mut self) -> #p::Result<(), #p::Error> {
                    let mut __result: #p::Result<(), #p::Error> = #p::Ok(());
                    #load_hooks
                    __result
                }

                #[doc(hidden)]
                #[inline]
                fn __vmstate_pre_load(&mut self) -> #p::Result<(), #p::Error> {
                    #pre_load
                    #p::Ok(())
                }

                #[doc(hidden)]
                #[inline]
                fn __vmstate_validate(&self) -> #p::Result<(), #p::Error> {
                    #validate
                    #p::Ok(())
                }

                #field_hooks
            }

            #[automatically_derived]
            impl #impl_generics #p::VmState for #ident #ty_generics #where_clause {
                const DESCRIPTION: &'static #p::Description = &#description;

                #[inline]
                fn load_version<__VmStateDecoder: #p::Decoder>(
                    &self,
                    __d: &mut __VmStateDecoder,
                    __version: ::core::primitive::u32,
                ) -> #p::Result<Self::Staged, #p::Error> {
                    #run_checks
                    let _ = __version;
                    #(#load_stmts)*
                    #subsections_load
                    #p::Ok(#staged_ident { #(#wire_names,)* __vmstate_marker: ::core::marker::PhantomData })
                }
            }

            // A `Vec` or `Box<[T]>` of this struct builds new elements from `Default`.
            #[automatically_derived]
            impl #impl_generics #p::Element for #ident #ty_generics #element_where {
                const MIN_WIRE_BYTES: ::core::primitive::usize = 0;
                fn save_elements<__VmStateEncoder: #p::Encoder>(
                    items: &[Self],
                    __e: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    #p::save_struct_elements(items, __e)
                }
                fn load_elements<__VmStateDecoder: #p::Decoder>(
                    len: ::core::primitive::usize,
                    __d: &mut __VmStateDecoder,
                ) -> #p::Result<::std::vec::Vec<Self>, #p::Error> {
                    #p::load_struct_elements(len, __d)
                }
            }

            #[automatically_derived]
            impl #impl_generics #p::Field for #ident #ty_generics #where_clause {
                const SHAPE: #p::Shape = #p::Shape::Struct(<Self as #p::VmState>::DESCRIPTION);
                type Staged = #staged_ident #ty_generics;

                fn placeholder() -> Self::Staged {
                    #staged_ident { #placeholders2 __vmstate_marker: ::core::marker::PhantomData }
                }

                #[inline]
                fn save<__VmStateEncoder: #p::Encoder>(&self, __e: &mut __VmStateEncoder) -> #p::Result<(), #p::Error> {
                    #run_checks
                    Self::__vmstate_pre_save(self)?;
                    #(#save_stmts)*
                    #subsections_save
                    #p::Ok(())
                }

                #[inline]
                fn load<__VmStateDecoder: #p::Decoder>(&self, __d: &mut __VmStateDecoder) -> #p::Result<Self::Staged, #p::Error> {
                    <Self as #p::VmState>::load_version(
                        self,
                        __d,
                        <Self as #p::VmState>::DESCRIPTION.version,
                    )
                }

                fn matches(&self, staged: &Self::Staged) -> ::core::primitive::bool {
                    let _ = staged;
                    true #(&& #matches)*
                }

                fn difference(&self, staged: &Self::Staged) -> #p::Difference {
                    let _ = staged;
                    #(#differences)*
                    #p::Difference::unprintable()
                }

                #[inline]
                fn commit(&mut self, staged: &mut Self::Staged) {
                    let _ = staged;
                    #(#commits)*
                }

                #[inline]
                fn pre_commit(&mut self, staged: &Self::Staged) -> #p::Result<(), #p::Error> {
                    let _ = staged;
                    Self::__vmstate_pre_load(self)?;
                    #nested_pre_commit
                    #p::Ok(())
                }

                const VALIDATES: ::core::primitive::bool = #validates;

                fn check_committed(&self, staged: &Self::Staged) -> #p::Result<(), #p::Error> {
                    let _ = staged;
                    #nested_check_committed
                    Self::__vmstate_validate(self)
                }

                #[inline]
                fn post_commit(&mut self, staged: &Self::Staged) -> #p::Result<(), #p::Error> {
                    let _ = staged;
                    // Every step runs, the first error is returned: see `call_hook_keeping_first_error`.
                    let mut __result: #p::Result<(), #p::Error> = #p::Ok(());
                    #nested_post_commit
                    #p::keep_first(&mut __result, Self::__vmstate_load_hooks(self));
                    __result
                }
            }
        };
    }
}

/// An immutable comparison of a field of `self` with its staged counterpart (`__incoming`
/// for an optional one, bound by the caller): whether they are the same, and where they
/// differ (a `Difference`).
fn compare_field(f: &Field, p: &TokenStream) -> (TokenStream, TokenStream) {
    let name = on_type(f);
    let (this, staged) = self_and_staged(f);
    let incoming = if f.is_optional() {
        quote!(__incoming)
    } else {
        quote!(&#staged.#name)
    };
    let span = f.ty.span();
    match f.max_len() {
        // A missing `PartialEq` is reported on the type too.
        Some(_) => {
            let bounded = bounded_trait(f.ty, p);
            (
                quote_spanned!(span=> #bounded::same(&#this.#name, #incoming)),
                quote_spanned!(span=> #bounded::difference(&#this.#name, #incoming)),
            )
        }
        None => {
            let field = field_trait(f.ty, p);
            (
                quote_spanned!(span=> #field::matches(&#this.#name, #incoming)),
                quote_spanned!(span=> #field::difference(&#this.#name, #incoming)),
            )
        }
    }
}

/// What the code below needs of a field's type, as where-clause predicates whose tokens all
/// carry the type's spans: `Ty: Field` (with `max_len`: `Ty: Bounded + PartialEq`), and for an
/// immutable field `Debug` too (for the mismatch error).
fn field_bounds(f: &Field, p: &TokenStream) -> Vec<syn::WherePredicate> {
    let immutable = match f.role() {
        Role::Migrated | Role::Subsection => false,
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
        (None, false) if f.role() == Role::Subsection => {
            bounds.push(quote_spanned!(end=> #ty: #p::VmState))
        }
        (None, false) => bounds.push(quote_spanned!(end=> #ty: #p::Field)),
        (None, true) => {
            bounds.push(quote_spanned!(end=> #ty: #p::Field + #p::Debug));
            let lt = quote_spanned!(start=> <);
            bounds.push(quote_spanned!(end=> #lt #ty as #p::Field>::Staged: #p::Debug));
        }
    }
    if f.attrs.validate.get().is_some() || f.attrs.range.get().is_some() {
        // Validators see the loaded value itself, so its staged form must be the type.
        bounds.push(quote_spanned!(end=> #ty: #p::Plain));
    }
    if let Some(r) = f.attrs.range.get() {
        // What the range compares: the elements of an array unless the bounds are arrays.
        let (compared, _) = range_compares(&r.value.expr, f.ty);
        bounds.push(quote_spanned!(end=> #compared: ::core::cmp::PartialOrd + #p::Debug));
    }
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

/// `<Ty as Field>`, spanned on the type so "cannot migrate" lands on it.
fn field_trait(ty: &syn::Type, p: &TokenStream) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as #p::Field>)
}

fn bounded_trait(ty: &syn::Type, p: &TokenStream) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as #p::Bounded>)
}

fn staged_type(f: &Field, p: &TokenStream) -> TokenStream {
    let ty = f.ty;
    let base = match f.max_len() {
        Some(_) => quote!(#ty),
        None => {
            let field = field_trait(ty, p);
            quote!(#field::Staged)
        }
    };
    if f.is_optional() {
        quote!(#p::Optional<#base, #ty>)
    } else {
        base
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
        let exists = opt_str(f.attrs.exists.get().map(|h| h.value.text.as_str()), p);
        let checks: Vec<&str> = [
            f.attrs.validate.get().map(|h| h.value.text.as_str()),
            f.attrs.range.get().map(|r| r.value.text.as_str()),
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
        quote! {
            #p::FieldDesc {
                name: #fname, rust_type: #ty, kind: #kind, shape: #shape, derives: #derives,
                since: #since, default: #default, exists: #exists, validate: #validate,
                max_len: #max_len,
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

/// Writes one field: migrated ones always, immutable ones where the format carries them.
fn save_field(f: &Field, p: &TokenStream) -> TokenStream {
    let name = f.ident;
    let name_str = f.name();
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
    let stmt = quote!(#p::in_field(#save, #name_str)?;);
    match f.role() {
        Role::Migrated if f.attrs.exists.get().is_some() => {
            let exists = hook_fn(f, "exists");
            quote!(if Self::#exists(self, <Self as #p::VmState>::DESCRIPTION.version) { #stmt })
        }
        Role::Migrated => stmt,
        Role::Immutable => {
            quote!(if <__VmStateEncoder as #p::Encoder>::CARRIES_IMMUTABLE { #stmt })
        }
        _ => quote!(),
    }
}

/// The field's name, located on the field's type: for code that handles its staged value
/// (whose type errors then land on the field's type like the others). Mixed-site hygiene:
/// the local of a field named like a generated variable (`__d`, `__version`) does not
/// shadow it.
fn on_type(f: &Field) -> syn::Ident {
    let mut name = f.ident.clone();
    name.set_span(Span::mixed_site().located_at(f.ty.span()));
    name
}

/// Reads one field into a local of the same name; an immutable one is compared and dropped.
fn load_field(f: &Field, p: &TokenStream) -> TokenStream {
    let name = f.ident;
    let name_str = f.name();
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
    let load = quote!(#p::in_field(#load, #name_str)?);
    match f.role() {
        Role::Migrated => {
            let local = on_type(f);
            let validators = validators(f, p);
            let load = quote! {{
                let __at = #p::Decoder::offset(__d);
                let __value = #load;
                #validators
                __value
            }};
            if !f.is_optional() {
                return quote!(let #local = #load;);
            }
            let mut present = Vec::new();
            if let Some(since) = f.attrs.since.get() {
                let since = since.value;
                present.push(quote!(__version >= #since));
            }
            if f.attrs.exists.get().is_some() {
                let exists = hook_fn(f, "exists");
                present.push(quote!(Self::#exists(self, __version)));
            }
            let absent = absent_value(f, p);
            quote! {
                let #local = if true #(&& #present)* {
                    #p::Optional::Loaded(#load)
                } else {
                    #absent
                };
            }
        }
        Role::Subsection => {
            let local = on_type(f);
            quote!(let mut #local = #p::Optional::Keep;)
        }
        Role::Immutable => {
            // The where clause requires `Debug` of both; on the type all the same. The error
            // is named down to the part that differs (`cfg.base`, `ids[2]`).
            let [incoming, this, at] =
                ["incoming", "self", "at"].map(|n| generated_name(f.ty.span(), n));
            let check = match f.max_len() {
                // Compared where it lies in the input: nothing is allocated unless it differs.
                Some(max) => {
                    let bounded = bounded_trait(f.ty, p);
                    let mismatch = quote_spanned! {f.ty.span()=>
                        #bounded::difference(&#this.#name, &#incoming)
                            .into_error(&#incoming, &#this.#name, #at)
                    };
                    quote! {
                        if let #p::Some(incoming) = #bounded::load_if_different(&self.#name, #max, __d)
                            .map_err(|e| e.in_field(#name_str))?
                        {
                            return #p::Err(#mismatch.in_field(#name_str));
                        }
                    }
                }
                None => {
                    let field = field_trait(f.ty, p);
                    let mismatch = quote_spanned! {f.ty.span()=>
                        #field::difference(&#this.#name, &#incoming)
                            .into_error(&#incoming, &#this.#name, #at)
                    };
                    quote! {
                        let incoming = #load;
                        if !#field::matches(&self.#name, &incoming) {
                            return #p::Err(#mismatch.in_field(#name_str));
                        }
                    }
                }
            };
            quote! {
                if <__VmStateDecoder as #p::Decoder>::CARRIES_IMMUTABLE {
                    let at = #p::Decoder::offset(__d);
                    #check
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
    hook_call(hook, key, mutable, p, false)
}

/// [`call_hook`] for the steps after a commit: the hook's error is kept in `__result` (the
/// first one wins) and the next steps still run, so that derived state is recomputed in
/// full, also when a load is undone.
fn call_hook_keeping_first_error(hook: &Hook, key: (&str, Span), p: &TokenStream) -> TokenStream {
    hook_call(hook, key, true, p, true)
}

/// The call of a hook: its error returned (`?`), or kept in `__result` (`keep_going`).
fn hook_call(
    hook: &Hook,
    key: (&str, Span),
    mutable: bool,
    p: &TokenStream,
    keep_going: bool,
) -> TokenStream {
    let (_, key) = key;
    let path = &hook.path;
    let text = &hook.text;
    let span: Span = hook.span;
    let fn_ty = if mutable {
        quote_spanned!(key=> fn(&mut Self) -> _)
    } else {
        quote_spanned!(key=> fn(&Self) -> _)
    };
    let p = respan(p, span);
    // The hook's local keeps the literal's span, so the call's span (on which a wrong return
    // type is reported) is the literal's.
    let [this, result] = ["self", "__result"].map(|n| generated_name(span, n));
    let call = quote_spanned!(span=> #p::hook(#text, __hook(#this)));
    let handled = if keep_going {
        quote_spanned!(span=> #p::keep_first(&mut #result, #call);)
    } else {
        quote_spanned!(span=> #call?;)
    };
    quote_spanned! {span=>
        {
            let __hook: #fn_ty = #path;
            #handled
        }
    }
}

/// A name (`self` or a local) in code spanned on an attribute's literal or a field's type,
/// resolved as the derive's own code (see [`crate::attr::code_span`]).
fn generated_name(at: Span, name: &str) -> TokenStream {
    let span = crate::attr::code_span(at);
    match name {
        "self" => quote_spanned!(span=> self),
        _ => syn::Ident::new(name, span).into_token_stream(),
    }
}

/// `self` and `staged` for code spanned on a field's type.
fn self_and_staged(f: &Field) -> (TokenStream, TokenStream) {
    let span = f.ty.span();
    (generated_name(span, "self"), generated_name(span, "staged"))
}

/// `tokens` with the type `Self` replaced by `with` (the struct's type, for items that are
/// not its impls).
fn replace_self(tokens: TokenStream, with: &TokenStream) -> TokenStream {
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

/// How [`nested_each`] calls a nested field's method.
#[derive(Clone, Copy, PartialEq)]
enum NestedCall {
    /// On `&self`, for types that validate (`check_committed`); stops at the first error.
    Validating,
    /// With it; stops at the first error.
    StopAtError,
    /// With it; keeps the first error in `__result` and goes on (`post_commit`).
    KeepGoing,
}

/// Calls `method` (`post_commit`, `pre_commit`, `check_committed`) with the staged value on
/// every nested field; an optional one only when the input carried it, except that
/// `post_commit` and `check_committed` also run on a value its `default` replaced (a fresh
/// value's checks, derived fields and `post_load` run as a loaded one's do). A subsection
/// the input lacked keeps its value, unchecked.
fn nested_each(
    wire: &[&Field],
    p: &TokenStream,
    method: TokenStream,
    how: NestedCall,
) -> TokenStream {
    // Primitives and arrays of them have no hooks: no code for them (less to type-check).
    let nested = wire
        .iter()
        .filter(|f| f.max_len().is_none() && !crate::ast::is_simple(f.ty));
    let calls = nested.map(|f| {
        let name = f.ident;
        let name_str = f.name();
        let field = field_trait(f.ty, p);
        let this = match how {
            NestedCall::Validating => quote!(&self.#name),
            _ => quote!(&mut self.#name),
        };
        let handle = |call: TokenStream| match how {
            NestedCall::KeepGoing => {
                quote!(#p::keep_first(&mut __result, #p::in_field(#call, #name_str));)
            }
            _ => quote!(#p::in_field(#call, #name_str)?;),
        };
        let call = if f.is_optional() {
            let call = handle(quote!(#field::#method(#this, s)));
            let replaced = (how != NestedCall::StopAtError).then(|| {
                let call = handle(quote!(#field::#method(#this, &#field::placeholder())));
                quote!(#p::Optional::Replace(_) => { #call })
            });
            quote! {
                match &staged.#name {
                    #p::Optional::Loaded(s) => { #call }
                    #replaced
                    _ => {}
                }
            }
        } else {
            handle(quote!(#field::#method(#this, &staged.#name)))
        };
        match how {
            NestedCall::Validating => quote!(if #field::VALIDATES { #call }),
            _ => call,
        }
    });
    quote!(#(#calls)*)
}

/// `Field::VALIDATES`: a container `validate` here or in any nested struct.
fn validates_const(input: &Input, wire: &[&Field], p: &TokenStream) -> TokenStream {
    let own = input.attrs.validate.get().is_some();
    let nested = wire
        .iter()
        .filter(|f| f.max_len().is_none() && !crate::ast::is_simple(f.ty))
        .map(|f| {
            let field = field_trait(f.ty, p);
            quote!(#field::VALIDATES)
        });
    quote!(#own #(|| #nested)*)
}

/// The inherent function that wraps a field's `kind` hook (`exists`, `needed`, `default`,
/// `validate`). Named by the field's position, not its name: rustc suggests similarly named
/// functions when a hook path is wrong, and `__vmstate_default_reload` would be offered for a
/// missing `Self::default_reload`.
fn hook_fn(f: &Field, kind: &str) -> syn::Ident {
    format_ident!("__vmstate_{}_{}", kind, f.index)
}

/// The checks of a field's loaded value (`validate`, `range`), on `__value` at `__at`.
fn validators(f: &Field, p: &TokenStream) -> TokenStream {
    if f.attrs.validate.get().is_none() && f.attrs.range.get().is_none() {
        return quote!();
    }
    let check = hook_fn(f, "validate");
    let name_str = f.name();
    quote!(#p::in_field(Self::#check(&__value, __at), #name_str)?;)
}

/// The staged value of a field the input lacks: its `default` (held to the field's own
/// `max_len`, `validate` and `range`, as a loaded value is), or the destination's.
fn absent_value(f: &Field, p: &TokenStream) -> TokenStream {
    let Some(h) = f.attrs.default.get() else {
        return quote!(#p::Optional::Keep);
    };
    let default = hook_fn(f, "default");
    let (text, name_str) = (&h.value.text, f.name());
    let length = f
        .max_len()
        .map(|max| quote!(#p::check_len(__value.len(), #max)));
    let checked = f.attrs.validate.get().is_some() || f.attrs.range.get().is_some();
    let validators = checked.then(|| {
        let check = hook_fn(f, "validate");
        quote!(Self::#check(&__value, #p::Decoder::offset(__d)))
    });
    let checks = length.into_iter().chain(validators);
    quote! {{
        let __value = Self::#default();
        #(
            if let #p::Err(e) = #checks {
                return #p::Err(#p::default_refused(#text, e).in_field(#name_str));
            }
        )*
        #p::Optional::Replace(__value)
    }}
}

/// Inherent functions wrapping each field-level hook (`exists`, `needed`, `default`,
/// `validate`, `range`), each coerced to its expected type on the attribute string.
fn field_hooks(input: &Input, p: &TokenStream) -> TokenStream {
    let mut out = Vec::new();
    for f in &input.fields {
        let ty = f.ty;
        let a = &f.attrs;
        if let Some(h) = a.exists.get() {
            let name = hook_fn(f, "exists");
            let (path, fn_ty) = (
                &h.value.path,
                quote_spanned!(h.key=> fn(&Self, ::core::primitive::u32) -> ::core::primitive::bool),
            );
            out.push(quote_spanned! {h.value.span=>
                #[doc(hidden)]
                fn #name(&self, version: ::core::primitive::u32) -> ::core::primitive::bool {
                    let __hook: #fn_ty = #path;
                    __hook(self, version)
                }
            });
        }
        if let Some(h) = a.needed.get() {
            let name = hook_fn(f, "needed");
            let (path, fn_ty) = (
                &h.value.path,
                quote_spanned!(h.key=> fn(&Self) -> ::core::primitive::bool),
            );
            out.push(quote_spanned! {h.value.span=>
                #[doc(hidden)]
                fn #name(&self) -> ::core::primitive::bool {
                    let __hook: #fn_ty = #path;
                    __hook(self)
                }
            });
        }
        if let Some(h) = a.default.get() {
            let name = hook_fn(f, "default");
            // The expected type on the key alone (not from the key to the field's type).
            let ret = respan(&ty.to_token_stream(), h.key);
            let (path, fn_ty) = (&h.value.path, quote_spanned!(h.key=> fn() -> #ret));
            out.push(quote_spanned! {h.value.span=>
                #[doc(hidden)]
                fn #name() -> #ty {
                    let __hook: #fn_ty = #path;
                    __hook()
                }
            });
        }
        if a.validate.get().is_some() || a.range.get().is_some() {
            let name = hook_fn(f, "validate");
            let validate = a.validate.get().map(|h| {
                let (path, text) = (&h.value.path, &h.value.text);
                let arg = respan(&ty.to_token_stream(), h.key);
                let fn_ty = quote_spanned!(h.key=> fn(&#arg) -> _);
                let p = respan(p, h.value.span);
                let [value, at] = ["value", "at"].map(|n| generated_name(h.value.span, n));
                quote_spanned! {h.value.span=>
                    let __check: #fn_ty = #path;
                    #p::validation(#text, __check(#value), #p::Some(#at))?;
                }
            });
            let range = a.range.get().map(|r| {
                let (expr, text) = (&r.value.expr, &r.value.text);
                let [value, at] = ["value", "at"].map(|n| generated_name(r.value.span, n));
                // On an array, a range of elements bounds each element, at any depth (`[u8; 4]`
                // holding four registers, `range = "0..8"`); a range whose bounds are arrays
                // compares whole arrays, in Rust's lexicographic order (`..[0x80, 0, 0, 0]`).
                let (elem, depth) = range_compares(expr, ty);
                let index = |k: usize| generated_name(r.value.span, &format!("__vmstate_i{k}"));
                let element = |k: usize| generated_name(r.value.span, &format!("__vmstate_e{k}"));
                let inner = element(depth);
                // Innermost index first: each level adds its segment as the error bubbles out.
                let indices = (0..depth).rev().map(index);
                // Through a function that takes a range of the field's type: a range of
                // another type is then one error (`RangeBounds<Ty>` not implemented), where
                // `contains` would report both directions of `PartialOrd`.
                let mut check = quote_spanned! {r.value.span=>
                    if !__in_range::<#elem, _>(&(#expr), #inner) {
                        return #p::Err(
                            #p::out_of_range(#inner, #text, #at)#(.in_index(#indices))*
                        );
                    }
                };
                for k in (0..depth).rev() {
                    let (i, outer, item) = (index(k), element(k), element(k + 1));
                    check = quote_spanned! {r.value.span=>
                        // By the trait's path: a `#[no_implicit_prelude]` module has no
                        // `Iterator` in scope.
                        for (#i, #item) in ::core::iter::Iterator::enumerate(#outer.iter()) {
                            #check
                        }
                    };
                }
                let outermost = element(0);
                quote_spanned! {r.value.span=>
                    fn __in_range<T, R>(range: &R, value: &T) -> ::core::primitive::bool
                    where
                        T: ::core::cmp::PartialOrd,
                        R: ::core::ops::RangeBounds<T>,
                    {
                        range.contains(value)
                    }
                    let #outermost = #value;
                    #check
                }
            });
            out.push(quote! {
                #[doc(hidden)]
                fn #name(value: &#ty, at: ::core::primitive::usize) -> #p::Result<(), #p::Error> {
                    #validate
                    #range
                    #p::Ok(())
                }
            });
        }
    }
    quote!(#(#out)*)
}

/// What a field's `range` compares, and how many array levels are iterated to reach it: the
/// innermost elements of an array field, unless the bounds are written as arrays (then the
/// whole value). A bound that is an array constant (`..LIMIT`) is taken for an element.
fn range_compares<'t>(range: &syn::Expr, ty: &'t syn::Type) -> (&'t syn::Type, usize) {
    if bounds_are_arrays(range) {
        (ty, 0)
    } else {
        array_element(ty)
    }
}

/// Whether a range's bounds are written as arrays (`[0, 0]..[8, 8]`, `..[0x80; 4]`).
fn bounds_are_arrays(range: &syn::Expr) -> bool {
    fn is_array(e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Array(_) | syn::Expr::Repeat(_) => true,
            syn::Expr::Paren(p) => is_array(&p.expr),
            syn::Expr::Group(g) => is_array(&g.expr),
            _ => false,
        }
    }
    match range {
        syn::Expr::Range(r) => r.start.iter().chain(&r.end).any(|b| is_array(b)),
        syn::Expr::Paren(p) => bounds_are_arrays(&p.expr),
        syn::Expr::Group(g) => bounds_are_arrays(&g.expr),
        _ => false,
    }
}

/// The element type of a (possibly nested) array type and how many array levels wrap it:
/// `[[u8; 2]; 3]` is `(u8, 2)`, `u32` is `(u32, 0)`.
fn array_element(ty: &syn::Type) -> (&syn::Type, usize) {
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

/// Writes the needed subsections after the fields.
fn subsections_save(input: &Input, p: &TokenStream) -> TokenStream {
    let subs = input
        .fields
        .iter()
        .filter(|f| f.role() == Role::Subsection)
        .map(|f| {
            let (name, ty) = (f.ident, f.ty);
            let name_str = f.name();
            let needed = hook_fn(f, "needed");
            quote! {
                if Self::#needed(self) {
                    let __sub = <#ty as #p::VmState>::DESCRIPTION;
                    #p::write_subsection_header(__e, __sub.name, __sub.version);
                    #p::in_field(<#ty as #p::Field>::save(&self.#name, __e), #name_str)?;
                }
            }
        });
    quote! {
        #(#subs)*
        #p::end_subsections(__e);
    }
}

/// Reads the subsections after the fields: each known one by name, with its own version; an
/// unknown one with this struct's prefix is an error; one without the prefix belongs to an
/// enclosing struct and ends the loop (QEMU's rules).
fn subsections_load(input: &Input, p: &TokenStream) -> TokenStream {
    let subs: Vec<&Field> = input
        .fields
        .iter()
        .filter(|f| f.role() == Role::Subsection)
        .collect();
    let branches = subs.iter().map(|f| {
        let (ty, local) = (f.ty, on_type(f));
        let name_str = f.name();
        let name = f.ident;
        quote! {
            if __name == <#ty as #p::VmState>::DESCRIPTION.name {
                #p::check_subsection_version(
                    <#ty as #p::VmState>::DESCRIPTION,
                    __sub_version,
                    __at,
                    #name_str,
                )?;
                #local = #p::Optional::Loaded(
                    <#ty as #p::VmState>::load_version(&self.#name, __d, __sub_version)
                        .map_err(|e| e.in_field(#name_str))?,
                );
            } else
        }
    });
    let defaults = subs
        .iter()
        .filter(|f| f.attrs.default.get().is_some())
        .map(|f| {
            let local = on_type(f);
            let absent = absent_value(f, p);
            quote!(if let #p::Optional::Keep = #local { #local = #absent; })
        });
    quote! {
        while let #p::Some((__name, __sub_version, __at)) =
            #p::subsection_header(__d, <Self as #p::VmState>::DESCRIPTION.name)?
        {
            let _ = __sub_version;
            #(#branches)* {
                return #p::Err(#p::unknown_subsection(__name, __at));
            }
        }
        #(#defaults)*
    }
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
            let function = crate::attr::function_key(&hook.text, &input.ident.unraw().to_string());
            if !seen.contains(&function) {
                seen.push(function);
                derived.push(call_hook_keeping_first_error(hook, key, p));
            }
        }
    }
    let post_load = input
        .attrs
        .post_load
        .get()
        .map(|h| call_hook_keeping_first_error(&h.value, ("post_load", h.key), p));
    quote! {
        #(#derived)*
        #post_load
    }
}

/// A subsection type's name, as an `Option<&str>` constant: through `__Probe` for a concrete
/// type (`None` when it is not a `VmState`, which the where clause reports), by the trait
/// for one naming a parameter.
fn subsection_name(ty: &syn::Type, generic: bool, p: &TokenStream) -> TokenStream {
    if generic {
        quote_spanned!(ty.span()=> #p::Some(<#ty as #p::VmState>::DESCRIPTION.name))
    } else {
        quote_spanned!(ty.span()=> __Probe::<#ty>::NAME)
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
/// - a subsection's name must start with this struct's name and `/`;
/// - two subsections must not have the same name.
///
/// A field type that names a parameter is known only once the struct is instantiated: its
/// checks are an associated constant, evaluated for each instantiation that is saved or
/// loaded.
///
/// The assertions read the types through `__Probe`, whose constants fall back to `None` for
/// a type without the trait: the impls' where clause already reports such a type, on the
/// same token, once.
fn type_checks(input: &Input, p: &TokenStream) -> TypeChecks {
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
        // The shape a check reads: through `__Probe` for a concrete type (a type without the
        // trait is reported by the where clause, once), by the trait for one naming a
        // parameter (the where clause requires it); of the elements for a `Vec`/`Box<[T]>`.
        let shape_of = |elements: bool| match (generic, elements) {
            (false, false) => quote_spanned!(ty.span()=> __Probe::<#ty>::SHAPE),
            (false, true) => quote_spanned!(ty.span()=> __Probe::<#ty>::ELEMENTS),
            (true, false) => quote_spanned!(ty.span()=> #p::Some(&<#ty as #p::Field>::SHAPE)),
            (true, true) => quote_spanned!(ty.span()=> #p::Some(&<#ty as #p::Bounded>::ELEM)),
        };
        // A failed check is reported at `span`: the field's type, or the key it is about.
        let mut assert = |span: Span, shape: TokenStream, holds: TokenStream, msg: String| {
            // `holds` reads `shape`, a name of the derive's own code.
            let bound = generated_name(span, "shape");
            let check = quote_spanned! {span=>
                ::core::assert!(
                    match #shape {
                        #p::Some(#bound) => #holds,
                        #p::None => true,
                    },
                    #msg
                )
            };
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
                quote!(#p::owner_hook_present(shape, #has_hook)),
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
            assert(d.key, shape, quote!(shape.needs_owner()), msg);
        }
        if f.max_len().is_some() && f.role() == Role::Migrated {
            let msg = format!(
                "field `{}`: its elements hold a nested struct with `immutable` fields: an element \
                 is built from `Default` on every load, so there is no configured value to check \
                 the stream's against; migrate those fields, or keep the configuration outside \
                 the elements",
                f.ident
            );
            assert(
                ty.span(),
                shape_of(true),
                quote!(#p::no_nested_immutables(shape)),
                msg,
            );
        }
        if f.role() == Role::Subsection {
            let msg = format!(
                "subsection `{}`: its struct's name must be `{parent}/` followed by a name of \
                 its own (QEMU requires a subsection's name to start with its parent's): give \
                 it #[vmstate(name = \"{parent}/...\")]",
                f.ident
            );
            let name = subsection_name(ty, generic, p);
            let check = quote_spanned! {ty.span()=>
                ::core::assert!(
                    match #name {
                        #p::Some(name) => #p::subsection_name_ok(name, #parent),
                        #p::None => true,
                    },
                    #msg
                )
            };
            push_check(&mut checks, &mut inline, generic, ty.span(), check);
        }
    }
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
                first.name(),
                second.name()
            );
            let generic = !concrete(a) || !concrete(b);
            let (name_a, name_b) = (
                subsection_name(a, !concrete(a), p),
                subsection_name(b, !concrete(b), p),
            );
            let check = quote_spanned! {b.span()=>
                ::core::assert!(#p::names_differ(#name_a, #name_b), #msg)
            };
            push_check(&mut checks, &mut inline, generic, b.span(), check);
        }
    }
    let inline = quote!(#(#inline)*);
    if checks.is_empty() {
        return TypeChecks {
            items: quote!(),
            inline,
        };
    }
    let items = quote! {
        struct __Probe<T: ?::core::marker::Sized>(::core::marker::PhantomData<T>);
        impl<T: ?::core::marker::Sized + #p::Field> __Probe<T> {
            const SHAPE: ::core::option::Option<&'static #p::Shape> = #p::Some(&<T as #p::Field>::SHAPE);
        }
        impl<T: ?::core::marker::Sized + #p::VmState> __Probe<T> {
            const NAME: ::core::option::Option<&'static str> =
                #p::Some(<T as #p::VmState>::DESCRIPTION.name);
        }
        impl<T: ?::core::marker::Sized + #p::Bounded> __Probe<T> {
            const ELEMENTS: ::core::option::Option<&'static #p::Shape> =
                #p::Some(&<T as #p::Bounded>::ELEM);
        }
        trait __ProbeFallback {
            const SHAPE: ::core::option::Option<&'static #p::Shape> = #p::None;
            const NAME: ::core::option::Option<&'static str> = #p::None;
            const ELEMENTS: ::core::option::Option<&'static #p::Shape> = #p::None;
        }
        impl<T: ?::core::marker::Sized> __ProbeFallback for __Probe<T> {}
        #(#checks)*
    };
    TypeChecks { items, inline }
}

/// The compile-time checks of [`type_checks`]: items for the concrete field types, and the
/// statements of an associated constant, evaluated for each instantiation, for the field
/// types that name a parameter.
struct TypeChecks {
    items: TokenStream,
    inline: TokenStream,
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
fn type_string(ty: &syn::Type) -> String {
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
