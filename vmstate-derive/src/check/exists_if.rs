//! `exists_if = "expr"`: a field's presence decided by the fields read before it. The
//! expression names fields by their Rust names; a load has read only the migrated fields
//! before this one, so it may read those that are always sent and the fields that keep the
//! destination's value (immutable and skipped ones), not a later field, a derived one
//! (recomputed after), or one that is itself sent only at times (the save would test the
//! value it left out, the load another).

use crate::ast::{Field, Input, Role};
use crate::ctxt::Ctxt;
use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenStream, TokenTree};
use std::collections::HashSet;
use syn::ext::IdentExt;

/// Records the problems of `field`'s `exists_if`: given with `exists`, naming `self`, or
/// reading a field that a load has not read yet or may not have read.
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
    if super::limits::mentions_self(quote::ToTokens::to_token_stream(&e.value.expr)) {
        cx.error_at(
            e.value.span,
            "`exists_if` names the fields it reads by their names (`features & 4 != 0`, not \
             `self.features`): on load `self` is the destination before the load, not the \
             fields read so far; a test of the destination is `exists = \"Self::function\"`",
        );
    }
    for (read, span) in reads(input, &e.value.expr).fields {
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
        } else if read.role() == Role::Migrated && read.attrs.has_test() {
            Some(format!(
                "field `{}`, which is sent only when its own test passes: when it is not, the \
                 save tests the value it left out and the load another",
                read.ident
            ))
        } else {
            None
        };
        if let Some(why) = why {
            cx.error_at(
                span,
                format!(
                    "`exists_if` on field `{}` reads {why}; it may read the fields before it \
                     that are always sent (as read so far on load) and immutable or skipped \
                     fields (configuration both sides share)",
                    field.ident
                ),
            );
        }
    }
}

/// What an `exists_if` expression reads: the fields, each once, with where it names them,
/// and its tokens with each such name replaced by [`read_local`], the local the derive binds
/// (so that a static or constant named like a field does not stand in the way).
pub(crate) struct Reads<'i, 'a> {
    pub fields: Vec<(&'i Field<'a>, Span)>,
    pub tokens: TokenStream,
}

/// [`Reads`] of `expr`: an identifier alone (not a path's later segment, a field of another
/// value, a method, a function or a macro called) that names a field of `input`, unless the
/// expression binds that name itself (a closure's parameter, a `let`).
pub(crate) fn reads<'i, 'a>(input: &'i Input<'a>, expr: &syn::Expr) -> Reads<'i, 'a> {
    let tokens = quote::ToTokens::to_token_stream(expr);
    let mut bound = HashSet::new();
    bound_names(tokens.clone(), &mut bound);
    let mut fields: Vec<(&Field, Span)> = Vec::new();
    let tokens = rewrite(tokens, &mut |ident| {
        let name = ident.unraw().to_string();
        if bound.contains(&name) {
            return None;
        }
        let f = input.fields.iter().find(|f| f.ident.unraw() == name)?;
        if !fields.iter().any(|(g, _)| g.index == f.index) {
            fields.push((f, ident.span()));
        }
        Some(read_local(f, ident.span()))
    });
    Reads { fields, tokens }
}

/// The local that holds field `f`'s value for an `exists_if` expression, located at `span`.
pub(crate) fn read_local(f: &Field, span: Span) -> Ident {
    Ident::new(&format!("__vmstate_read_{}", f.ident.unraw()), span)
}

/// `tokens` with every identifier that stands alone as a value replaced by what `each`
/// gives for it (when it gives one).
fn rewrite(tokens: TokenStream, each: &mut impl FnMut(&Ident) -> Option<Ident>) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let punct =
        |i: usize, c: char| matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == c);
    let mut out = Vec::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Ident(ident) => {
                let after_path = i >= 2 && punct(i - 1, ':') && punct(i - 2, ':');
                let member = i >= 1 && punct(i - 1, '.');
                let path_head = punct(i + 1, ':') && punct(i + 2, ':');
                // `f(..)`, `m!(..)`; not `x != y`, whose `!` is joined to its `=`.
                let macro_bang = matches!(tokens.get(i + 1), Some(TokenTree::Punct(p))
                    if p.as_char() == '!' && p.spacing() == Spacing::Alone);
                let call = matches!(tokens.get(i + 1),
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                let alone = !(after_path || member || path_head || macro_bang || call);
                match alone.then(|| each(ident)).flatten() {
                    Some(local) => out.push(TokenTree::Ident(local)),
                    None => out.push(t.clone()),
                }
            }
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), rewrite(g.stream(), each));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            _ => out.push(t.clone()),
        }
    }
    out.into_iter().collect()
}

/// The names the expression binds itself: a closure's parameters (between the `|`s that open
/// an expression) and the names after a `let`, at any depth.
fn bound_names(tokens: TokenStream, bound: &mut HashSet<String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Group(g) => bound_names(g.stream(), bound),
            // The pattern, up to `=` (or `;`).
            TokenTree::Ident(id) if id == "let" => {
                pattern_names(&tokens, i + 1, &['=', ';'], bound);
            }
            // A closure opens where an operand goes: first, or after an operator or `move`
            // (`a | b` has an operand before its `|`; `||` is an `or`, or a closure without
            // parameters).
            TokenTree::Punct(p) if p.as_char() == '|' && p.spacing() == Spacing::Alone => {
                let opens = match i.checked_sub(1).map(|k| &tokens[k]) {
                    None => true,
                    Some(TokenTree::Punct(q)) => {
                        !(q.as_char() == '|' && q.spacing() == Spacing::Joint)
                    }
                    Some(TokenTree::Ident(id)) => id == "move",
                    _ => false,
                };
                if opens {
                    i = pattern_names(&tokens, i + 1, &['|'], bound);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// The names of the pattern at `tokens[from..]`, up to the first of the `stop` punctuation
/// marks; returns where it stopped.
fn pattern_names(
    tokens: &[TokenTree],
    from: usize,
    stop: &[char],
    bound: &mut HashSet<String>,
) -> usize {
    let mut at = from;
    while let Some(t) = tokens.get(at) {
        match t {
            TokenTree::Punct(p) if stop.contains(&p.as_char()) => break,
            TokenTree::Ident(_) | TokenTree::Group(_) => idents_in(t.clone().into(), bound),
            _ => {}
        }
        at += 1;
    }
    at
}

/// Every identifier in `tokens` (a pattern's names), at any depth.
fn idents_in(tokens: TokenStream, bound: &mut HashSet<String>) {
    for t in tokens {
        match t {
            TokenTree::Ident(id) => {
                bound.insert(id.unraw().to_string());
            }
            TokenTree::Group(g) => idents_in(g.stream(), bound),
            _ => {}
        }
    }
}
