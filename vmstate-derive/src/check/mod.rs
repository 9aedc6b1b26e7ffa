//! Semantic checks of the model: what attributes mean together. Here the roles, versions
//! and evolution keys, `len`, `equal` and `buffer`; in modules of their own the names
//! (`names`), the field types (`types`), padding (`padding`) and the limits a load enforces
//! (`limits`: `max_len`, `range`).

use crate::ast::{is_simple, Input, Role};
use crate::attr::WIRE_KEYS;
use crate::ctxt::Ctxt;
use syn::ext::IdentExt;

mod exists_if;
mod limits;
mod names;
mod padding;
pub(crate) mod types;

use limits::{check_checks_of_non_plain_values, check_limits};
use names::{
    check_field_names, check_hook_names, check_name, check_reserved, check_reserved_paths,
};
use padding::check_padding;
use types::{check_not_recursive, check_wire_type, is_option, rustc_refuses};

pub(crate) use exists_if::{read_local, reads};
pub(crate) use limits::signed_literal;
pub use names::reserved_generics;
pub(crate) use names::{check_generic_names, refused_hook_name};
pub(crate) use padding::{is_padding_path, is_padding_type, PADDING_KEYS};
pub(crate) use types::sequence_elem;

/// Records every problem with the combination of attributes in `input`.
pub fn check(cx: &Ctxt, input: &Input) {
    check_versions(cx, input);
    check_name(cx, input);
    check_generic_names(cx, input.generics);
    check_hook_names(cx, input);
    check_field_names(cx, input);
    check_reserved_paths(cx, input);
    for field in &input.fields {
        // rustc refuses `_` and `impl Trait` in the struct itself; the stand-in impls leave
        // the field out.
        if has_type_rustc_refuses(field) {
            field.faulty.set(true);
            continue;
        }
        let errors = cx.len();
        check_field(cx, input, field);
        if cx.len() > errors {
            field.faulty.set(true);
        }
    }
}

/// Whether a field's type has no size known at compile time: no impl can be written for
/// the struct then, so the derive writes none (rustc would report each).
pub fn has_unsized_type(field: &crate::ast::Field) -> bool {
    types::unsized_problem(field.ty).is_some()
}

/// Whether a field's type holds `_` where a type goes, or `impl Trait`: rustc reports it on
/// the struct, and
/// once only if the derive writes no code that names the type (`expand::fallback` leaves
/// it out).
pub fn has_type_rustc_refuses(field: &crate::ast::Field) -> bool {
    rustc_refuses(field.ty)
}

fn check_field(cx: &Ctxt, input: &Input, field: &crate::ast::Field) {
    check_reserved(cx, field);
    // One error for an unsized type, not others about keys that assume a value.
    if let Some(problem) = types::unsized_problem(field.ty) {
        cx.error_spanned_by(field.ty, problem);
        return;
    }
    // A role key in error (`skp`, taken for `skip`; `derived = 3`) leaves the role unknown:
    // the type is checked once the key is mended, as the fallback impls leave it out too.
    if matches!(field.role(), Role::Migrated | Role::Immutable) && !role_in_error(field) {
        check_wire_type(cx, input.generics, field.ty);
    }
    if field.travels() {
        check_not_recursive(cx, input, field.ty);
    }
    check_conflicts(cx, field);
    check_derived_has_function(cx, input, field);
    check_derived_is_not_post_load(cx, input, field);
    check_limits(cx, input, field);
    check_evolution(cx, input, field);
    check_len(cx, input, field);
    exists_if::check_exists_if(cx, input, field);
    check_equal(cx, field);
    check_buffer(cx, field);
    check_padding(cx, input, field);
    check_checks_of_non_plain_values(cx, field);
}

/// Field keys that a subsection, versioned and sent on its own terms, does not take.
const NOT_ON_SUBSECTIONS: &[&str] = &[
    "since",
    "exists",
    "exists_if",
    "max_len",
    "validate",
    "range",
    "len",
    "equal",
];

/// `equal` compares a loaded value with the destination's: a `default` would replace it.
fn check_equal(cx: &Ctxt, field: &crate::ast::Field) {
    let a = &field.attrs;
    let Some(e) = a.equal.get().filter(|_| field.role() == Role::Migrated) else {
        return; // other roles are reported as conflicts of keys
    };
    if let Some(d) = a.default.get() {
        let mut err = syn::Error::new(
            d.key,
            "`default` conflicts with `equal`: an `equal` field's value is the destination's, \
             which a stream that lacks the field keeps",
        );
        err.combine(syn::Error::new(e.key, "`equal` given here"));
        cx.syn_error(err);
    }
}

/// `buffer` describes a fixed byte array; a sequence with `max_len` travels as bytes already.
fn check_buffer(cx: &Ctxt, field: &crate::ast::Field) {
    let a = &field.attrs;
    if let (Some(b), Some(m)) = (a.buffer.get(), a.max_len.get()) {
        let mut err = syn::Error::new(
            m.key,
            "`max_len` conflicts with `buffer`: `buffer` describes a fixed byte array \
             (`[u8; N]`, QEMU's `VMSTATE_BUFFER`), and a `Vec<u8>` or `Box<[u8]>` with \
             `max_len` travels as bytes already (with `len`, as QEMU's `VMSTATE_VBUFFER`): \
             drop `buffer`",
        );
        err.combine(syn::Error::new(b.key, "`buffer` given here"));
        cx.syn_error(err);
    }
}

/// `len = "count"`: the field holding the length must be known when the sequence is loaded
/// (decoded before it, or not on the wire at all) and be the struct's own.
fn check_len(cx: &Ctxt, input: &Input, field: &crate::ast::Field) {
    let Some(len) = field.attrs.len.get() else {
        return;
    };
    if field.role() != Role::Migrated {
        return; // reported as a conflict of keys
    }
    if !field.attrs.max_len.given() {
        if field.is_variable_length() {
            return; // the sequence's missing `max_len` is reported on its own
        }
        cx.error_at(
            len.key,
            "`len` names the field that holds the length of a `Vec`, `VecDeque`, `Box<[T]>` or \
             `String`: it goes with `max_len` on that sequence",
        );
        return;
    }
    let (this, name) = (&field.ident, len.value.value());
    let Some(source) = input.count_field(field) else {
        // The described name (`name = "..."`) is not the identifier `len` takes.
        let described = input.fields.iter().find(|f| f.name() == name);
        let hint = described.map_or_else(String::new, |f| {
            format!(
                " (`{name}` is the described name of `{}`: use that)",
                f.ident
            )
        });
        cx.error_at(
            len.span,
            format!(
                "no field `{name}` in `{}`: `len` names the field of this struct that holds \
                 the length of `{this}`{hint}",
                input.ident
            ),
        );
        return;
    };
    let why = match source.role() {
        _ if source.index == field.index => Some(format!("`{this}` cannot hold its own length")),
        Role::Migrated | Role::Immutable if source.index > field.index => Some(format!(
            "`{name}` comes after `{this}`: a load reads the length first, so declare `{name}` \
             before `{this}`; where QEMU sends the count after the sequence (a `Fifo32`'s \
             `buf_size`), name a skipped field declared before it that holds the count, and \
             keep the sent one where it is"
        )),
        Role::Derived | Role::DerivedByOwner => Some(format!(
            "`{name}` is derived: it is recomputed after the load, so it cannot give the length \
             of `{this}` while loading; name a migrated, immutable or skipped field"
        )),
        Role::Subsection => Some(format!(
            "`{name}` is a subsection, not an integer: `len` names an integer field"
        )),
        _ => None,
    };
    if let Some(why) = why {
        cx.error_at(len.span, why);
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
    if let Some(&(role, role_span)) = role_key {
        // An immutable field travels (in the native format) and may need a bound or be
        // described as a buffer; a derived one does not travel at all.
        let type_keys: &[&str] = if role == "immutable" {
            &[]
        } else {
            &["max_len", "buffer"]
        };
        let travel_keys = given
            .iter()
            .filter(|(k, _)| WIRE_KEYS.contains(k) || type_keys.contains(k));
        for &(key, span) in travel_keys {
            let why = if (key, role) == ("equal", "immutable") {
                "an `immutable` field travels in the native format only, an `equal` one on \
                 both wires (QEMU's `VMSTATE_*_EQUAL`); either is checked against the \
                 destination's value: choose one"
            } else {
                "it applies to fields that travel"
            };
            let mut err = syn::Error::new(span, format!("`{key}` conflicts with `{role}`: {why}"));
            err.combine(syn::Error::new(role_span, format!("`{role}` given here")));
            cx.syn_error(err);
        }
        return;
    }
    if let Some(s) = a.since.get() {
        if s.value == 0 {
            cx.error_at(
                s.span,
                "`since = 0` is every version: leave `since` out for a field that was always there",
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
        // `exists` in its place is reported once, on `exists`, below.
        (Some(sub), None) if !a.needed.given() && !a.has_test() => cx.error_at(
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
        if is_option(field.ty) {
            cx.error_spanned_by(
                field.ty,
                format!(
                    "subsection `{}` is the struct itself, not an `Option`: whether it is sent \
                     is what its `needed` function says, and a stream without it keeps the \
                     destination's value (or its `default`); write the struct's type",
                    field.ident
                ),
            );
        } else if matches!(crate::ast::ungroup(field.ty), syn::Type::Array(_)) {
            cx.error_spanned_by(
                field.ty,
                format!(
                    "subsection `{}` is an array: a subsection is one struct with its own name, \
                     and a load could not tell the elements apart; give each element a field \
                     of its own (with its own `#[vmstate(name = \"{}/...\")]`), or make the \
                     array a field of one subsection struct",
                    field.ident,
                    input.name()
                ),
            );
        } else if is_simple(field.ty) || field.is_variable_length() {
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
        for &(key, span) in given.iter().filter(|(k, _)| NOT_ON_SUBSECTIONS.contains(k)) {
            if (key == "exists" || key == "exists_if") && !a.needed.given() {
                // Taken for the way to say when it is sent: one error saying which key does.
                cx.error_at(
                    span,
                    format!(
                        "subsection `{}` says when it is sent with `needed = \"Self::function\"`, \
                         a `fn(&Self) -> bool` (QEMU's `.needed`), not with `{key}`",
                        field.ident
                    ),
                );
                continue;
            }
            let mut err = syn::Error::new(
                span,
                format!("`{key}` conflicts with `subsection`: a subsection is versioned and sent on its own terms"),
            );
            err.combine(syn::Error::new(sub.key, "`subsection` given here"));
            cx.syn_error(err);
        }
    }
    if let Some(d) = a.default.get() {
        // (With `exists` the function decides; `since` on a subsection is refused apart.)
        let since_loaded_always = (a.since.get()).filter(|s| {
            s.value <= input.minimum_version() && !a.has_test() && !a.subsection.given()
        });
        if !field.is_optional() {
            cx.error_at(
                d.key,
                "`default` gives the value when the input lacks the field: it needs `since`, \
                 `exists`, `exists_if` or `subsection`",
            );
        } else if let Some(s) = since_loaded_always {
            // A port keeps QEMU's `since` when the minimum version rises (the description then
            // matches QEMU's dump); a `default` there is code that never runs.
            let mut err = syn::Error::new(
                d.key,
                format!(
                    "`default` never applies: `since = {}` is not above the struct's \
                     `minimum_version` ({}), so every stream this struct loads carries the \
                     field; lower `minimum_version` to load the older streams, or remove \
                     `default`",
                    s.value,
                    input.minimum_version()
                ),
            );
            err.combine(syn::Error::new(s.span, "`since` given here"));
            cx.syn_error(err);
        } else if let Some(count) = (a.len.get())
            .filter(|_| d.value.text == crate::attr::TYPE_DEFAULT)
            .filter(|_| input.count_field(field).is_some_and(|c| !c.is_optional()))
        {
            // The default must have the count's length (checked on load): an empty one would
            // refuse every old stream whose count is not 0. (A count that an old stream lacks
            // too loads as 0, or as its own default.)
            cx.error_at(
                d.key,
                format!(
                    "`Default::default` gives an empty sequence, and this one's length is held \
                     by `{}`: a stream that lacks the field would load only with a count of 0; \
                     give `default = \"Self::function\"`, a function returning a sequence of \
                     the count's length",
                    count.value.value()
                ),
            );
        }
    }
}

fn check_versions(cx: &Ctxt, input: &Input) {
    // Version 0 is allowed: QEMU has descriptions that never set one (`vmstate_clock`,
    // `ps2kbd/command_reply_queue`), and a subsection's version is on the wire.
    if let Some(m) = input.attrs.minimum_version.get() {
        if m.value > input.version() {
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
        if !matches!(field.role(), Role::Migrated | Role::Subsection) {
            cx.error_at(
                d.key,
                "`derives` belongs on a migrated field or a subsection whose struct has \
                 `derived_by_owner` fields",
            );
        }
    }
}

/// The point of the design: a derived field that nothing recomputes does not compile.
/// A derived function that is also the container's `post_load` would run twice per load
/// (the derived functions run, then `post_load`), so a hook that re-arms a timer or counts
/// would do it twice; and running it once would have to break the order of one of the two.
fn check_derived_is_not_post_load(cx: &Ctxt, input: &Input, field: &crate::ast::Field) {
    let Some(post_load) = input.attrs.post_load.get() else {
        return;
    };
    let own = input.ident.unraw().to_string();
    let post_load_fn = crate::attr::function_key(&post_load.value.path, &own);
    let same =
        |hook: &crate::attr::Hook| crate::attr::function_key(&hook.path, &own) == post_load_fn;
    let derived = (field.attrs.derived.get()).and_then(|d| d.value.as_ref());
    let derives = field.attrs.derives.get().map(|d| &d.value);
    let fix = if let Some(hook) = derived.filter(|h| same(h)) {
        Some((
            hook,
            "write `#[vmstate(derived)]`: `post_load` then recomputes the field",
        ))
    } else {
        derives.filter(|h| same(h)).map(|hook| {
            let fix = "remove `derives`: `post_load` then recomputes what the field's type \
                       leaves to its owner";
            (hook, fix)
        })
    };
    if let Some((hook, fix)) = fix {
        cx.error_at(
            hook.span,
            format!(
                "`{}` is also the container's `post_load`, which runs after the derived \
                 functions: it would run twice per load; {fix}",
                hook.text
            ),
        );
    }
}

/// Whether a key that gives the field its role was written but is in error (misspelt, or of
/// a malformed value).
fn role_in_error(field: &crate::ast::Field) -> bool {
    let a = &field.attrs;
    a.skip.in_error()
        || a.derived.in_error()
        || a.derived_by_owner.in_error()
        || a.immutable.in_error()
        || a.subsection.in_error()
}

fn check_derived_has_function(cx: &Ctxt, input: &Input, field: &crate::ast::Field) {
    let Some(derived) = field.attrs.derived.get() else {
        return;
    };
    // A misspelt `post_laod` counts as given (`Slot::given`): it was reported once.
    if derived.value.is_none() && !input.attrs.post_load.given() {
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
