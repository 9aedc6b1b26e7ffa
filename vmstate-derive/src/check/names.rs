//! Names: the section's, the generic parameters', the hooks', the fields' and the reserved
//! ones the generated code uses.

use super::padding::is_padding_type;
use crate::ast::{Input, Role};
use crate::ctxt::Ctxt;
use quote::ToTokens;
use syn::ext::IdentExt;

/// Why a section's or field's name would not print on one line of a message, if it would not.
fn unprintable(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("must not be empty or blank")
    } else if name.trim() != name {
        Some("must not start or end with whitespace")
    } else if name.chars().any(char::is_control) {
        Some("must not contain control characters (it is printed in one-line messages)")
    } else {
        None
    }
}

/// QEMU writes a section's and a subsection's name after a one-byte length, and compares
/// names as C strings.
pub(super) fn check_name(cx: &Ctxt, input: &Input) {
    let name = input.name();
    let span = input
        .attrs
        .name
        .get()
        .map_or_else(|| input.ident.span(), |n| n.span);
    let problem = if let Some(problem) = unprintable(&name) {
        Some(problem.to_owned())
    } else if name.len() > 255 {
        Some(format!(
            "is {} bytes long; QEMU's migration format allows at most 255",
            name.len()
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        let which = match input.attrs.name.get() {
            Some(_) => "the section name",
            None => {
                "the section name (the type's name in snake_case; set one with `name = \"...\"`)"
            }
        };
        cx.error_at(span, format!("{which} {problem}"));
    }
}

/// The generic parameters whose names the generated impls use for their own
/// (`__VmStateDecoder`, `'__vmstate`): name and span.
fn reserved_generic_names(
    generics: &syn::Generics,
) -> impl Iterator<Item = (String, proc_macro2::Span)> + '_ {
    generics.params.iter().filter_map(|param| {
        let (name, span) = match param {
            syn::GenericParam::Type(t) => (t.ident.to_string(), t.ident.span()),
            syn::GenericParam::Const(c) => (c.ident.to_string(), c.ident.span()),
            syn::GenericParam::Lifetime(l) => (l.lifetime.to_string(), l.lifetime.span()),
        };
        let bare = name.trim_start_matches('\'').trim_start_matches("r#");
        reserved_name(bare).then_some((name, span))
    })
}

/// Whether a name is in the generated code's namespace: it starts with `__vmstate` in any
/// case (`__vmstate_private`, `__VmStateDecoder`, `__VMSTATE_TYPE_CHECKS`).
fn reserved_name(name: &str) -> bool {
    name.to_ascii_lowercase().starts_with("__vmstate")
}

/// Whether a generic parameter has a name the generated impls use.
pub fn reserved_generics(generics: &syn::Generics) -> bool {
    reserved_generic_names(generics).next().is_some()
}

pub(crate) fn check_generic_names(cx: &Ctxt, generics: &syn::Generics) {
    for (name, span) in reserved_generic_names(generics) {
        cx.error_at(
            span,
            format!(
                "generic parameter `{name}` is reserved: names starting with `__VmState` or \
                 `'__vmstate` are used by the generated code; rename it"
            ),
        );
    }
    // The derive knows these by name, and a parameter cannot be checked as an alias can: a
    // field of a parameter so named would be taken for a primitive (whose hooks and checks
    // are none) or refused as the std type.
    let known = ["String", "PhantomData", "usize", "isize", "char"];
    for param in generics.type_params() {
        let name = param.ident.unraw().to_string();
        let consequence = if crate::ast::PRIMITIVES.contains(&name.as_str()) {
            "and run none of the hooks or checks of the type the parameter stands for"
        } else if known.contains(&name.as_str()) {
            "and refused or bounded as that type, whatever the parameter stands for"
        } else {
            continue;
        };
        cx.error_at(
            param.ident.span(),
            format!(
                "type parameter `{name}` has the name of a type the derive knows by its name: \
                 a field of type `{name}` would be taken for `{name}` {consequence}; rename \
                 the parameter"
            ),
        );
    }
}

/// `Field`'s methods that run the hooks. A hook path to a method of the struct that names one
/// (with the trait in scope and no function of that name of the user's) would resolve to it,
/// and the load would call the hook from itself until the stack overflows.
const HOOK_RUNNERS: [&str; 3] = ["pre_commit", "check_committed", "post_commit"];

/// Every function named by the struct's and its fields' attributes.
fn hooks<'a>(input: &'a Input) -> impl Iterator<Item = &'a crate::attr::Hook> {
    let c = &input.attrs;
    let container = [&c.pre_save, &c.pre_load, &c.post_load, &c.validate];
    let fields = input.fields.iter().flat_map(|f| {
        let a = &f.attrs;
        let derived = a.derived.get().and_then(|d| d.value.as_ref());
        let hooks = [&a.derives, &a.default, &a.needed, &a.exists, &a.validate];
        hooks
            .into_iter()
            .filter_map(|h| h.get().map(|h| &h.value))
            .chain(derived)
    });
    container
        .into_iter()
        .filter_map(|h| h.get().map(|h| &h.value))
        .chain(fields)
}

pub(super) fn check_hook_names(cx: &Ctxt, input: &Input) {
    let own = input.ident.unraw().to_string();
    for hook in hooks(input) {
        if let Some(message) = refused_hook_name(hook, &own) {
            cx.error_at(hook.span, message);
        }
    }
}

/// Why a hook's function name is refused, if it is (`own`: the struct's name): one the
/// derive's own methods may take, or one of `Field`'s methods that run the hooks.
pub(crate) fn refused_hook_name(hook: &crate::attr::Hook, own: &str) -> Option<String> {
    let key = crate::attr::function_key(&hook.path, own);
    let method = key.strip_prefix("Self::");
    // The function's own name, however the path reaches the type (`Self::`, an alias,
    // `crate::Dev::`, `r#`).
    let last = (hook.path.path.segments.last()).map(|s| s.ident.unraw().to_string());
    if let Some(name) = last.filter(|n| reserved_name(n)) {
        return Some(format!(
            "`{name}` is reserved: the derive gives the struct methods whose names start with \
             `__vmstate` (in any case), which a path to the struct would find; give the \
             function another name"
        ));
    }
    method.filter(|m| HOOK_RUNNERS.contains(m)).map(|name| {
        format!(
            "`{name}` is the name of a method of vmstate's `Field` trait, which runs the \
             hooks: with the trait in scope `Self::{name}` could call it instead of a \
             function of yours; give the function another name"
        )
    })
}

/// A field's described name (`name = "..."`) names it in descriptions, schemas and error
/// paths, so it must be there, print on one line, and not be a word the schema tools read
/// otherwise. Fields migrated on QEMU's wire may share a name, as QEMU's do (PCI's two
/// `config`, e1000's three `mac_reg` parts: decoded states list them as `mac_reg[0]`, ...,
/// as QEMU's vmdesc does); the others, and a length that `len` names, schemas find by name.
pub(super) fn check_field_names(cx: &Ctxt, input: &Input) {
    let named_span = |f: &crate::ast::Field| f.attrs.name.get().map(|n| n.span);
    let span = |f: &crate::ast::Field| named_span(f).unwrap_or_else(|| f.ident.span());
    // A `name` that was not a string has been reported; the identifier does not stand in.
    let described =
        |f: &&crate::ast::Field| !(f.attrs.name.given() && f.attrs.name.get().is_none());
    let fields: Vec<&crate::ast::Field> = input.fields.iter().filter(described).collect();
    // The fields that `len` names, by identifier (`r#type` is `type`).
    let counts: Vec<String> = (input.fields.iter())
        .filter_map(|f| f.attrs.len.get().map(|len| len.value.value()))
        .map(|count| count.trim_start_matches("r#").to_owned())
        .collect();
    let counts_a_sequence = |f: &crate::ast::Field| counts.contains(&f.ident.unraw().to_string());
    let may_share = |f: &crate::ast::Field| f.role() == Role::Migrated && !counts_a_sequence(f);
    for (i, field) in fields.iter().enumerate() {
        let name = field.name();
        let problem = if let Some(problem) = unprintable(&name) {
            Some(problem.to_owned())
        } else if name == "subsections" && field.travels() {
            Some(
                "must not be `subsections`: decoded states list a struct's subsections under \
                 that key"
                    .to_owned(),
            )
        } else {
            None
        };
        if let Some(problem) = problem {
            let which = match named_span(field) {
                Some(_) => "a field's `name`".to_owned(),
                None => format!(
                    "field `{}`'s name (set another with `name = \"...\"`)",
                    field.ident.unraw()
                ),
            };
            cx.error_at(span(field), format!("{which} {problem}"));
            continue;
        }
        // QEMU calls all its padding `unused`, and has real fields so named too (pl041's
        // reserved register): padding may share that name with any field.
        let padding_among = |f: &&&crate::ast::Field| {
            name == "unused" && (is_padding_type(field.ty) || is_padding_type(f.ty))
        };
        let shares =
            |f: &&&crate::ast::Field| padding_among(f) || (may_share(f) && may_share(field));
        let clash = fields[..i].iter().filter(|f| !shares(f));
        let Some(earlier) = clash.into_iter().find(|f| f.name() == name) else {
            continue;
        };
        // Blame the `name = "..."` that made the clash, the later one if both have one.
        let (blamed, other) = match (named_span(field), named_span(earlier)) {
            (None, Some(_)) => (earlier, field),
            _ => (field, earlier),
        };
        cx.error_at(
            span(blamed),
            format!(
                "field `{}` is described as `{name}`, as field `{}` is: only fields migrated on \
                 QEMU's wire that hold no sequence's length (`len`) may share a name, as QEMU's \
                 do; schemas find the others (immutable, skipped, derived, subsections, \
                 lengths) by their names; give each field its own name",
                blamed.ident.unraw(),
                other.ident.unraw()
            ),
        );
    }
}

/// The generated code's own items start with `__vmstate` in some case (`__vmstate_private`,
/// `__VmStateProbe`): a path whose first segment names an item of the user's so named (in a
/// field type, the struct's bounds, a hook path or a range) would find the generated one.
/// Later segments, and paths from `self`, `super` or `crate`, are not looked up in the block.
/// (Reserved generic parameters are reported apart.)
pub(super) fn check_reserved_paths(cx: &Ctxt, input: &Input) {
    /// The first reserved name that starts a path among `tokens` (not after `::` or `'`).
    fn first(tokens: proc_macro2::TokenStream, params: &[String]) -> Option<syn::Ident> {
        let mut prev: [Option<char>; 2] = [None, None];
        for tt in tokens {
            let found = match &tt {
                proc_macro2::TokenTree::Ident(i) => {
                    let name = i.unraw().to_string();
                    let starts_path = prev[1] != Some('\'') && prev != [Some(':'), Some(':')];
                    let reserved = reserved_name(&name);
                    (starts_path && reserved && !params.contains(&name)).then(|| i.clone())
                }
                proc_macro2::TokenTree::Group(g) => first(g.stream(), params),
                _ => None,
            };
            if found.is_some() {
                return found;
            }
            let punct = match &tt {
                proc_macro2::TokenTree::Punct(p) => Some(p.as_char()),
                _ => None,
            };
            prev = [prev[1], punct];
        }
        None
    }
    let params: Vec<String> = reserved_generic_names(input.generics)
        .map(|(n, _)| n)
        .collect();
    let hook_paths = hooks(input).map(|h| h.path.to_token_stream());
    // Only the types of fields on a wire are named by the generated code.
    let used = input.fields.iter().filter(|f| f.travels());
    let types = used.map(|f| f.ty.to_token_stream());
    let ranges = (input.fields.iter()).filter_map(|f| f.attrs.range.get());
    let ranges = ranges.map(|r| r.value.expr.to_token_stream());
    let where_clause = input.generics.where_clause.as_ref();
    let generics = [
        input.generics.to_token_stream(),
        where_clause.to_token_stream(),
    ];
    let found = hook_paths.chain(types).chain(ranges).chain(generics);
    for ident in found.filter_map(|tokens| first(tokens, &params)) {
        cx.error_at(
            ident.span(),
            format!(
                "`{}` is reserved: names starting with `__vmstate` (in any case) are the \
                 generated code's, which would be found here instead; rename the item",
                ident.unraw()
            ),
        );
    }
}

/// The derive's own names in the generated code start with `__vmstate`.
pub(super) fn check_reserved(cx: &Ctxt, field: &crate::ast::Field) {
    if field.ident.unraw().to_string().starts_with("__vmstate") {
        cx.error_at(
            field.ident.span(),
            format!(
                "field name `{}` is reserved: names starting with `__vmstate` are used by the \
                 generated code; rename the field",
                field.ident
            ),
        );
    }
}
