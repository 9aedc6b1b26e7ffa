//! Padding for removed fields (`Unused<N>`, `Removed<T>`): what it takes.

use crate::ast::Input;
use crate::ctxt::Ctxt;

/// The keys padding takes: its described name and when it is on the wire.
pub(crate) const PADDING_KEYS: &[&str] = &["name", "since", "exists", "exists_if"];

/// Padding (`Unused<N>`, `Removed<T>`) only keeps bytes on the wire, migrated, and loads no
/// value: a role would take its bytes off a wire (`skip`, `derived`, `immutable`, which
/// travels in the native format only), and a check or default would see nothing.
pub(super) fn check_padding(cx: &Ctxt, input: &Input, field: &crate::ast::Field) {
    let renamed = input.attrs.krate.get().map(|k| &k.value);
    if !is_padding_path(field.ty, renamed) {
        return;
    }
    if let Some(zero) = unused_of_zero_bytes(field.ty) {
        cx.error_spanned_by(
            zero,
            "`Unused<0>` keeps no bytes, so it stands for no removed field: give the size in \
             bytes of the field it replaces (QEMU's `VMSTATE_UNUSED(size)`), or remove it",
        );
    }
    for (key, span) in field.attrs.given() {
        if !PADDING_KEYS.contains(&key) {
            cx.error_at(
                span,
                format!(
                    "`{key}` on padding: `Unused`/`Removed` fields keep their bytes on both \
                     wires and are skipped on load, so they take only `name`, `since`, \
                     `exists` and `exists_if`; remove `{key}` (a type of one's own so named is taken for \
                     padding too: rename it, or name it by its path)"
                ),
            );
        }
    }
}

/// [`is_padding_type`] written as this crate's padding is (`Unused<4>`,
/// `vmstate_core::Removed<u32>`, or through the runtime crate's name in `crate = "..."`:
/// `vs::Unused<4>`), not as a path to a type of one's own so named (`regs::Unused`).
pub(crate) fn is_padding_path(ty: &syn::Type, renamed: Option<&syn::Path>) -> bool {
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return false;
    };
    let segments = &p.path.segments;
    let through = |krate: &syn::Path| {
        let prefix = &krate.segments;
        segments.len() == prefix.len() + 1
            && (segments.iter().zip(prefix)).all(|(a, b)| a.ident == b.ident)
    };
    is_padding_type(ty)
        && p.qself.is_none()
        && (segments.len() == 1
            || segments[0].ident == "vmstate_core"
            || renamed.is_some_and(through))
}

/// The `0` of `Unused<0>` (or `Unused<{ 0 }>`), a padding of no bytes.
fn unused_of_zero_bytes(ty: &syn::Type) -> Option<&syn::Expr> {
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return None;
    };
    let last = p.path.segments.last().filter(|s| s.ident == "Unused")?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Const(len)) = args.args.first() else {
        return None;
    };
    let mut value = len;
    while let syn::Expr::Block(b) = value {
        match b.block.stmts.as_slice() {
            [syn::Stmt::Expr(inner, None)] => value = inner,
            _ => return None,
        }
    }
    match value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        }) if n.base10_parse::<u128>().is_ok_and(|n| n == 0) => Some(len),
        _ => None,
    }
}

/// Whether a type's name says it is padding (`Unused<N>`, `Removed<T>`): an alias is not seen
/// through, and a type of one's own so named is caught by a compile-time check on its shape.
pub(crate) fn is_padding_type(ty: &syn::Type) -> bool {
    match crate::ast::ungroup(ty) {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Unused" || s.ident == "Removed"),
        _ => false,
    }
}
