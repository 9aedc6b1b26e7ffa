//! `exists_if = "expr"`: a field's presence decided by the fields read before it. The
//! expression names fields by their Rust names; a load has read only the migrated fields
//! before this one, so it may read those and the fields that keep the destination's value
//! (immutable and skipped ones), not a later field or a derived one (recomputed after).

use crate::ast::{Field, Input, Role};
use crate::ctxt::Ctxt;
use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;

/// Records the problems of `field`'s `exists_if`: given with `exists`, or reading a field a
/// load has not read yet.
pub(super) fn check_exists_if(cx: &Ctxt, input: &Input, field: &Field) {
    let Some(e) = field.attrs.exists_if.get() else {
        return;
    };
    if let Some(test) = field.attrs.exists.get() {
        let mut err = syn::Error::new(
            e.key,
            "`exists_if` conflicts with `exists`: one test decides whether the field is on the \
             wire",
        );
        err.combine(syn::Error::new(test.key, "`exists` given here"));
        cx.syn_error(err);
    }
    let mut reads_self = None;
    visit(
        quote::ToTokens::to_token_stream(&e.value.expr),
        &mut |ident, span| {
            if ident == "self" {
                reads_self.get_or_insert(span);
            }
        },
    );
    if let Some(span) = reads_self {
        cx.error_at(
            span,
            "`exists_if` names the fields it reads by their names (`features & 4 != 0`, not \
             `self.features`): on load `self` is the destination before the load, not the \
             fields read so far; a test of the destination is `exists = \"Self::function\"`",
        );
    }
    for (read, span) in fields_read(input, &e.value.expr) {
        let why = if read.index == field.index {
            Some("itself, which it decides whether to read".to_owned())
        } else if read.index > field.index && read.role() == Role::Migrated {
            Some(format!(
                "field `{}`, which comes after it: a load has not read it yet",
                read.ident
            ))
        } else if matches!(read.role(), Role::Derived | Role::DerivedByOwner) {
            Some(format!(
                "field `{}`, which is derived: a load recomputes it after reading the fields",
                read.ident
            ))
        } else if read.role() == Role::Subsection {
            Some(format!(
                "field `{}`, a subsection: a load reads it after the fields",
                read.ident
            ))
        } else {
            None
        };
        if let Some(why) = why {
            cx.error_at(
                span,
                format!(
                    "`exists_if` on field `{}` reads {why}; it may read the migrated fields \
                     before it (as read so far on load) and immutable or skipped fields",
                    field.ident
                ),
            );
        }
    }
}

/// The fields of `input` that `expr` names as values (an identifier alone: not a path's
/// later segment, a field of another value, a method or a macro), each once, with where.
pub(crate) fn fields_read<'i, 'a>(
    input: &'i Input<'a>,
    expr: &syn::Expr,
) -> Vec<(&'i Field<'a>, proc_macro2::Span)> {
    let mut found: Vec<(&Field, proc_macro2::Span)> = Vec::new();
    let tokens = quote::ToTokens::to_token_stream(expr);
    visit(tokens, &mut |ident, span| {
        let named = |f: &&Field| f.ident.unraw() == ident.unraw();
        if let Some(f) = input.fields.iter().find(named) {
            if !found.iter().any(|(g, _)| g.index == f.index) {
                found.push((f, span));
            }
        }
    });
    found
}

/// Calls `each` with every identifier of `tokens` that stands alone as a value.
fn visit(tokens: TokenStream, each: &mut impl FnMut(&syn::Ident, proc_macro2::Span)) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let punct =
        |i: usize, c: char| matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == c);
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Ident(ident) => {
                let after_path = i >= 2 && punct(i - 1, ':') && punct(i - 2, ':');
                let member = i >= 1 && punct(i - 1, '.');
                let path_head = punct(i + 1, ':') && punct(i + 2, ':');
                // `f(..)`, `m!(..)`; not `x != y`, whose `!` is joined to its `=`.
                let macro_bang = matches!(tokens.get(i + 1), Some(TokenTree::Punct(p))
                    if p.as_char() == '!' && p.spacing() == proc_macro2::Spacing::Alone);
                let call_or_macro = macro_bang
                    || matches!(tokens.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis);
                if !(after_path || member || path_head || call_or_macro) {
                    each(ident, ident.span());
                }
            }
            TokenTree::Group(g) => visit(g.stream(), each),
            _ => {}
        }
    }
}
