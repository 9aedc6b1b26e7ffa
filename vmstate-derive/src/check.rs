//! Semantic checks of the model: what attributes mean together.

use crate::ast::{Input, Role};
use crate::ctxt::Ctxt;

/// Records every problem with the combination of attributes in `input`.
pub fn check(cx: &Ctxt, input: &Input) {
    check_versions(cx, input);
    for field in &input.fields {
        check_conflicts(cx, field);
        check_derived_has_function(cx, input, field);
        check_bounds(cx, field);
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
