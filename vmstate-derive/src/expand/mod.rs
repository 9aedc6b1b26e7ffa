//! Code generation from a checked model.
//!
//! Everything lands inside `const _: () = { ... };`, which imports `<crate>::__private` by an
//! absolute path once and names every item through it, so user code that shadows `Result`,
//! `Option`, `core` or `std` cannot change its meaning. Tokens that refer to the user's types
//! or hook paths carry the user's spans, so type errors land on the field's type or the
//! attribute string.
//!
//! `expand` assembles the impls from the parts its submodules write: `describe` the static
//! description, `codec` the per-field save, load, compare and commit code, `hooks` the calls
//! of the user's hooks, `bounds` the where clauses and compile-time type checks; `tokens`
//! holds the token helpers they share; `nonempty_range` has rustc refuse a `range` whose
//! constant bounds hold no value. `travels_as` writes the impls of a field type that
//! travels as another (`transparent` newtypes, conversions).

mod bounds;
mod codec;
mod describe;
mod exists_if;
mod hooks;
mod nonempty_range;
mod tokens;
mod travels_as;

pub(crate) use bounds::with_bounds;
pub(crate) use describe::type_string;
pub(crate) use tokens::{private_at, respan};
pub(crate) use travels_as::{travels_as, SliceLoad, TravelsAs};

use crate::ast::{Field, Input, Role};
use crate::attr::Container;
use crate::naming::{lint_allows, staged_ident, Trips};
use bounds::{bounded_generics, element_where_clause, type_checks, TypeChecks};
use codec::{
    compare_field, load_field, nested_each, save_field, staged_type, subsections_load,
    subsections_save, NestedCall,
};
use describe::description;
use hooks::{after_commit_const, container_hook_fns, field_hooks, hook_paths, validates_const};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use tokens::{
    field_trait, loads_in_place, on_type, replace_self, self_and_staged, staged_local, value_trait,
};

/// The runtime crate's items that generated code uses, `<crate>::__private`, under the name
/// that [`private_import`] gives them.
pub fn private_path() -> TokenStream {
    quote!(__vmstate_private)
}

/// The one place generated code names the runtime crate, at the top of its block: a crate
/// renamed in Cargo.toml without `crate = "..."` is then one unresolved import, not an
/// error per field.
pub fn private_import(attrs: &Container) -> TokenStream {
    match attrs.krate.get() {
        // `__private` on the string too: a path that names another item (`crate =
        // "vmstate_core::VmState"`, a crate that only re-exports the derive) is reported there.
        Some(p) => {
            let krate = &p.value;
            let private = syn::Ident::new("__private", p.span);
            quote_spanned!(p.span=> use #krate::#private as __vmstate_private;)
        }
        None => quote!(
            use ::vmstate_core::__private as __vmstate_private;
        ),
    }
}

/// For a field type with errors (reported apart), a fieldless enum or a `transparent`
/// struct: `Field` and `Plain` impls that never run, so that its uses add no errors of their
/// own.
pub fn field_fallback(
    ident: &syn::Ident,
    generics: &syn::Generics,
    p: &TokenStream,
    import: &TokenStream,
) -> TokenStream {
    let name = ident.unraw().to_string();
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #[doc(hidden)]
        const _: () = {
            #import
            #[automatically_derived]
            impl #impl_generics #p::Field for #ident #ty_generics #where_clause {
                const SHAPE: #p::Shape = #p::Shape::Custom { name: #name, qemu_size: #p::None };
                type Staged = Self;
                fn placeholder() -> Self {
                    ::core::unreachable!()
                }
                fn save<__VmStateEncoder: #p::Encoder>(
                    &self,
                    _: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    ::core::unreachable!()
                }
                fn load<__VmStateDecoder: #p::Decoder>(
                    &self,
                    _: &mut __VmStateDecoder,
                ) -> #p::Result<Self, #p::Error> {
                    ::core::unreachable!()
                }
                fn matches(&self, _: &Self) -> ::core::primitive::bool {
                    ::core::unreachable!()
                }
                fn commit(&mut self, _: &mut Self) {
                    ::core::unreachable!()
                }
            }

            #[automatically_derived]
            impl #impl_generics #p::Plain for #ident #ty_generics #where_clause {}
        };
    }
}

/// For a struct whose attributes have errors (reported apart): `VmState` and `Field` impls
/// that are never run, so that the struct's uses add no errors of their own.
pub fn fallback(input: &Input) -> TokenStream {
    let p = private_path();
    let import = private_import(&input.attrs);
    let ident = input.ident;
    let name = input.name();
    let rust_type = ident.unraw().to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // The field types are still checked, so that a type that cannot migrate is reported
    // with the attribute errors, not after they are fixed; fields with faulty attributes
    // are left out (what they meant is not known).
    let mut checked = input.generics.clone();
    let predicates = &mut checked.make_where_clause().predicates;
    predicates.extend(bounds::fields_bounds(input, &p, |f| !f.faulty.get()));
    let (checked_generics, checked_types, checked_where) = checked.split_for_impl();
    // A function's where clause has no `Self`: the struct's own `where Self: ...` names it.
    let checked_where = replace_self(
        checked_where.to_token_stream(),
        &quote!(#ident #checked_types),
    );
    // The hooks' paths too, but not of a generic struct: its hooks may live in an impl whose
    // bounds only the full expansion's (the field types') satisfy.
    let hook_paths = (input.generics.params.is_empty()).then(|| {
        let paths = hook_paths(input, &p);
        // A deprecated hook the user allows (or not) is the full expansion's to warn about.
        quote! {
            #[automatically_derived]
            #[allow(dead_code, deprecated)]
            impl #ident { #paths }
        }
    });
    quote! {
        #[doc(hidden)]
        const _: () = {
            #import
            fn __vmstate_field_types #checked_generics () #checked_where {}
            #hook_paths

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
                ) -> #p::Result<#p::Vec<Self>, #p::Error> {
                    ::core::unreachable!()
                }
            }
        };
    }
}

pub fn expand(input: &Input) -> TokenStream {
    let p = private_path();
    let import = private_import(&input.attrs);
    let ident = input.ident;
    let staged_ident = staged_ident(ident);
    let staged_label = format!("{} {{ .. }}", ident.unraw());

    let (generics, repeats) = bounded_generics(input, &p);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    // The struct's own `where Self: ...` is about the struct, not the staged one.
    let staged_where = replace_self(where_clause.to_token_stream(), &quote!(#ident #ty_generics));
    let element_where = element_where_clause(input, where_clause, &p);

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

    let save_stmts = input.fields.iter().map(|f| save_field(input, f, &p));
    let load_stmts = input.fields.iter().map(|f| load_field(input, f, &p));
    // The fields not read in place move to their places once all are read.
    let staged_moves: Vec<_> = wire
        .iter()
        .filter(|f| !loads_in_place(f))
        .map(|f| {
            let (name, local) = (on_type(f), staged_local(f));
            quote!(__vmstate_out.#name = #local;)
        })
        .collect();
    // (An immutable nested struct compares what the input carried, optional parts too.)
    let matches = wire.iter().map(|f| {
        let (compare, _) = compare_field(f, &p);
        if f.is_optional() {
            let (_, staged) = self_and_staged(f);
            let name = on_type(f);
            quote! {
                match &#staged.#name {
                    #p::Optional::Loaded(__vmstate_incoming) => #compare,
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
                if let #p::Optional::Loaded(__vmstate_incoming) = &#staged.#name {
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
    let nested_post_commit = nested_each(&wire, &p, quote!(post_commit), NestedCall::KeepGoing);
    let nested_pre_commit = nested_each(&wire, &p, quote!(pre_commit), NestedCall::StopAtError);
    let nested_check_committed =
        nested_each(&wire, &p, quote!(check_committed), NestedCall::Validating);
    let exists_rechecks = exists_rechecks(input, &wire, &p);
    let has_post_load = input.attrs.post_load.get().is_some();
    let LoadedVersion {
        fields: loaded_at,
        record: loaded_at_value,
        placeholder: loaded_at_none,
        toggle: committed_toggle,
        for_hooks: hooks_version,
    } = loaded_version(!exists_rechecks.is_empty(), has_post_load, &p);
    let validates = validates_const(input, !exists_rechecks.is_empty(), &wire, &p);
    let undo_copy = undo_copy_fn(input, &p);
    let (stage_kept_copies, restore_kept) = kept_copies_fns(&wire, &p);
    let after_commit = after_commit_const(input, &wire, &p);
    let container_hooks = container_hook_fns(input, &p, &|_| true);
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

    let trips = Trips {
        deprecated: input.deprecated,
        trait_twice: repeats.trait_twice,
        type_twice: repeats.type_twice,
    };
    let allows = lint_allows(&staged_ident, &wire, input.generics, &trips, &input.allows);
    let max_len_consts = input.fields.iter().filter_map(Field::max_len_const);

    quote! {
        #[doc(hidden)]
        #allows
        const _: () = {
            #import
            pub struct #staged_ident #impl_generics #staged_where {
                #(#staged_fields,)*
                #loaded_at
                __vmstate_marker: ::core::marker::PhantomData<fn() -> #ident #ty_generics>,
            }

            // For the mismatch error of an immutable nested struct; its fields' staged types
            // need not be `Debug`.
            #[automatically_derived]
            impl #impl_generics ::core::fmt::Debug for #staged_ident #ty_generics #staged_where {
                fn fmt(&self, __vmstate_f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::fmt::Formatter::write_str(__vmstate_f, #staged_label)
                }
            }

            #type_checks

            // The hooks are named and called here, outside the `Field` impl, where a path
            // like `Self::commit` could resolve to a `Field` method instead of the user's.
            #[automatically_derived]
            impl #impl_generics #ident #ty_generics #where_clause {
                #checks_const
                #(#max_len_consts)*

                #container_hooks
                #field_hooks
            }

            #[automatically_derived]
            impl #impl_generics #p::VmState for #ident #ty_generics #where_clause {
                const DESCRIPTION: &'static #p::Description = &#description;

                #[inline]
                fn load_version<__VmStateDecoder: #p::Decoder>(
                    &self,
                    __vmstate_d: &mut __VmStateDecoder,
                    __vmstate_version: ::core::primitive::u32,
                ) -> #p::Result<<Self as #p::Field>::Staged, #p::Error> {
                    let mut __vmstate_out = <Self as #p::Field>::placeholder();
                    <Self as #p::VmState>::load_version_into(
                        self,
                        __vmstate_d,
                        __vmstate_version,
                        &mut __vmstate_out,
                    )?;
                    #p::Ok(__vmstate_out)
                }

                #[inline]
                fn load_version_into<__VmStateDecoder: #p::Decoder>(
                    &self,
                    __vmstate_d: &mut __VmStateDecoder,
                    __vmstate_version: ::core::primitive::u32,
                    __vmstate_out: &mut <Self as #p::Field>::Staged,
                ) -> #p::Result<(), #p::Error> {
                    #run_checks
                    let _ = __vmstate_version;
                    #(#load_stmts)*
                    #subsections_load
                    #(#staged_moves)*
                    #loaded_at_value
                    #p::Ok(())
                }
            }

            // A `Vec` or `Box<[T]>` of this struct builds new elements from `Default`.
            #[automatically_derived]
            impl #impl_generics #p::Element for #ident #ty_generics #element_where {
                const MIN_WIRE_BYTES: ::core::primitive::usize = 0;
                fn save_elements<__VmStateEncoder: #p::Encoder>(
                    __vmstate_items: &[Self],
                    __vmstate_e: &mut __VmStateEncoder,
                ) -> #p::Result<(), #p::Error> {
                    #p::save_struct_elements(__vmstate_items, __vmstate_e)
                }
                fn load_elements<__VmStateDecoder: #p::Decoder>(
                    __vmstate_len: ::core::primitive::usize,
                    __vmstate_d: &mut __VmStateDecoder,
                ) -> #p::Result<#p::Vec<Self>, #p::Error> {
                    #p::load_struct_elements(__vmstate_len, __vmstate_d)
                }
                fn undo_copy_elements(__vmstate_items: &[Self]) -> #p::Option<#p::Vec<Self>> {
                    ::core::iter::Iterator::collect(::core::iter::Iterator::map(
                        <[Self]>::iter(__vmstate_items),
                        <Self as #p::Field>::undo_copy,
                    ))
                }
            }

            #[automatically_derived]
            impl #impl_generics #p::Field for #ident #ty_generics #where_clause {
                const SHAPE: #p::Shape = #p::Shape::Struct(<Self as #p::VmState>::DESCRIPTION);
                type Staged = #staged_ident #ty_generics;

                fn placeholder() -> <Self as #p::Field>::Staged {
                    #staged_ident { #placeholders2 #loaded_at_none __vmstate_marker: ::core::marker::PhantomData }
                }

                #[inline]
                fn save<__VmStateEncoder: #p::Encoder>(&self, __vmstate_e: &mut __VmStateEncoder) -> #p::Result<(), #p::Error> {
                    #run_checks
                    Self::__vmstate_pre_save(self)?;
                    #(#save_stmts)*
                    #subsections_save
                    #p::Ok(())
                }

                #[inline]
                fn load<__VmStateDecoder: #p::Decoder>(&self, __vmstate_d: &mut __VmStateDecoder) -> #p::Result<<Self as #p::Field>::Staged, #p::Error> {
                    <Self as #p::VmState>::load_version(
                        self,
                        __vmstate_d,
                        <Self as #p::VmState>::DESCRIPTION.version,
                    )
                }

                #[inline]
                fn load_into<__VmStateDecoder: #p::Decoder>(
                    &self,
                    __vmstate_d: &mut __VmStateDecoder,
                    __vmstate_out: &mut <Self as #p::Field>::Staged,
                ) -> #p::Result<(), #p::Error> {
                    <Self as #p::VmState>::load_version_into(
                        self,
                        __vmstate_d,
                        <Self as #p::VmState>::DESCRIPTION.version,
                        __vmstate_out,
                    )
                }

                fn matches(&self, __vmstate_staged: &<Self as #p::Field>::Staged) -> ::core::primitive::bool {
                    let _ = __vmstate_staged;
                    true #(&& #matches)*
                }

                fn difference(&self, __vmstate_staged: &<Self as #p::Field>::Staged) -> #p::Difference {
                    let _ = __vmstate_staged;
                    #(#differences)*
                    #p::Difference::unprintable()
                }

                #[inline]
                fn commit(&mut self, __vmstate_staged: &mut <Self as #p::Field>::Staged) {
                    let _ = __vmstate_staged;
                    #(#commits)*
                    #committed_toggle
                }

                #[inline]
                fn pre_commit(&mut self, __vmstate_staged: &<Self as #p::Field>::Staged) -> #p::Result<(), #p::Error> {
                    let _ = __vmstate_staged;
                    Self::__vmstate_pre_load(self)?;
                    #nested_pre_commit
                    #p::Ok(())
                }

                const VALIDATES: ::core::primitive::bool = #validates;

                fn check_committed(&self, __vmstate_staged: &<Self as #p::Field>::Staged) -> #p::Result<(), #p::Error> {
                    let _ = __vmstate_staged;
                    #nested_check_committed
                    #(#exists_rechecks)*
                    Self::__vmstate_validate(self)
                }

                #[inline]
                fn post_commit(&mut self, __vmstate_staged: &<Self as #p::Field>::Staged) -> #p::Result<(), #p::Error> {
                    let _ = __vmstate_staged;
                    // Every step runs, the first error is returned: see `call_hook_keeping_first_error`.
                    let mut __vmstate_result: #p::Result<(), #p::Error> = #p::Ok(());
                    #nested_post_commit
                    #p::keep_first(&mut __vmstate_result, Self::__vmstate_load_hooks(self, #hooks_version));
                    __vmstate_result
                }

                #undo_copy

                const AFTER_COMMIT: ::core::primitive::bool = #after_commit;

                #[inline]
                fn stage_kept_copies(&self, __vmstate_staged: &mut <Self as #p::Field>::Staged) {
                    let _ = __vmstate_staged;
                    #stage_kept_copies
                }

                #[inline]
                fn restore_kept(&mut self, __vmstate_staged: &mut <Self as #p::Field>::Staged) {
                    let _ = __vmstate_staged;
                    #restore_kept
                }
            }
        };
    }
}

/// For the fields behind an `exists` test: the staged struct's field holding the version
/// they were loaded at (`None` in a placeholder), and the checks, on the committed state,
/// that each test still gives the answer the load used. The load asked the test about the
/// destination before the load; QEMU's `field_exists` sees the fields read so far. A test
/// that reads migrated fields can answer otherwise on the loaded state, and the fields
/// behind it were then read wrongly: the load fails rather than keep them.
fn exists_rechecks(input: &Input, wire: &[&Field], p: &TokenStream) -> Vec<TokenStream> {
    wire.iter()
        .filter(|f| f.role() == Role::Migrated && f.attrs.exists.get().is_some())
        .map(|f| {
            let (name, name_str) = (on_type(f), f.name());
            let test = f.attrs.exists.get().map(|h| h.value.text.clone());
            let present = codec::presence(input, f, p);
            quote! {
                if let #p::Some(__vmstate_version) = __vmstate_staged.__vmstate_loaded_at {
                    let __vmstate_read = #p::Optional::is_loaded(&__vmstate_staged.#name);
                    if __vmstate_read != (#present) {
                        return #p::Err(#p::exists_changed(#test, __vmstate_read).in_field(#name_str));
                    }
                }
            }
        })
        .collect()
}

/// What a staged struct keeps of the version it was loaded at, and the code around it.
struct LoadedVersion {
    /// The staged struct's fields: `__vmstate_loaded_at`, the version a decode read (for
    /// the `exists` rechecks and `post_load`); `__vmstate_input_committed`, whether the
    /// value holds the input rather than its previous state (for `post_load`).
    fields: TokenStream,
    /// At the end of a decode: records the version.
    record: TokenStream,
    /// The fields' values in a placeholder.
    placeholder: TokenStream,
    /// In `commit`: each commit swaps the input in or out.
    toggle: TokenStream,
    /// In `post_commit`: the version the hooks receive.
    for_hooks: TokenStream,
}

/// [`LoadedVersion`]: the version is kept where the `exists` tests are asked again
/// (`rechecks`) or a `post_load` hook may take it. The hooks receive the loaded version when
/// the value holds the input, and the description's own otherwise: a value a `default`
/// supplied (its staged struct is a placeholder), or the previous state put back by an undone
/// commit (the second swap).
fn loaded_version(rechecks: bool, post_load: bool, p: &TokenStream) -> LoadedVersion {
    let own = quote!(<Self as #p::VmState>::DESCRIPTION.version);
    if !rechecks && !post_load {
        return LoadedVersion {
            fields: quote!(),
            record: quote!(),
            placeholder: quote!(),
            toggle: quote!(),
            for_hooks: own,
        };
    }
    let mut fields = quote!(__vmstate_loaded_at: #p::Option<::core::primitive::u32>,);
    let record = quote!(__vmstate_out.__vmstate_loaded_at = #p::Some(__vmstate_version););
    let mut placeholder = quote!(__vmstate_loaded_at: #p::None,);
    if !post_load {
        return LoadedVersion {
            fields,
            record,
            placeholder,
            toggle: quote!(),
            for_hooks: own,
        };
    }
    fields.extend(quote!(__vmstate_input_committed: ::core::primitive::bool,));
    placeholder.extend(quote!(__vmstate_input_committed: false,));
    LoadedVersion {
        fields,
        record: quote!(#record __vmstate_out.__vmstate_input_committed = false;),
        placeholder,
        toggle: quote! {
            __vmstate_staged.__vmstate_input_committed = !__vmstate_staged.__vmstate_input_committed;
        },
        for_hooks: quote! {
            match (__vmstate_staged.__vmstate_input_committed, __vmstate_staged.__vmstate_loaded_at) {
                (true, #p::Some(__vmstate_loaded)) => __vmstate_loaded,
                _ => #own,
            }
        },
    }
}

/// `Field::undo_copy` of a struct whose fields all travel and that needs no drop: a copy
/// made of its fields' copies (none when one cannot copy itself). A struct with a skipped or
/// derived field, whose type need not migrate, keeps the default (no copy).
fn undo_copy_fn(input: &Input, p: &TokenStream) -> TokenStream {
    let copyable = |f: &&Field| {
        matches!(
            f.role(),
            Role::Migrated | Role::Immutable | Role::Subsection
        )
    };
    if !input.fields.iter().all(|f| copyable(&f)) {
        return TokenStream::new();
    }
    let copies = input.fields.iter().map(|f| {
        let name = f.ident;
        // Primitives and arrays of them are `Copy`: copied as such (less to type-check).
        if crate::ast::is_simple(f.ty) {
            return quote!(#name: self.#name);
        }
        let value = value_trait(f, p);
        quote!(#name: #value::undo_copy(&self.#name)?)
    });
    quote! {
        fn undo_copy(&self) -> #p::Option<Self> {
            // A copy of a value that owns memory or other resources would be dropped, or
            // dropped in its place, on the undo: its `Drop` could act on what it refers to.
            if ::core::mem::needs_drop::<Self>() {
                return #p::None;
            }
            #p::Some(Self { #(#copies,)* })
        }
    }
}

/// The bodies of `Field::stage_kept_copies` and `Field::restore_kept`: a field the input
/// lacked is staged as a copy of the destination's value where its type can copy itself, and
/// put back when the commit is undone; nested structs do the same inside.
fn kept_copies_fns(wire: &[&Field], p: &TokenStream) -> (TokenStream, TokenStream) {
    let (mut stage, mut restore) = (Vec::new(), Vec::new());
    for f in wire {
        let name = f.ident;
        let nested = f.may_nest();
        let field = field_trait(f.ty, p);
        if !f.is_optional() {
            if nested {
                stage.push(
                    quote!(#field::stage_kept_copies(&self.#name, &mut __vmstate_staged.#name);),
                );
                restore.push(
                    quote!(#field::restore_kept(&mut self.#name, &mut __vmstate_staged.#name);),
                );
            }
            continue;
        }
        let copy = value_trait(f, p);
        let (stage_inside, restore_inside) = match nested {
            true => (
                quote! {
                    else if let #p::Optional::Loaded(__vmstate_s) = &mut __vmstate_staged.#name {
                        #field::stage_kept_copies(&self.#name, __vmstate_s);
                    }
                },
                quote! {
                    else if let #p::Optional::Loaded(__vmstate_s) = &mut __vmstate_staged.#name {
                        #field::restore_kept(&mut self.#name, __vmstate_s);
                    }
                },
            ),
            false => (TokenStream::new(), TokenStream::new()),
        };
        stage.push(quote! {
            if let #p::Optional::Keep = __vmstate_staged.#name {
                if let #p::Some(__vmstate_copy) = #copy::undo_copy(&self.#name) {
                    __vmstate_staged.#name = #p::Optional::KeptCopy(__vmstate_copy);
                }
            } #stage_inside
        });
        restore.push(quote! {
            if let #p::Optional::KeptCopy(__vmstate_copy) = &mut __vmstate_staged.#name {
                #p::swap(&mut self.#name, __vmstate_copy);
            } #restore_inside
        });
    }
    (quote!(#(#stage)*), quote!(#(#restore)*))
}
