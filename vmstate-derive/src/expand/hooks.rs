//! Calls of the user's hooks: the container hooks and derived functions run around a load, and
//! the inherent functions that wrap each field-level hook (`exists`, `needed`, `default`,
//! `validate`, `range`), each coerced to its expected type on the attribute string.

use super::tokens::{field_trait, generated_name, private_at, respan};
use crate::ast::{array_element, Field, Input};
use crate::attr::Hook;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;

/// A call of a hook named in an attribute string, coerced to `fn(&Self)` (`mutable`:
/// `fn(&mut Self)`) so a missing function or a wrong signature is reported on the string,
/// with the expected type on the key (`post_load`, `derived`, ...).
pub(super) fn call_hook(
    hook: &Hook,
    key: (&str, Span),
    mutable: bool,
    p: &TokenStream,
) -> TokenStream {
    hook_call(hook, key, mutable, p, false)
}

/// [`call_hook`] for the steps after a commit: the hook's error is kept in `__vmstate_result` (the
/// first one wins) and the next steps still run, so that derived state is recomputed in
/// full, also when a load is undone.
fn call_hook_keeping_first_error(hook: &Hook, key: (&str, Span), p: &TokenStream) -> TokenStream {
    hook_call(hook, key, true, p, true)
}

/// The call of a hook: its error returned (`?`), or kept in `__vmstate_result` (`keep_going`).
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
    let p = private_at(p, span);
    // The hook's local keeps the literal's span, so the call's span (on which a wrong return
    // type is reported) is the literal's.
    let [this, result] = ["self", "__vmstate_result"].map(|n| generated_name(span, n));
    let call = quote_spanned!(span=> #p::hook(#text, __vmstate_hook(#this)));
    let handled = if keep_going {
        quote_spanned!(span=> #p::keep_first(&mut #result, #call);)
    } else {
        quote_spanned!(span=> #call?;)
    };
    quote_spanned! {span=>
        {
            let __vmstate_hook: #fn_ty = #path;
            #handled
        }
    }
}

/// The inherent functions that call the container's hooks and the derived functions, each
/// hook coerced to its type on its string: `__vmstate_pre_save`, `__vmstate_load_hooks` (the
/// derived functions, then `post_load`), `__vmstate_pre_load`, `__vmstate_validate`. Only the
/// hooks `keep` takes are called (all but where the derive reported an error).
pub(super) fn container_hook_fns(
    input: &Input,
    p: &TokenStream,
    keep: &dyn Fn(&Hook) -> bool,
) -> TokenStream {
    let attrs = &input.attrs;
    let kept = |slot| kept(slot, keep);
    let pre_save =
        kept(&attrs.pre_save).map(|h| call_hook(&h.value, ("pre_save", h.key), false, p));
    let pre_load = kept(&attrs.pre_load).map(|h| call_hook(&h.value, ("pre_load", h.key), true, p));
    let load_hooks = load_hooks(input, p, keep);
    let validate = kept(&attrs.validate).map(|h| {
        let fn_ty = quote_spanned!(h.key=> fn(&Self) -> _);
        let path = &h.value.path;
        let text = &h.value.text;
        // On the string, so a return type that is not `HookOutput` is reported there only.
        let p = private_at(p, h.value.span);
        // The local keeps the literal's span, so the call's span is the literal's.
        let this = generated_name(h.value.span, "self");
        quote_spanned! {h.value.span=> {
            let __vmstate_check: #fn_ty = #path;
            #p::validation(#text, __vmstate_check(#this), #p::None)?;
        }}
    });
    quote! {
        #[doc(hidden)]
        #[inline]
        fn __vmstate_pre_save(&self) -> #p::Result<(), #p::Error> {
            #pre_save
            #p::Ok(())
        }

        #[doc(hidden)]
        #[inline]
        fn __vmstate_load_hooks(
            &mut self,
            __vmstate_version: ::core::primitive::u32,
        ) -> #p::Result<(), #p::Error> {
            let _ = __vmstate_version;
            let mut __vmstate_result: #p::Result<(), #p::Error> = #p::Ok(());
            #load_hooks
            __vmstate_result
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
    }
}

/// The hook `slot` holds, if `keep` takes it.
fn kept<'a>(
    slot: &'a crate::attr::Slot<Hook>,
    keep: &dyn Fn(&Hook) -> bool,
) -> Option<&'a crate::attr::Spanned<Hook>> {
    slot.get().filter(|h| keep(&h.value))
}

/// For a struct whose attributes have errors ([`super::fallback`]): the hooks' paths, each
/// coerced on its string as in the full expansion (the field-level ones of the fields
/// without errors, whose types the derive took), so that a wrong signature, or a method the
/// type lacks (`Self::f`), is reported with the attribute errors rather than after they are
/// fixed. (A free function that does not exist is not: rustc reports no unresolved names in
/// a crate where a macro expanded to `compile_error!`.) Never called.
pub(super) fn hook_paths(input: &Input, p: &TokenStream) -> TokenStream {
    // Not a name the derive refused (reported on the string already), nor a bare `default`,
    // whose type only the field's gives.
    let own = input.ident.unraw().to_string();
    let keep = |h: &Hook| {
        crate::check::refused_hook_name(h, &own).is_none() && h.text != crate::attr::TYPE_DEFAULT
    };
    let container = container_hook_fns(input, p, &keep);
    let kept = |slot| kept(slot, &keep);
    let mut fields = Vec::new();
    for f in input.fields.iter().filter(|f| !f.faulty.get()) {
        let a = &f.attrs;
        if let Some(h) = kept(&a.exists) {
            let (path, span) = (&h.value.path, h.value.span);
            let p = private_at(p, span);
            let this = generated_name(span, "self");
            fields.push(quote_spanned! {span=>
                let _ = #p::field_exists::<Self, _, _>(#path, #this, 0);
            });
        }
        if let Some(h) = kept(&a.needed) {
            let path = &h.value.path;
            let fn_ty = quote_spanned!(h.key=> fn(&Self) -> ::core::primitive::bool);
            fields.push(quote_spanned!(h.value.span=> let _: #fn_ty = #path;));
        }
        // Typed as the field, which a generic function's type parameters are inferred from.
        let ty = f.ty;
        if let Some(h) = kept(&a.default) {
            let path = &h.value.path;
            let ret = respan(&ty.to_token_stream(), h.key);
            let fn_ty = quote_spanned!(h.key=> fn() -> #ret);
            fields.push(quote_spanned!(h.value.span=> let _: #fn_ty = #path;));
        }
        if let Some(h) = kept(&a.validate) {
            let path = &h.value.path;
            let arg = respan(&ty.to_token_stream(), h.key);
            let p = private_at(p, h.value.span);
            fields.push(quote_spanned! {h.value.span=>
                let _ = |__vmstate_value: &#ty| #p::validate_field::<#arg, _, _>(#path, __vmstate_value);
            });
        }
    }
    quote! {
        #container

        #[doc(hidden)]
        fn __vmstate_field_hook_paths(&self) {
            #(#fields)*
        }
    }
}

/// The call of a `post_load` hook, `fn(&mut Self)` or `fn(&mut Self, u32)` (the loaded
/// version, in `__vmstate_version`): told apart by `PostLoadFn`, whose error lands on the
/// string. Its error is kept as [`call_hook_keeping_first_error`] keeps one.
fn call_post_load(hook: &Hook, p: &TokenStream) -> TokenStream {
    let path = &hook.path;
    let text = &hook.text;
    let span: Span = hook.span;
    let p = private_at(p, span);
    let [this, result, version] =
        ["self", "__vmstate_result", "__vmstate_version"].map(|n| generated_name(span, n));
    quote_spanned! {span=>
        #p::keep_first(&mut #result, #p::hook(#text, #p::post_load::<Self, _, _>(#path, #this, #version)));
    }
}

/// `Field::VALIDATES`: a container `validate`, or an `exists` test checked again on the
/// committed state (`rechecks_exists`), here or in any nested struct.
pub(super) fn validates_const(
    input: &Input,
    rechecks_exists: bool,
    wire: &[&Field],
    p: &TokenStream,
) -> TokenStream {
    here_or_nested(
        input.attrs.validate.get().is_some() || rechecks_exists,
        wire,
        p,
        quote!(VALIDATES),
    )
}

/// `Field::AFTER_COMMIT`: derived functions or a `post_load` here or in any nested struct.
pub(super) fn after_commit_const(input: &Input, wire: &[&Field], p: &TokenStream) -> TokenStream {
    let own = input.attrs.post_load.get().is_some()
        || input
            .fields
            .iter()
            .any(|f| f.attrs.derived.get().is_some() || f.attrs.derives.get().is_some());
    here_or_nested(own, wire, p, quote!(AFTER_COMMIT))
}

/// A `bool` constant of `Field` that holds when `own` does or when it holds for a field's
/// type that may nest.
fn here_or_nested(own: bool, wire: &[&Field], p: &TokenStream, name: TokenStream) -> TokenStream {
    let nested = wire.iter().filter(|f| f.may_nest()).map(|f| {
        let field = field_trait(f.ty, p);
        quote!(#field::#name)
    });
    quote!(#own #(|| #nested)*)
}

/// The inherent function that wraps a field's `kind` hook (`exists`, `needed`, `default`,
/// `validate`). Named by the field's position, not its name: rustc suggests similarly named
/// functions when a hook path is wrong, and `__vmstate_default_reload` would be offered for a
/// missing `Self::default_reload`.
pub(super) fn hook_fn(f: &Field, kind: &str) -> syn::Ident {
    format_ident!("__vmstate_{}_{}", kind, f.index)
}

/// The checks of a field's loaded value (`validate`, `range`), on `__vmstate_value` at `__vmstate_at`.
pub(super) fn validators(f: &Field, p: &TokenStream) -> TokenStream {
    if f.attrs.validate.get().is_none() && f.attrs.range.get().is_none() {
        return quote!();
    }
    let check = hook_fn(f, "validate");
    let name_str = f.name();
    quote!(#p::in_field(Self::#check(&__vmstate_value, __vmstate_at), #name_str)?;)
}

/// Inherent functions wrapping each field-level hook (`exists`, `needed`, `default`,
/// `validate`, `range`), each coerced to its expected type on the attribute string.
pub(super) fn field_hooks(input: &Input, p: &TokenStream) -> TokenStream {
    let mut out = Vec::new();
    for f in &input.fields {
        let ty = f.ty;
        let a = &f.attrs;
        if let Some(h) = a.exists.get() {
            // `fn(&Self, u32)` or `fn(u32)` (`ExistsFn`, whose error lands on the string).
            let name = hook_fn(f, "exists");
            let path = &h.value.path;
            let p = private_at(p, h.value.span);
            out.push(quote_spanned! {h.value.span=>
                #[doc(hidden)]
                fn #name(&self, __vmstate_version: ::core::primitive::u32) -> ::core::primitive::bool {
                    #p::field_exists::<Self, _, _>(#path, self, __vmstate_version)
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
                    let __vmstate_hook: #fn_ty = #path;
                    __vmstate_hook(self)
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
                    let __vmstate_hook: #fn_ty = #path;
                    __vmstate_hook()
                }
            });
        }
        if a.validate.get().is_some() || a.range.get().is_some() {
            let name = hook_fn(f, "validate");
            let validate = a.validate.get().map(|h| {
                let (path, text) = (&h.value.path, &h.value.text);
                // By reference or, for a `Copy` value, by value (`ValidateFn`, whose error
                // lands on the string).
                let arg = respan(&ty.to_token_stream(), h.key);
                let p = private_at(p, h.value.span);
                let [value, at] =
                    ["__vmstate_value", "__vmstate_at"].map(|n| generated_name(h.value.span, n));
                quote_spanned! {h.value.span=>
                    let __vmstate_checked = #p::validate_field::<#arg, _, _>(#path, #value);
                    #p::validation(#text, __vmstate_checked, #p::Some(#at))?;
                }
            });
            let range = a.range.get().map(|r| {
                let (expr, text) = (&r.value.expr, &r.value.text);
                let [value, at] = ["__vmstate_value", "__vmstate_at"].map(|n| generated_name(r.value.span, n));
                // On an array, a range of elements bounds each element, at any depth (`[u8; 4]`
                // holding four registers, `range = "0..8"`); a range whose bounds are arrays
                // compares whole arrays, in Rust's lexicographic order (`..[0x80, 0, 0, 0]`).
                let (elem, depth) = range_compares(expr, ty);
                let nonempty = super::nonempty_range::nonempty_check(input, f, &r.value, elem);
                let index = |k: usize| generated_name(r.value.span, &format!("__vmstate_i{k}"));
                let element = |k: usize| generated_name(r.value.span, &format!("__vmstate_e{k}"));
                let inner = element(depth);
                // Innermost index first: each level adds its segment as the error bubbles out.
                let indices = (0..depth).rev().map(index);
                // Through a function that takes a range of the field's type: a range of
                // another type is then one error (`RangeOf<Ty>` not implemented, saying what
                // to write), where `contains` would report both directions of `PartialOrd`.
                let bounds = generated_name(r.value.span, "__vmstate_bounds");
                let mut check = quote_spanned! {r.value.span=>
                    let #bounds = &(#expr);
                    if !__vmstate_in_range::<#elem, _>(#bounds, #inner) {
                        return #p::Err(
                            #p::out_of_range(#inner, #bounds, #text, #at)#(.in_index(#indices))*
                        );
                    }
                };
                for k in (0..depth).rev() {
                    let (i, outer, item) = (index(k), element(k), element(k + 1));
                    check = quote_spanned! {r.value.span=>
                        // By the paths: a `#[no_implicit_prelude]` module has no
                        // `Iterator` in scope, and a method call would find a trait of the
                        // user's first (arrays have no `iter` of their own). By reference:
                        // an array's, a `Vec`'s, a `VecDeque`'s, a `Box<[T]>`'s elements.
                        for (#i, #item) in ::core::iter::Iterator::enumerate(::core::iter::IntoIterator::into_iter(#outer)) {
                            #check
                        }
                    };
                }
                let outermost = element(0);
                let p = private_at(p, r.value.span);
                quote_spanned! {r.value.span=>
                    #nonempty
                    fn __vmstate_in_range<T, R>(__vmstate_range: &R, __vmstate_value: &T) -> ::core::primitive::bool
                    where
                        T: ::core::cmp::PartialOrd,
                        R: #p::RangeOf<T>,
                    {
                        ::core::ops::RangeBounds::contains(__vmstate_range, __vmstate_value)
                    }
                    let #outermost = #value;
                    #check
                }
            });
            out.push(quote! {
                #[doc(hidden)]
                fn #name(__vmstate_value: &#ty, __vmstate_at: ::core::primitive::usize) -> #p::Result<(), #p::Error> {
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
pub(crate) fn range_compares<'t>(range: &syn::Expr, ty: &'t syn::Type) -> (&'t syn::Type, usize) {
    // A `Vec`'s, `VecDeque`'s or `Box<[T]>`'s elements, as an array's.
    if let Some(elem) = crate::check::sequence_elem(ty) {
        let (compared, depth) = range_compares(range, elem);
        return (compared, depth + 1);
    }
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

/// After a commit, then: each distinct derived function (field order), then `post_load`.
pub(super) fn load_hooks(
    input: &Input,
    p: &TokenStream,
    keep: &dyn Fn(&Hook) -> bool,
) -> TokenStream {
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
        if let Some((hook, key)) = hook.filter(|(h, _)| keep(h)) {
            let function = crate::attr::function_key(&hook.path, &input.ident.unraw().to_string());
            if !seen.contains(&function) {
                seen.push(function);
                derived.push(call_hook_keeping_first_error(hook, key, p));
            }
        }
    }
    let post_load = (input.attrs.post_load.get())
        .filter(|h| keep(&h.value))
        .map(|h| call_post_load(&h.value, p));
    quote! {
        #(#derived)*
        #post_load
    }
}
