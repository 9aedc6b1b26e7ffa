//! Semantic checks of the model: what attributes mean together.

use crate::ast::{is_simple, Input, Role};
use crate::attr::WIRE_KEYS;
use crate::ctxt::Ctxt;

/// Records every problem with the combination of attributes in `input`.
pub fn check(cx: &Ctxt, input: &Input) {
    check_versions(cx, input);
    for field in &input.fields {
        check_conflicts(cx, field);
        check_derived_has_function(cx, input, field);
        check_bounds(cx, field);
        check_evolution(cx, input, field);
    }
}

fn check_evolution(cx: &Ctxt, input: &Input, field: &crate::ast::Field) {
    let a = &field.attrs;
    let given = a.given();
    if a.skip.get().is_some() {
        return; // every other key already conflicts with `skip`
    }
    let role_key = given
        .iter()
        .find(|(k, _)| ["derived", "derived_by_owner", "immutable"].contains(k));
    if let Some(&(role, _)) = role_key {
        for &(key, span) in given.iter().filter(|(k, _)| WIRE_KEYS.contains(k)) {
            cx.error_at(
                span,
                format!("`{key}` conflicts with `{role}`: it applies to fields that travel"),
            );
        }
        return;
    }
    if let Some(s) = a.since.get() {
        if s.value == 0 {
            cx.error_at(
                s.span,
                "`since` must be at least 1 (section versions start at 1)",
            );
        } else if s.value > input.version() {
            cx.error_at(
                s.span,
                format!(
                    "`since = {}` is above the struct's `version` ({}): raise `version` to {} in \
                     the same change that adds the field",
                    s.value,
                    input.version(),
                    s.value
                ),
            );
        }
    }
    // A key given with a bad value has been reported already: no second error about it.
    match (a.subsection.get(), a.needed.get()) {
        (Some(sub), None) if !a.needed.given() => cx.error_at(
            sub.key,
            format!(
                "subsection `{}` needs `needed = \"Self::function\"`, the `fn(&Self) -> bool` \
                 that says when it is sent",
                field.ident
            ),
        ),
        (None, Some(n)) if !a.subsection.given() => {
            cx.error_at(n.key, "`needed` applies to `subsection` fields only")
        }
        _ => {}
    }
    if let Some(sub) = a.subsection.get() {
        // The obvious non-structs; any other type that does not derive `VmState` fails the
        // `VmState` bound on its type.
        if is_simple(field.ty) || field.is_variable_length() {
            cx.error_spanned_by(
                field.ty,
                format!(
                    "subsection `{}` must be a struct that derives `VmState` (a subsection has its \
                     own name and version): move the field into a struct with \
                     `#[derive(VmState)]` and `#[vmstate(name = \"{}/...\")]`",
                    field.ident,
                    input.name()
                ),
            );
        }
        for &(key, span) in given
            .iter()
            .filter(|(k, _)| ["since", "exists", "max_len", "validate", "range"].contains(k))
        {
            let mut err = syn::Error::new(
                span,
                format!("`{key}` conflicts with `subsection`: a subsection is versioned and sent on its own terms"),
            );
            err.combine(syn::Error::new(sub.key, "`subsection` given here"));
            cx.syn_error(err);
        }
    }
    if let Some(d) = a.default.get() {
        if !field.is_optional() {
            cx.error_at(
                d.key,
                "`default` gives the value when the input lacks the field: it needs `since`, \
                 `exists` or `subsection`",
            );
        }
    }
}

fn check_versions(cx: &Ctxt, input: &Input) {
    let attrs = &input.attrs;
    if let Some(v) = attrs.version.get() {
        if v.value == 0 {
            cx.error_at(
                v.span,
                "`version` must be at least 1 (QEMU's versions start at 1)",
            );
        }
    }
    if let Some(m) = attrs.minimum_version.get() {
        if m.value == 0 {
            cx.error_at(m.span, "`minimum_version` must be at least 1");
        } else if m.value > input.version() {
            cx.error_at(
                m.span,
                format!(
                    "`minimum_version` ({}) is above `version` ({}): this build could not load \
                     the streams it writes",
                    m.value,
                    input.version()
                ),
            );
        }
    }
}

/// `skip` excludes everything; `derived`, `derived_by_owner` and `immutable` exclude each other.
fn check_conflicts(cx: &Ctxt, field: &crate::ast::Field) {
    let given = field.attrs.given();
    if let Some(&(_, skip_span)) = given.iter().find(|(k, _)| *k == "skip") {
        for &(key, span) in given.iter().filter(|(k, _)| *k != "skip") {
            let mut err = syn::Error::new(
                span,
                format!("`{key}` conflicts with `skip`: a skipped field is not migrated at all"),
            );
            err.combine(syn::Error::new(skip_span, "`skip` given here"));
            cx.syn_error(err);
        }
        return;
    }
    let exclusive = ["derived", "derived_by_owner", "immutable"];
    let present: Vec<_> = given
        .iter()
        .filter(|(k, _)| exclusive.contains(k))
        .collect();
    for pair in present.windows(2) {
        let (first, _) = pair[0];
        let (second, span) = pair[1];
        cx.error_at(
            *span,
            format!(
                "`{second}` conflicts with `{first}`: a field is either migrated, derived, \
                 derived by its owner or immutable"
            ),
        );
    }
    if let Some(d) = field.attrs.derives.get() {
        if field.role() != Role::Migrated {
            cx.error_at(
                d.key,
                "`derives` belongs on a migrated field whose struct has `derived_by_owner` fields",
            );
        }
    }
}

/// The point of the design: a derived field that nothing recomputes does not compile.
fn check_derived_has_function(cx: &Ctxt, input: &Input, field: &crate::ast::Field) {
    let Some(derived) = field.attrs.derived.get() else {
        return;
    };
    if derived.value.is_none() && input.attrs.post_load.get().is_none() {
        cx.error_at(
            derived.key,
            format!(
                "derived field `{}` has no post-load function: name the function that \
                 recomputes it (`derived = \"Self::update\"`) or add a container \
                 `#[vmstate(post_load = \"...\")]` that does",
                field.ident
            ),
        );
    }
}

fn check_bounds(cx: &Ctxt, field: &crate::ast::Field) {
    let travels = matches!(field.role(), Role::Migrated | Role::Immutable);
    // A `max_len` with a bad value has been reported already.
    if travels && field.is_variable_length() && !field.attrs.max_len.given() {
        cx.error_spanned_by(
            field.ty,
            format!(
                "field `{}` has a variable length and needs a bound: add \
                 `#[vmstate(max_len = N)]` so a load refuses longer input before allocating",
                field.ident
            ),
        );
    }
}
