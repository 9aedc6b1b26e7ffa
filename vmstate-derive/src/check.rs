//! Semantic checks of the model: what attributes mean together.

use crate::ast::{is_simple, Input, Role};
use crate::attr::WIRE_KEYS;
use crate::ctxt::Ctxt;
use quote::ToTokens;
use syn::ext::IdentExt;

/// Records every problem with the combination of attributes in `input`.
pub fn check(cx: &Ctxt, input: &Input) {
    check_versions(cx, input);
    check_name(cx, input);
    check_generic_names(cx, input);
    check_hook_names(cx, input);
    check_field_names(cx, input);
    check_reserved_paths(cx, input);
    for field in &input.fields {
        let errors = cx.len();
        check_field(cx, input, field);
        if cx.len() > errors {
            field.faulty.set(true);
        }
    }
}

fn check_field(cx: &Ctxt, input: &Input, field: &crate::ast::Field) {
    check_reserved(cx, field);
    if matches!(field.role(), Role::Migrated | Role::Immutable) {
        check_wire_type(cx, field.ty);
    }
    if field.travels() {
        check_not_recursive(cx, input, field.ty);
    }
    check_conflicts(cx, field);
    check_derived_has_function(cx, input, field);
    check_bounds(cx, input, field);
    check_evolution(cx, input, field);
    check_len(cx, input, field);
    check_equal(cx, field);
    check_buffer(cx, field);
    check_padding(cx, input, field);
    check_checks_of_non_plain_values(cx, field);
}

/// std's atomics that migrate (`AtomicUsize`/`AtomicIsize` cannot: `check_wire_type`).
const STD_ATOMICS: &[&str] = &[
    "AtomicBool",
    "AtomicU8",
    "AtomicI8",
    "AtomicU16",
    "AtomicI16",
    "AtomicU32",
    "AtomicI32",
    "AtomicU64",
    "AtomicI64",
];

/// The last segment of `ty`'s path where it names a type of std by name (a bare name, or a
/// path through `std`, `core` or `alloc`), for the checks that know std's types.
fn std_type(ty: &syn::Type) -> Option<&syn::PathSegment> {
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return None;
    };
    (p.qself.is_none() && names_std(&p.path))
        .then(|| p.path.segments.last())
        .flatten()
}

/// Whether `segment` names one of std's atomics that migrate.
fn is_std_atomic(segment: &syn::PathSegment) -> bool {
    segment.arguments.is_empty() && STD_ATOMICS.iter().any(|a| segment.ident == a)
}

/// A `range` or a field's `validate` on an atomic, a `Cell`, a `Vec`, a `Box` or a `String`
/// (or an array of them): none is a plain value the load can compare before the commit, and
/// rustc's errors (up to three per field, and again at each use of the struct) name the
/// derive's traits. One error on the key, saying where the check goes.
fn check_checks_of_non_plain_values(cx: &Ctxt, field: &crate::ast::Field) {
    let (elem, _) = crate::ast::array_element(field.ty);
    let Some(last) = std_type(elem) else {
        return;
    };
    let generic = !last.arguments.is_empty();
    let (what, read) = match last.ident.to_string().as_str() {
        _ if is_std_atomic(last) => (format!("an `{}`", last.ident), " with `load`"),
        "Cell" if generic => ("a `Cell`".to_owned(), " with `get`"),
        "Vec" | "Box" if generic => (format!("a `{}`", last.ident), ""),
        "String" if !generic => ("a `String`".to_owned(), ""),
        _ => return,
    };
    let keys = [
        ("range", field.attrs.range.get().map(|r| r.key)),
        ("validate", field.attrs.validate.get().map(|v| v.key)),
    ];
    for (key, span) in keys {
        if let Some(span) = span {
            cx.error_at(
                span,
                format!(
                    "`{key}` cannot check {what}: it is not a plain value the load compares \
                     before its commit; check it in the container's `validate = \"...\"`, a \
                     `fn(&Self)` that reads it{read} (a type of your own so named is named by \
                     its path)"
                ),
            );
        }
    }
}

/// The keys padding takes: its described name and when it is on the wire.
pub(crate) const PADDING_KEYS: &[&str] = &["name", "since", "exists"];

/// Padding (`Unused<N>`, `Removed<T>`) only keeps bytes on the wire, migrated, and loads no
/// value: a role would take its bytes off a wire (`skip`, `derived`, `immutable`, which
/// travels in the native format only), and a check or default would see nothing.
fn check_padding(cx: &Ctxt, input: &Input, field: &crate::ast::Field) {
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
                     wires and are skipped on load, so they take only `name`, `since` and \
                     `exists`; remove `{key}` (a type of one's own so named is taken for \
                     padding too: rename it, or name it by its path)"
                ),
            );
        }
    }
}

/// Field keys that a subsection, versioned and sent on its own terms, does not take.
const NOT_ON_SUBSECTIONS: &[&str] = &[
    "since", "exists", "max_len", "validate", "range", "len", "equal",
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
            "`len` names the field that holds the length of a `Vec`, `Box<[T]>` or `String`: \
             it goes with `max_len` on that sequence",
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
             before `{this}` (as QEMU puts the count before the array)"
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
        (Some(sub), None) if !a.needed.given() && !a.exists.given() => cx.error_at(
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
            if key == "exists" && !a.needed.given() {
                // Taken for the way to say when it is sent: one error saying which key does.
                cx.error_at(
                    span,
                    format!(
                        "subsection `{}` says when it is sent with `needed = \"Self::function\"`, \
                         a `fn(&Self) -> bool` (QEMU's `.needed`), not with `exists`",
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
            s.value <= input.minimum_version() && !a.exists.given() && !a.subsection.given()
        });
        if !field.is_optional() {
            cx.error_at(
                d.key,
                "`default` gives the value when the input lacks the field: it needs `since`, \
                 `exists` or `subsection`",
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
fn check_name(cx: &Ctxt, input: &Input) {
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
fn reserved_generic_names<'a>(
    input: &'a Input<'a>,
) -> impl Iterator<Item = (String, proc_macro2::Span)> + 'a {
    input.generics.params.iter().filter_map(|param| {
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
pub fn reserved_generics(input: &Input) -> bool {
    reserved_generic_names(input).next().is_some()
}

fn check_generic_names(cx: &Ctxt, input: &Input) {
    for (name, span) in reserved_generic_names(input) {
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
    for param in input.generics.type_params() {
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

fn check_hook_names(cx: &Ctxt, input: &Input) {
    let own = input.ident.unraw().to_string();
    for hook in hooks(input) {
        let key = crate::attr::function_key(&hook.path, &own);
        let method = key.strip_prefix("Self::");
        // The function's own name, however the path reaches the type (`Self::`, an alias,
        // `crate::Dev::`, `r#`).
        let last = hook
            .path
            .path
            .segments
            .last()
            .map(|s| s.ident.unraw().to_string());
        let reserved = last.filter(|n| reserved_name(n));
        if let Some(name) = reserved {
            cx.error_at(
                hook.span,
                format!(
                    "`{name}` is reserved: the derive gives the struct methods whose names start \
                     with `__vmstate` (in any case), which a path to the struct would find; give \
                     the function another name"
                ),
            );
        } else if let Some(name) = method.filter(|m| HOOK_RUNNERS.contains(m)) {
            cx.error_at(
                hook.span,
                format!(
                    "`{name}` is the name of a method of vmstate's `Field` trait, which runs \
                     the hooks: with the trait in scope `Self::{name}` could call it instead of \
                     a function of yours; give the function another name"
                ),
            );
        }
    }
}

/// A field's described name (`name = "..."`) names it in descriptions, schemas and error
/// paths, so it must be there, print on one line, and not be a word the schema tools read
/// otherwise. Fields migrated on QEMU's wire may share a name, as QEMU's do (PCI's two
/// `config`, e1000's three `mac_reg` parts: decoded states list them as `mac_reg[0]`, ...,
/// as QEMU's vmdesc does); the others, and a length that `len` names, schemas find by name.
fn check_field_names(cx: &Ctxt, input: &Input) {
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

/// The generated code's own items start with `__vmstate` in some case (`__vmstate_private`,
/// `__VmStateProbe`): a path whose first segment names an item of the user's so named (in a
/// field type, the struct's bounds, a hook path or a range) would find the generated one.
/// Later segments, and paths from `self`, `super` or `crate`, are not looked up in the block.
/// (Reserved generic parameters are reported apart.)
fn check_reserved_paths(cx: &Ctxt, input: &Input) {
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
    let params: Vec<String> = reserved_generic_names(input).map(|(n, _)| n).collect();
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
fn check_reserved(cx: &Ctxt, field: &crate::ast::Field) {
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

/// A migrated type that holds the struct itself (`Vec<Self>`, `Box<[Bus]>` in `Bus`) has a
/// description without end; rustc would report it as an overflow in generated items.
fn check_not_recursive(cx: &Ctxt, input: &Input, ty: &syn::Type) {
    // Only through the containers that hold their argument's state (a user's `Id<Bus>`
    // may be a number that names a `Bus`).
    fn holds(ty: &syn::Type, name: &syn::Ident) -> bool {
        match crate::ast::ungroup(ty) {
            syn::Type::Path(p) if p.qself.is_none() => {
                let Some(last) = p.path.segments.last() else {
                    return false;
                };
                if p.path.segments.len() == 1 && (last.ident == "Self" || last.ident == *name) {
                    return true;
                }
                let container = ["Vec", "Box", "Cell", "Removed"]
                    .iter()
                    .any(|c| last.ident == c);
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                    return false;
                };
                container
                    && args
                        .args
                        .iter()
                        .any(|a| matches!(a, syn::GenericArgument::Type(t) if holds(t, name)))
            }
            syn::Type::Array(a) => holds(&a.elem, name),
            syn::Type::Slice(s) => holds(&s.elem, name),
            syn::Type::Paren(p) => holds(&p.elem, name),
            _ => false,
        }
    }
    if holds(ty, input.ident) {
        cx.error_spanned_by(
            ty,
            format!(
                "`{}` cannot hold itself: a migrated field's type must not contain the struct \
                 (its description would have no end); keep the nested state in another struct, \
                 or mark the field `#[vmstate(skip)]`",
                input.ident
            ),
        );
    }
}

/// Types that can never implement `Field` (std's, with no fixed wire form) get a message that
/// says what to store instead, on the type itself, rather than the trait error's generic
/// "cannot migrate". Array lengths are not types and are not looked into.
/// The element of `Vec<T>` or `Box<[T]>` (`name` and `args`: the path's last segment).
fn sequence_element<'a>(name: &str, args: &'a syn::PathArguments) -> Option<&'a syn::Type> {
    let syn::PathArguments::AngleBracketed(args) = args else {
        return None;
    };
    let Some(syn::GenericArgument::Type(arg)) = args.args.first() else {
        return None;
    };
    match (name, crate::ast::ungroup(arg)) {
        ("Vec", _) => Some(arg),
        ("Box", syn::Type::Slice(s)) => Some(&s.elem),
        _ => None,
    }
}

/// A sequence's elements are plain values or structs built fresh from `Default`: not atomics
/// (compared as values before the commit) nor boxes (the sequence holds them on the heap).
fn check_sequence_element(cx: &Ctxt, elem: &syn::Type) {
    let Some(last) = std_type(elem) else {
        return;
    };
    let name = last.ident.to_string();
    if is_std_atomic(last) {
        let plain = name.trim_start_matches("Atomic").to_lowercase();
        cx.error_spanned_by(
            elem,
            format!(
                "an `{name}` cannot be a `Vec` or `Box<[T]>` element: elements are plain values \
                 or structs, loaded fresh and compared before the commit; store `{plain}`s and \
                 set the atomics from them in `post_load` (a type of your own so named is named \
                 by its path)"
            ),
        );
    } else if name == "Box" && !last.arguments.is_empty() {
        cx.error_spanned_by(
            elem,
            "a `Vec` or `Box<[T]>` element is the value itself: write `Vec<T>`, not \
             `Vec<Box<T>>` (the sequence holds its elements on the heap already; a type of \
             your own named `Box` is named by its path)",
        );
    }
}

fn check_wire_type(cx: &Ctxt, ty: &syn::Type) {
    match crate::ast::ungroup(ty) {
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return;
            };
            let std_path = names_std(&p.path);
            let name = last.ident.to_string();
            let problem = match name.as_str() {
                "usize" | "isize" if last.arguments.is_empty() && std_path => {
                    let fixed = if name == "usize" { "u64" } else { "i64" };
                    Some(format!(
                        "`{name}` cannot migrate: its width depends on the host, and both wire \
                         formats have fixed-width integers only; store the value as `{fixed}` \
                         (or a narrower fixed-width integer)"
                    ))
                }
                "AtomicUsize" | "AtomicIsize" if last.arguments.is_empty() && std_path => {
                    let fixed = if name == "AtomicUsize" {
                        "AtomicU64"
                    } else {
                        "AtomicI64"
                    };
                    Some(format!(
                        "`{name}` cannot migrate: its width depends on the host, and both wire \
                         formats have fixed-width integers only; store the value in an \
                         `{fixed}` (or a narrower fixed-width atomic)"
                    ))
                }
                "char" if last.arguments.is_empty() && std_path => Some(
                    "`char` cannot migrate: neither wire format has characters; store it as \
                     a `u32` and convert it with `char::from_u32` after the load"
                        .to_owned(),
                ),
                "PhantomData" if std_path => Some(
                    "`PhantomData` carries no state: mark it `#[vmstate(skip)]` (it is \
                     described as skipped, and nothing is sent; a type of your own so named is \
                     named by its path)"
                        .to_owned(),
                ),
                // Without its argument, the name of another type.
                "Option" if std_path && !last.arguments.is_empty() => Some(
                    "`Option` cannot migrate: QEMU's wire has no optional values; send a flag \
                     field and the value, or put the value in a nested struct sent as a \
                     `subsection` whose `needed` function says whether it is there (a type of \
                     your own so named is named by its path)"
                        .to_owned(),
                ),
                _ => None,
            };
            match problem {
                Some(message) => cx.error_spanned_by(ty, message),
                // Into the containers this crate implements `Field` for; a user's own
                // generic type may implement it for any argument.
                None if matches!(name.as_str(), "Vec" | "Box" | "Cell")
                    || is_std_wrapper(&p.path) =>
                {
                    if std_path {
                        if let Some(elem) = sequence_element(&name, &last.arguments) {
                            check_sequence_element(cx, elem);
                        }
                    }
                    if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                        for arg in &args.args {
                            if let syn::GenericArgument::Type(inner) = arg {
                                check_wire_type(cx, inner);
                            }
                        }
                    }
                }
                None => {}
            }
        }
        syn::Type::Array(a) => check_wire_type(cx, &a.elem),
        syn::Type::Slice(s) => check_wire_type(cx, &s.elem),
        syn::Type::Paren(p) => check_wire_type(cx, &p.elem),
        syn::Type::Group(g) => check_wire_type(cx, &g.elem),
        syn::Type::Tuple(t) => cx.error_spanned_by(
            ty,
            if t.elems.is_empty() {
                "`()` cannot migrate: it carries nothing; remove the field or mark it \
                 `#[vmstate(skip)]`"
            } else {
                "a tuple cannot migrate: QEMU's descriptions name every value; use a struct \
                 that derives `VmState`"
            },
        ),
        syn::Type::Reference(_) | syn::Type::Ptr(_) => cx.error_spanned_by(
            ty,
            "a reference or pointer cannot migrate: a load must write the value; own it, or \
             mark the field `#[vmstate(skip)]`",
        ),
        _ => {}
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

fn check_bounds(cx: &Ctxt, input: &Input, field: &crate::ast::Field) {
    // A constant's value is checked where it is known, in the constant that holds it
    // (`Field::max_len_const`).
    if let Some((m, value)) =
        (field.attrs.max_len.get()).and_then(|m| Some((m, m.value.literal()?)))
    {
        if value == 0 {
            cx.error_at(
                m.span,
                "`max_len` must be at least 1: with 0 no value but an empty one could be saved",
            );
        } else if u32::try_from(value).is_err() {
            cx.error_at(
                m.span,
                format!(
                    "`max_len` must be at most {}: QEMU's wire counts a sequence in 32 bits",
                    u32::MAX
                ),
            );
        }
    }
    if let Some(r) = field.attrs.range.get() {
        if matches!(
            &r.value.expr,
            syn::Expr::Range(syn::ExprRange {
                start: None,
                end: None,
                ..
            })
        ) {
            cx.error_at(
                r.span,
                "range `..` holds every value, so it checks nothing: give a bound or remove it",
            );
        }
        if mentions_self(quote::ToTokens::to_token_stream(&r.value.expr)) {
            cx.error_at(
                r.span,
                "a range's bounds are constants: they cannot read the struct's fields (the \
                 load is staged, `self` is the destination before it); check one field against \
                 another in a container `validate`",
            );
        }
        if let Some(why) =
            empty_range(&r.value.expr).or_else(|| below_zero(&r.value.expr, field.ty))
        {
            cx.error_at(
                r.span,
                format!(
                    "range `{}` is empty ({why}): every load would be refused",
                    r.value.text
                ),
            );
        } else if let Some(wrapper) = wrapper_of_bare_literals(&r.value.expr, field.ty) {
            cx.error_at(
                r.span,
                format!(
                    "a range on a `{wrapper}` field is written in its values, \
                     `{wrapper}(0)..{wrapper}(8)`: a bare number is not a `{wrapper}`"
                ),
            );
        }
    }
    let travels = matches!(field.role(), Role::Migrated | Role::Immutable);
    // A `max_len` with a bad value has been reported already; a parameter named `String` is
    // (`check_generic_names`).
    let parameter = |ty: &syn::Type| match crate::ast::ungroup(ty) {
        syn::Type::Path(p) => (p.path.get_ident())
            .is_some_and(|i| input.generics.type_params().any(|t| t.ident == *i)),
        _ => false,
    };
    // A misspelt `max_length` counts as given (`Slot::given`): it was reported once.
    if travels && field.is_variable_length() && !field.attrs.max_len.given() && !parameter(field.ty)
    {
        cx.error_spanned_by(
            field.ty,
            format!(
                "field `{}` has a variable length and needs a bound: add \
                 `#[vmstate(max_len = N)]` so a load refuses longer input before allocating \
                 (the derive knows `Vec`, `Box<[T]>` and `String` by name: a type of your own \
                 so named is named by its path, e.g. `regs::String`)",
                field.ident
            ),
        );
    }
}

/// Whether `path` may name a std type: a bare name (`usize`, `Option`), or a path through
/// `core` or `std` (a user's own `foo::Option` is another type).
fn names_std(path: &syn::Path) -> bool {
    path.segments.len() == 1
        || path
            .segments
            .first()
            .is_some_and(|f| f.ident == "core" || f.ident == "std" || f.ident == "alloc")
}

/// Whether `ty` is std's `Option<T>`.
fn is_option(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return false;
    };
    p.qself.is_none()
        && names_std(&p.path)
        && p.path
            .segments
            .last()
            .is_some_and(|l| l.ident == "Option" && !l.arguments.is_empty())
}

/// Whether `tokens` use the value `self` (not the module path `self::`).
fn mentions_self(tokens: proc_macro2::TokenStream) -> bool {
    let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
    tokens.iter().enumerate().any(|(i, t)| match t {
        proc_macro2::TokenTree::Ident(id) => {
            let path = matches!(
                tokens.get(i + 1),
                Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == ':'
            );
            id == "self" && !path
        }
        proc_macro2::TokenTree::Group(g) => mentions_self(g.stream()),
        _ => false,
    })
}

/// Why a range of integer or float literals holds no value (`8..0`, `3..3`, `1.0..0.5`), if
/// it is such a range.
fn empty_range(expr: &syn::Expr) -> Option<&'static str> {
    let syn::Expr::Range(r) = expr else {
        return None;
    };
    let order = compare(r.start.as_deref()?, r.end.as_deref()?);
    match (r.limits, order?) {
        (syn::RangeLimits::HalfOpen(_), std::cmp::Ordering::Less) => None,
        (syn::RangeLimits::HalfOpen(_), _) => Some("its start is not below its end"),
        (syn::RangeLimits::Closed(_), std::cmp::Ordering::Greater) => {
            Some("its start is above its end")
        }
        _ => None,
    }
}

/// Why `..0` holds no value of an unsigned type (or of arrays of one, bounded element-wise).
fn below_zero(expr: &syn::Expr, ty: &syn::Type) -> Option<&'static str> {
    let syn::Expr::Range(syn::ExprRange {
        start: None,
        end: Some(end),
        limits: syn::RangeLimits::HalfOpen(_),
        ..
    }) = expr
    else {
        return None;
    };
    let (false, syn::Lit::Int(end)) = bound_literal(end)? else {
        return None;
    };
    if end.base10_parse::<u128>().ok()? != 0 {
        return None;
    }
    // The integer inside arrays and wrappers (`[Wrapping<u8>; 4]`).
    let (mut ty, _) = crate::ast::array_element(ty);
    while let Some((_, inner)) = std_wrapped(ty) {
        (ty, _) = crate::ast::array_element(inner);
    }
    let syn::Type::Path(p) = ty else {
        return None;
    };
    let unsigned = ["u8", "u16", "u32", "u64", "u128", "usize"];
    p.path
        .get_ident()
        .filter(|i| unsigned.iter().any(|u| *i == u))
        .map(|_| "no unsigned value is below 0")
}

/// How two numeric literals (possibly negated) compare: integers exactly (any up to `u128`),
/// and as `f64` when either is a float (a mix is a type error rustc reports anyway).
fn compare(a: &syn::Expr, b: &syn::Expr) -> Option<std::cmp::Ordering> {
    let ((a_neg, a), (b_neg, b)) = (bound_literal(a)?, bound_literal(b)?);
    if let (syn::Lit::Int(a), syn::Lit::Int(b)) = (a, b) {
        // Sign and magnitude as one ordered key: negatives (larger magnitude first), zero,
        // positives.
        let key = |neg: bool, m: u128| match (neg, m) {
            (_, 0) => (1u8, 0u128),
            (true, m) => (0, u128::MAX - m),
            (false, m) => (2, m),
        };
        let (a_mag, b_mag) = (
            a.base10_parse::<u128>().ok()?,
            b.base10_parse::<u128>().ok()?,
        );
        return Some(key(a_neg, a_mag).cmp(&key(b_neg, b_mag)));
    }
    let float = |neg: bool, lit: &syn::Lit| {
        let v: f64 = match lit {
            syn::Lit::Int(i) => i.base10_parse().ok()?,
            syn::Lit::Float(f) => f.base10_parse().ok()?,
            _ => return None,
        };
        Some(if neg { -v } else { v })
    };
    float(a_neg, a)?.partial_cmp(&float(b_neg, b)?)
}

/// A numeric literal, possibly negated (`-3`, `-(0.5)`): whether it is negated, and the
/// literal.
fn signed_literal(expr: &syn::Expr) -> Option<(bool, &syn::Lit)> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: lit @ (syn::Lit::Int(_) | syn::Lit::Float(_)),
            ..
        }) => Some((false, lit)),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => signed_literal(expr).map(|(neg, lit)| (!neg, lit)),
        syn::Expr::Paren(p) => signed_literal(&p.expr),
        _ => None,
    }
}

/// The wrapper (`Wrapping`, `Saturating`) of a field, or of its array's elements, whose range
/// bounds are bare number literals (`0..8`), which rustc would refuse as another type.
fn wrapper_of_bare_literals(expr: &syn::Expr, ty: &syn::Type) -> Option<String> {
    let syn::Expr::Range(r) = expr else {
        return None;
    };
    let bounds = [r.start.as_deref(), r.end.as_deref()];
    if !bounds.iter().flatten().any(|b| signed_literal(b).is_some()) {
        return None;
    }
    let (elem, _) = crate::ast::array_element(ty);
    std_wrapped(elem).map(|(wrapper, _)| wrapper.to_string())
}

/// A `Wrapping<T>` or `Saturating<T>` type: the wrapper's name and `T`.
fn std_wrapped(ty: &syn::Type) -> Option<(&syn::Ident, &syn::Type)> {
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return None;
    };
    let last = p.path.segments.last()?;
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args)
            if p.qself.is_none() && is_std_wrapper(&p.path) =>
        {
            match args.args.first() {
                Some(syn::GenericArgument::Type(inner)) => Some((&last.ident, inner)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A range bound's literal, possibly negated, also written as a wrapper's value
/// (`Wrapping(8)`, `Saturating(-1)`, for a field of that type). Not under a minus sign:
/// `-Wrapping(1)` wraps.
fn bound_literal(expr: &syn::Expr) -> Option<(bool, &syn::Lit)> {
    match expr {
        syn::Expr::Call(c) if c.args.len() == 1 => match &*c.func {
            syn::Expr::Path(p) if is_std_wrapper(&p.path) => signed_literal(&c.args[0]),
            _ => None,
        },
        syn::Expr::Paren(p) => bound_literal(&p.expr),
        _ => signed_literal(expr),
    }
}

/// std's wrappers of a plain value, which travel as the value: `Wrapping`, `Saturating`.
const STD_WRAPPERS: &[&str] = &["Wrapping", "Saturating"];

/// Whether `path` names one of [`STD_WRAPPERS`] (a bare name or a path through `std` or
/// `core`).
fn is_std_wrapper(path: &syn::Path) -> bool {
    names_std(path)
        && (path.segments.last()).is_some_and(|l| STD_WRAPPERS.iter().any(|w| l.ident == w))
}
