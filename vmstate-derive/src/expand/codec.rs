//! Per-field code of the `Field` and `VmState` impls: the staged struct's field types, the
//! save and load of each field and subsection, the comparison of a field with its staged value,
//! and the calls of a nested field's commit steps.

use super::hooks::{hook_fn, validators};
use super::tokens::{
    bounded_trait, count_parts, field_trait, generated_name, loads_in_place, on_type,
    self_and_staged, staged_local, staged_value,
};
use crate::ast::{Field, Input, Role};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// An immutable comparison of a field of `self` with its staged counterpart (`__vmstate_incoming`
/// for an optional one, bound by the caller): whether they are the same, and where they
/// differ (a `Difference`).
pub(super) fn compare_field(f: &Field, p: &TokenStream) -> (TokenStream, TokenStream) {
    let name = on_type(f);
    let (_, staged) = self_and_staged(f);
    let incoming = if f.is_optional() {
        quote!(__vmstate_incoming)
    } else {
        quote!(&#staged.#name)
    };
    compare_with(f, p, incoming)
}

/// [`compare_field`] against `incoming`, a reference to a staged value.
fn compare_with(f: &Field, p: &TokenStream, incoming: TokenStream) -> (TokenStream, TokenStream) {
    let name = on_type(f);
    let (this, _) = self_and_staged(f);
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

pub(super) fn staged_type(f: &Field, p: &TokenStream) -> TokenStream {
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

/// Writes one field: migrated ones always, immutable ones where the format carries them.
pub(super) fn save_field(input: &Input, f: &Field, p: &TokenStream) -> TokenStream {
    let name = f.ident;
    let name_str = f.name();
    let save = match (f.max_len(), count_field_at(input, f)) {
        (Some(max), Some((source, span))) => {
            let ((pp, ty), current) = (count_parts(p, span, source), self_field(span, source));
            let count = quote_spanned!(span=> <#ty as #pp::Count>::count(&#current));
            let source = source.name();
            quote!(#p::save_counted(&self.#name, #count, #source, #max, __vmstate_e))
        }
        (Some(max), None) => {
            let bounded = bounded_trait(f.ty, p);
            quote!(#bounded::save_bounded(&self.#name, #max, __vmstate_e))
        }
        (None, _) => {
            let field = field_trait(f.ty, p);
            quote!(#field::save(&self.#name, __vmstate_e))
        }
    };
    let stmt = quote!(#p::in_field(#save, #name_str)?;);
    match f.role() {
        Role::Migrated if f.attrs.exists.get().is_some() => {
            let exists = hook_fn(f, "exists");
            quote!(if Self::#exists(self, <Self as #p::VmState>::DESCRIPTION.version) { #stmt })
        }
        Role::Migrated if f.attrs.exists_if.get().is_some() => {
            let present = super::exists_if::on_save(input, f);
            quote!(if #present { #stmt })
        }
        Role::Migrated => stmt,
        Role::Immutable => {
            quote!(if <__VmStateEncoder as #p::Encoder>::CARRIES_IMMUTABLE { #stmt })
        }
        _ => quote!(),
    }
}

/// Reads one field into a local of the same name; an immutable one is compared and dropped.
pub(super) fn load_field(input: &Input, f: &Field, p: &TokenStream) -> TokenStream {
    let name = f.ident;
    let name_str = f.name();
    let load = match (f.max_len(), loaded_count(input, f, p)) {
        (Some(max), Some((count, source))) => {
            let ty = f.ty;
            quote!(#p::load_counted::<#ty, _>(#count, #source, #max, __vmstate_d))
        }
        (Some(max), None) => {
            let bounded = bounded_trait(f.ty, p);
            quote!(#bounded::load_bounded(#max, __vmstate_d))
        }
        (None, _) => {
            let field = field_trait(f.ty, p);
            quote!(#field::load(&self.#name, __vmstate_d))
        }
    };
    if loads_in_place(f) {
        let field = field_trait(f.ty, p);
        let place = staged_value(f);
        let (validators, equal) = (validators(f, p), equal_check(f, p));
        return quote! {{
            let __vmstate_at = #p::Decoder::offset(__vmstate_d);
            #p::in_field(#field::load_into(&self.#name, __vmstate_d, &mut #place), #name_str)?;
            let __vmstate_value = &#place;
            #validators
            #equal
        }};
    }
    let load = quote!(#p::in_field(#load, #name_str)?);
    match f.role() {
        Role::Migrated => {
            let local = staged_local(f);
            let validators = validators(f, p);
            let equal = equal_check(f, p);
            let load = quote! {{
                let __vmstate_at = #p::Decoder::offset(__vmstate_d);
                let __vmstate_value = #load;
                #validators
                #equal
                __vmstate_value
            }};
            if !f.is_optional() {
                return quote!(let #local = #load;);
            }
            let present = presence(input, f, p);
            let absent = absent_value(input, f, p);
            quote! {
                let #local = if #present {
                    #p::Optional::Loaded(#load)
                } else {
                    #absent
                };
            }
        }
        Role::Subsection => {
            let local = staged_local(f);
            quote!(let mut #local = #p::Optional::Keep;)
        }
        Role::Immutable => {
            // The where clause requires `Debug` of both; on the type all the same. The error
            // is named down to the part that differs (`cfg.base`, `ids[2]`).
            let [incoming, this, at] = ["__vmstate_incoming", "self", "__vmstate_at"]
                .map(|n| generated_name(f.ty.span(), n));
            let check = match f.max_len() {
                // Compared where it lies in the input: nothing is allocated unless it differs.
                Some(max) => {
                    let bounded = bounded_trait(f.ty, p);
                    let mismatch = quote_spanned! {f.ty.span()=>
                        #bounded::difference(&#this.#name, &#incoming)
                            .into_error(&#incoming, &#this.#name, #at)
                    };
                    quote! {
                        if let #p::Some(__vmstate_incoming) =
                            #bounded::load_if_different(&self.#name, #max, __vmstate_d)
                                .map_err(|__vmstate_e| __vmstate_e.in_field(#name_str))?
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
                        let __vmstate_incoming = #load;
                        if !#field::matches(&self.#name, &__vmstate_incoming) {
                            return #p::Err(#mismatch.in_field(#name_str));
                        }
                    }
                }
            };
            quote! {
                if <__VmStateDecoder as #p::Decoder>::CARRIES_IMMUTABLE {
                    let __vmstate_at = #p::Decoder::offset(__vmstate_d);
                    #check
                }
            }
        }
        _ => quote!(),
    }
}

/// For an `equal` field: refuses a loaded value (`__vmstate_value`, read at `__vmstate_at`)
/// other than the destination's, naming the part that differs as an immutable field does
/// (`ErrorKind::EqualMismatch`).
fn equal_check(f: &Field, p: &TokenStream) -> TokenStream {
    if f.attrs.equal.get().is_none() {
        return quote!();
    }
    let (name, name_str, span) = (on_type(f), f.name(), f.ty.span());
    let [value, this, at] =
        ["__vmstate_value", "self", "__vmstate_at"].map(|n| generated_name(span, n));
    let (same, difference) = compare_with(f, p, quote!(&#value));
    let mismatch = quote_spanned! {span=>
        #difference.into_equal_error(&#value, &#this.#name, #at)
    };
    quote! {
        if !#same {
            return #p::Err(#mismatch.in_field(#name_str));
        }
    }
}

/// The field holding `f`'s length (`len = "..."`), with the `len` literal's span.
fn count_field_at<'a>(input: &'a Input, f: &Field) -> Option<(&'a Field<'a>, proc_macro2::Span)> {
    let span = f.attrs.len.get()?.span;
    input.count_field(f).map(|source| (source, span))
}

/// For a sequence whose length another field holds: that length as a load has it (the
/// staged value of a field decoded before, else the destination's), and the field's name.
fn loaded_count(input: &Input, f: &Field, p: &TokenStream) -> Option<(TokenStream, String)> {
    let (source, span) = count_field_at(input, f)?;
    let (staged, current) = (staged_value(source), self_field(span, source));
    let (p, ty) = count_parts(p, span, source);
    let value = match source.role() {
        Role::Migrated if source.is_optional() => {
            quote_spanned!(span=> #p::optional_count::<#ty>(&#staged, &#current))
        }
        Role::Migrated => quote_spanned!(span=> <#ty as #p::WireCount>::staged_count(&#staged)),
        _ => quote_spanned!(span=> <#ty as #p::Count>::count(&#current)),
    };
    Some((value, source.name()))
}

/// `self.<field>` in code spanned on `span`.
fn self_field(span: proc_macro2::Span, f: &Field) -> TokenStream {
    let (this, ident) = (generated_name(span, "self"), f.ident);
    quote!(#this.#ident)
}

/// How [`nested_each`] calls a nested field's method.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum NestedCall {
    /// On `&self`, for types that validate (`check_committed`); stops at the first error.
    Validating,
    /// With it; stops at the first error.
    StopAtError,
    /// With it; keeps the first error in `__vmstate_result` and goes on (`post_commit`).
    KeepGoing,
}

/// Calls `method` (`post_commit`, `pre_commit`, `check_committed`) with the staged value on
/// every nested field; an optional one only when the input carried it, except that
/// `post_commit` and `check_committed` also run on a value its `default` replaced (a fresh
/// value's checks, derived fields and `post_load` run as a loaded one's do). A subsection
/// the input lacked keeps its value, unchecked.
pub(super) fn nested_each(
    wire: &[&Field],
    p: &TokenStream,
    method: TokenStream,
    how: NestedCall,
) -> TokenStream {
    // Primitives and arrays of them have no hooks: no code for them (less to type-check).
    let nested = wire.iter().filter(|f| f.may_nest());
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
                quote!(#p::keep_first(&mut __vmstate_result, #p::in_field(#call, #name_str));)
            }
            _ => quote!(#p::in_field(#call, #name_str)?;),
        };
        let call = if f.is_optional() {
            let call = handle(quote!(#field::#method(#this, __vmstate_s)));
            let replaced = (how != NestedCall::StopAtError).then(|| {
                let call = handle(quote!(#field::#method(#this, &#field::placeholder())));
                quote!(#p::Optional::Replace(_) => { #call })
            });
            quote! {
                match &__vmstate_staged.#name {
                    #p::Optional::Loaded(__vmstate_s) => { #call }
                    #replaced
                    _ => {}
                }
            }
        } else {
            handle(quote!(#field::#method(#this, &__vmstate_staged.#name)))
        };
        match how {
            NestedCall::Validating => quote!(if #field::VALIDATES { #call }),
            _ => call,
        }
    });
    quote!(#(#calls)*)
}

/// The staged value of a field the input lacks: its `default` (held to the field's own
/// `max_len`, `len`, `validate` and `range`, as a loaded value is), or the destination's
/// (held to its `len`: the count may have loaded while the sequence did not), of which the
/// commit takes a copy after `pre_load` (`Field::stage_kept_copies`).
fn absent_value(input: &Input, f: &Field, p: &TokenStream) -> TokenStream {
    let Some(h) = f.attrs.default.get() else {
        let Some((count, source)) = loaded_count(input, f, p) else {
            return quote!(#p::Optional::Keep);
        };
        let (name, name_str, bounded) = (f.ident, f.name(), bounded_trait(f.ty, p));
        return quote! {{
            #p::in_field(
                #p::check_kept_count(
                    #bounded::items_len(&self.#name), #count, #source, __vmstate_d,
                ),
                #name_str,
            )?;
            #p::Optional::Keep
        }};
    };
    let default = hook_fn(f, "default");
    let (text, name_str) = (&h.value.text, f.name());
    // By the trait's path, as every call of the generated code: a method call would find a
    // trait of the user's in scope first (a blanket `len`).
    let bounded = bounded_trait(f.ty, p);
    let length = f
        .max_len()
        .map(|max| quote!(#p::check_len(#bounded::items_len(&__vmstate_value), #max)));
    let count = loaded_count(input, f, p).map(|(count, source)| {
        quote!(#p::check_count(#bounded::items_len(&__vmstate_value), #count, #source))
    });
    let length = length.into_iter().chain(count);
    let checked = f.attrs.validate.get().is_some() || f.attrs.range.get().is_some();
    let validators = checked.then(|| {
        let check = hook_fn(f, "validate");
        quote!(Self::#check(&__vmstate_value, #p::Decoder::offset(__vmstate_d)))
    });
    let checks = length.chain(validators);
    quote! {{
        let __vmstate_value = Self::#default();
        #(
            if let #p::Err(__vmstate_e) = #checks {
                return #p::Err(#p::default_refused(#text, __vmstate_e).in_field(#name_str));
            }
        )*
        #p::Optional::Replace(__vmstate_value)
    }}
}

/// Writes the needed subsections after the fields.
pub(super) fn subsections_save(input: &Input, p: &TokenStream) -> TokenStream {
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
                    let __vmstate_sub = <#ty as #p::VmState>::DESCRIPTION;
                    #p::write_subsection_header(__vmstate_e, __vmstate_sub.name, __vmstate_sub.version);
                    #p::in_field(<#ty as #p::Field>::save(&self.#name, __vmstate_e), #name_str)?;
                }
            }
        });
    quote! {
        #(#subs)*
        #p::end_subsections(__vmstate_e);
    }
}

/// Whether a migrated field behind `since`, `exists` or `exists_if` is in the input, as an
/// expression over `self` (the destination), `__vmstate_version` (the stream's version) and
/// the fields read so far (`exists_if`).
pub(super) fn presence(input: &Input, f: &Field, p: &TokenStream) -> TokenStream {
    let mut present = Vec::new();
    if let Some(since) = f.attrs.since.get() {
        let since = since.value;
        present.push(quote!(__vmstate_version >= #since));
    }
    if f.attrs.exists.get().is_some() {
        let exists = hook_fn(f, "exists");
        present.push(quote!(Self::#exists(self, __vmstate_version)));
    }
    present.extend(super::exists_if::on_load(input, f, p));
    quote!(true #(&& #present)*)
}

/// Reads the subsections after the fields: each known one by name, with its own version; an
/// unknown one with this struct's prefix is an error; one without the prefix belongs to an
/// enclosing struct and ends the loop (QEMU's rules).
pub(super) fn subsections_load(input: &Input, p: &TokenStream) -> TokenStream {
    let subs: Vec<&Field> = input
        .fields
        .iter()
        .filter(|f| f.role() == Role::Subsection)
        .collect();
    let branches = subs.iter().map(|f| {
        let (ty, local) = (f.ty, staged_local(f));
        let name_str = f.name();
        let name = f.ident;
        quote! {
            if __vmstate_name == <#ty as #p::VmState>::DESCRIPTION.name {
                #p::check_subsection_version(
                    <#ty as #p::VmState>::DESCRIPTION,
                    __vmstate_sub_version,
                    __vmstate_at,
                    #name_str,
                )?;
                #p::first_copy::<__VmStateDecoder, _, _>(&#local, &__vmstate_name, __vmstate_at)?;
                #local = #p::Optional::Loaded(
                    <#ty as #p::VmState>::load_version(&self.#name, __vmstate_d, __vmstate_sub_version)
                        .map_err(|__vmstate_e| __vmstate_e.in_field(#name_str))?,
                );
            } else
        }
    });
    let defaults = subs
        .iter()
        .filter(|f| f.attrs.default.get().is_some())
        .map(|f| {
            let local = staged_local(f);
            let absent = absent_value(input, f, p);
            quote!(if let #p::Optional::Keep = #local { #local = #absent; })
        });
    quote! {
        while let #p::Some((__vmstate_name, __vmstate_sub_version, __vmstate_at)) =
            #p::subsection_header_of(__vmstate_d, <Self as #p::VmState>::DESCRIPTION)?
        {
            let _ = __vmstate_sub_version;
            #(#branches)* {
                return #p::Err(#p::unknown_subsection(__vmstate_name, __vmstate_at));
            }
        }
        #(#defaults)*
    }
}
