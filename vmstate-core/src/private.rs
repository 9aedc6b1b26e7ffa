//! Used by the generated code; not a public API.
pub use crate::count::{check_count, check_kept_count, load_counted, optional_count, save_counted};
pub use crate::field::{
    check_save_len as check_len, load_struct_elements, save_struct_elements, Difference,
};
pub use crate::{
    Bounded, ByteBuffer, Count, Decoder, Description, Element, Encoder, Error, ErrorKind, Field,
    FieldDesc, FieldKind, HookOutput, Hooks, Optional, Plain, Scalar, Shape, VmState, WireCount,
};
pub use core::default::Default;
pub use core::fmt::Debug;
pub use core::mem::swap;
pub use core::option::Option::{self, None, Some};
pub use core::result::Result::{self, Err, Ok};
pub use std::vec;
pub use std::vec::Vec;

/// Prefixes an error's path with a field name (a function, not a closure per field: the
/// generated code stays small to type-check).
#[inline(always)]
pub fn in_field<T>(r: Result<T, Error>, name: &'static str) -> Result<T, Error> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => Err(e.in_field(name)),
    }
}

/// A field's value as a load has read it so far, for an `exists_if` test of a later field:
/// the value read, the field's `default`, or the destination's (the input lacked it).
#[inline(always)]
pub fn read_so_far<'a, T>(staged: &'a Optional<T, T>, destination: &'a T) -> &'a T {
    match staged {
        Optional::Loaded(v) | Optional::Replace(v) | Optional::KeptCopy(v) => v,
        Optional::Keep => destination,
    }
}

/// The error of element `index` of a sequence saved or loaded one element at a time, as a
/// slice of one (`transparent` structs and conversions do): the slice's `[0]`, if it gave
/// one, becomes `[index]`.
#[cold]
pub fn element_error(e: Error, index: usize) -> Error {
    e.of_element(index)
}

/// Checks a section (or subsection) version against a description.
pub fn check_version(d: &Description, version: u32) -> Result<(), Error> {
    crate::check_version(d, version)
}

/// Checks a subsection's version; the error names the field and the subsection.
#[inline]
pub fn check_subsection_version(
    d: &Description,
    version: u32,
    at: usize,
    field: &'static str,
) -> Result<(), Error> {
    crate::check_version(d, version).map_err(|e| {
        e.or_offset(at)
            .in_named(format!("{field} (subsection `{}`)", d.name))
    })
}

/// Calls a `post_load` hook of either form ([`PostLoadFn`](crate::PostLoadFn)).
#[inline(always)]
pub fn post_load<T: ?Sized, Args, H: crate::PostLoadFn<T, Args>>(
    hook: H,
    target: &mut T,
    version: u32,
) -> H::Output {
    hook.call(target, version)
}

/// Calls a field's `exists` function of either form ([`ExistsFn`](crate::ExistsFn)).
#[inline(always)]
pub fn field_exists<T: ?Sized, Args, H: crate::ExistsFn<T, Args>>(
    hook: H,
    target: &T,
    version: u32,
) -> bool {
    hook.call(target, version)
}

/// Calls a field's `validate` function of either form ([`ValidateFn`](crate::ValidateFn)).
#[inline(always)]
pub fn validate_field<T, Args, H: crate::ValidateFn<T, Args>>(hook: H, value: &T) -> H::Output {
    hook.call(value)
}

/// Runs a hook's output through [`HookOutput`] and names the hook in the error.
#[inline]
pub fn hook<O: HookOutput>(name: &'static str, out: O) -> Result<(), Error> {
    out.into_hook_result().map_err(|e| Error::hook(name, e))
}

/// The error for a derived enum's value that names no variant: `7 is not a `Mode` (Off =
/// 0, On = 1)`.
#[cold]
pub fn unknown_variant(
    enum_name: &'static str,
    value: &dyn core::fmt::Display,
    variants: &[(&'static str, &dyn core::fmt::Display)],
    offset: usize,
) -> Error {
    let listed = crate::error::first_few(variants.iter().map(|(n, v)| format!("{n} = {v}")));
    let why = format!("{value} is not a `{enum_name}` ({listed})");
    Error::at(ErrorKind::InvalidValue(why), offset)
}

/// The error of a value read as `wire` that `TryFrom` refused to turn into a `type_name`
/// (`#[vmstate(try_from = "...")]`), at the value's offset.
#[cold]
pub fn conversion_refused(
    type_name: &'static str,
    wire: &'static str,
    why: &dyn core::fmt::Display,
    offset: usize,
) -> Error {
    let why = format!("the `{wire}` read is not a `{type_name}`: {why}");
    Error::at(ErrorKind::InvalidValue(why), offset)
}

/// Reads a subsection header if the next bytes are one of `parent`'s: the tag, then a
/// name that `known` says is one of its subsections' or that continues `parent` with `/`
/// (an unknown one, the error); otherwise reads nothing and returns `None`.
///
/// QEMU's test is the bare prefix (a name that starts with the parent's and is longer),
/// and a name it takes but does not know fails the load. So a struct `timer` would claim
/// the subsection `timer_block/irq` of an enclosing `timer_block` (and `dev/b` the sibling
/// `dev/bc`), and the load fail; this test leaves those to the struct they belong to. On
/// every stream QEMU loads the two tests agree: there, a name QEMU takes is one the struct
/// knows. So QEMU's names without a `/` (`arm_gic_virt_state`,
/// `arm.cortex-a9-global-timer.control`) read as in QEMU.
///
/// Inlined up to the first byte: most structs are followed by no subsection, and the
/// check then costs a compare instead of a call.
///
/// In the native format a struct's subsections end with a marker, which this reads (and
/// returns `None`); a subsection there that is not `parent`'s by QEMU's test is unknown,
/// not the next field of an enclosing struct.
#[inline(always)]
pub fn subsection_header<D: Decoder>(
    d: &mut D,
    parent: &str,
    known: impl Fn(&str) -> bool,
) -> Result<Option<(String, u32, usize)>, Error> {
    if D::MARKS_SUBSECTION_END {
        if d.peek_u8() == Some(crate::native::SUBSECTIONS_END) {
            d.scalar::<u8>()?;
            return Ok(None);
        }
        return marked_subsection_header(d, parent).map(Some);
    }
    if d.peek_u8() != Some(crate::qemu::tag::SUBSECTION) {
        return Ok(None);
    }
    tagged_subsection_header(d, parent, &known)
}

/// [`subsection_header`] for a struct described by `desc`: its subsections are the ones
/// it knows.
#[inline(always)]
pub fn subsection_header_of<D: Decoder>(
    d: &mut D,
    desc: &Description,
) -> Result<Option<(String, u32, usize)>, Error> {
    subsection_header(d, desc.name, |name| has_subsection(desc, name))
}

/// Whether `desc` has a subsection named `name`.
const fn has_subsection(desc: &Description, name: &str) -> bool {
    let mut i = 0;
    while i < desc.subsections.len() {
        if crate::describe::same_str(desc.subsections[i].name, name) {
            return true;
        }
        i += 1;
    }
    false
}

/// A native subsection header: the next bytes must be one, of a subsection of `parent`.
#[inline(never)]
fn marked_subsection_header<D: Decoder>(
    d: &mut D,
    parent: &str,
) -> Result<(String, u32, usize), Error> {
    let at = d.offset();
    let tag = d.scalar::<u8>()?;
    if tag != crate::qemu::tag::SUBSECTION {
        return Err(Error::at(
            ErrorKind::Format(format!(
                "expected a subsection (0x05) or the end of the subsections of `{parent}` \
                 (0x00), found 0x{tag:02x}"
            )),
            at,
        ));
    }
    let name = d.name()?;
    if name.is_empty() {
        // No subsection has an empty name: the fields before did not line up.
        return Err(Error::at(
            ErrorKind::Format(format!(
                "expected a subsection or the end of the subsections of `{parent}`, found \
                 a subsection tag and an empty name: the stream's fields do not line up \
                 with this build's"
            )),
            at,
        ));
    }
    if !subsection_name_ok(&name, parent) {
        return Err(unknown_subsection(name, at));
    }
    let version: u32 = d.scalar()?;
    Ok((name, version, at))
}

/// [`subsection_header`] once the next byte is the subsection tag.
#[inline(never)]
fn tagged_subsection_header<D: Decoder>(
    d: &mut D,
    parent: &str,
    known: &dyn Fn(&str) -> bool,
) -> Result<Option<(String, u32, usize)>, Error> {
    let at = d.offset();
    // Like QEMU, only peek: bytes that do not spell a name with this prefix are not a
    // subsection of ours (they may be the next field of an enclosing struct).
    let mark = d.mark();
    d.scalar::<u8>()?;
    let name = match d.name() {
        Ok(name) if continues_with_slash(&name, parent) || known(&name) => name,
        _ => {
            d.reset(mark);
            return Ok(None);
        }
    };
    let version: u32 = d.scalar()?;
    Ok(Some((name, version, at)))
}

/// Ends a struct's subsections (a marker in the native format, nothing on QEMU's wire).
#[inline(always)]
pub fn end_subsections<E: Encoder>(e: &mut E) {
    e.end_subsections();
}

/// Writes a subsection header.
pub fn write_subsection_header<E: Encoder>(e: &mut E, name: &str, version: u32) {
    e.scalar(crate::qemu::tag::SUBSECTION);
    e.name(name);
    e.scalar(version);
}

/// Refuses a subsection that a native input carries a second time. QEMU's loader lets
/// the later copy win, and so does the QEMU codec; a native section, which this crate
/// alone writes, holds each subsection at most once, so a second one is corrupt input.
#[inline(always)]
pub fn first_copy<D: Decoder, S, T>(
    staged: &Optional<S, T>,
    name: &str,
    offset: usize,
) -> Result<(), Error> {
    match (D::MARKS_SUBSECTION_END, staged) {
        (true, Optional::Loaded(_)) => Err(subsection_twice(name, offset)),
        _ => Ok(()),
    }
}

/// The error for an `exists` test (`test`, as written) that answers otherwise on the
/// loaded state than on the destination's state before the load, which the load asked
/// (`read`: whether it then read the field): the loaded state is refused by the test.
#[cold]
pub fn exists_changed(test: &'static str, read: bool) -> Error {
    let (before, after) = match read {
        true => ("present", "absent"),
        false => ("absent", "present"),
    };
    Error::new(ErrorKind::Validation {
        check: test,
        source: format!(
            "the load read the field as {before}, as this test said of the destination \
             before the load, but it says {after} of the loaded state: it reads migrated \
             fields, which a load (staged, all or nothing) cannot show it as QEMU's \
             `field_exists` sees those read so far; base it on the version or on \
             configuration both sides share"
        )
        .into(),
    })
}

/// The error for a subsection a native input carries a second time.
#[cold]
pub fn subsection_twice(name: &str, offset: usize) -> Error {
    Error::at(
        ErrorKind::Format(format!("subsection `{name}` is sent a second time")),
        offset,
    )
}

/// The error for a subsection the destination does not know.
#[cold]
pub fn unknown_subsection(name: String, offset: usize) -> Error {
    Error::at(ErrorKind::UnknownSubsection(name), offset)
}

/// A field's `range`: one of std's ranges of the field's type (a trait of its own, so that a
/// range of another type is told what to write).
#[diagnostic::on_unimplemented(
    message = "`range` must be a range of the field's type `{T}`, not a `{Self}`",
    label = "not a range of `{T}`",
    note = "write each bound as a value of `{T}`: a type of your own by its constructor (`Reg(0)..Reg(8)`), a const parameter bounding an integer field by a cast (`0..(N as u16)` for a `const N: usize`)"
)]
pub trait RangeOf<T>: core::ops::RangeBounds<T> {}

impl<T> RangeOf<T> for core::ops::Range<T> {}
impl<T> RangeOf<T> for core::ops::RangeInclusive<T> {}
impl<T> RangeOf<T> for core::ops::RangeFrom<T> {}
impl<T> RangeOf<T> for core::ops::RangeTo<T> {}
impl<T> RangeOf<T> for core::ops::RangeToInclusive<T> {}
impl<T> RangeOf<T> for (core::ops::Bound<T>, core::ops::Bound<T>) {}
// Bounds by reference (`&LOW..&HIGH`), as std's `RangeBounds<T>` takes them.
impl<T> RangeOf<T> for core::ops::Range<&T> {}
impl<T> RangeOf<T> for core::ops::RangeInclusive<&T> {}
impl<T> RangeOf<T> for core::ops::RangeFrom<&T> {}
impl<T> RangeOf<T> for core::ops::RangeTo<&T> {}
impl<T> RangeOf<T> for core::ops::RangeToInclusive<&T> {}
impl<'a, T> RangeOf<T> for (core::ops::Bound<&'a T>, core::ops::Bound<&'a T>) {}

/// The error for a field that failed its `range` (`bounds`, written as `range`).
#[cold]
pub fn out_of_range(
    value: &dyn Debug,
    bounds: &dyn Debug,
    range: &'static str,
    offset: usize,
) -> Error {
    Error::at(
        ErrorKind::OutOfRange {
            value: format!("{value:?}"),
            range,
            bounds: format!("{bounds:?}"),
        },
        offset,
    )
}

/// A value from a field's `default` function that the field's own checks (`max_len`,
/// `validate`, `range`) refuse: the function's failure (no byte of the input is at
/// fault, so it has no offset).
#[cold]
pub fn default_refused(hook: &'static str, e: Error) -> Error {
    e.into_hook_source(hook)
}

/// Runs a validation function's output through [`HookOutput`].
#[inline]
pub fn validation<O: HookOutput>(
    check: &'static str,
    out: O,
    offset: Option<usize>,
) -> Result<(), Error> {
    out.into_hook_result().map_err(|source| {
        let e = Error::new(ErrorKind::Validation { check, source });
        match offset {
            Some(o) => e.or_offset(o),
            None => e,
        }
    })
}

/// Whether `child` may be a subsection of `parent`, by QEMU's test
/// (`vmstate_subsection_load`): it starts with the parent's name and is longer.
pub const fn subsection_name_ok(child: &str, parent: &str) -> bool {
    let (c, p) = (child.as_bytes(), parent.as_bytes());
    c.len() > p.len() && crate::describe::starts_with(c, p)
}

/// Whether `child` is `parent`, `/` and more: a name a struct takes for one of its
/// subsections, known or not.
const fn continues_with_slash(child: &str, parent: &str) -> bool {
    subsection_name_ok_bytes(child.as_bytes(), parent.as_bytes())
}

const fn subsection_name_ok_bytes(c: &[u8], p: &[u8]) -> bool {
    c.len() > p.len() + 1 && c[p.len()] == b'/' && crate::describe::starts_with(c, p)
}

/// Whether a load can tell two sibling subsections apart (`None`: a type the where
/// clause reports): their names differ, and neither is the other's followed by `/` (the
/// first's load would take the second's header for one of its own subsections).
pub const fn names_differ(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (a, b) = (a.as_bytes(), b.as_bytes());
            let same = a.len() == b.len() && crate::describe::starts_with(a, b);
            !same && !subsection_name_ok_bytes(a, b) && !subsection_name_ok_bytes(b, a)
        }
        _ => true,
    }
}

/// Compile-time check of a struct's subsections against what loads just before them:
/// `fields` are its fields on QEMU's wire in order (the shape a nested struct may be found
/// in, or `None`; whether a stream may lack it; whether it writes a count of its own),
/// `subsections` its subsections (shape and name). The loader peeks for a struct's
/// subsections after each struct, so a nested struct loaded last, at any depth, whose name
/// a subsection's continues with `/`, or that has a subsection of that name, would take
/// that subsection's header for one of its own. Returns the index of the first field that
/// may hold one, or `fields.len()` plus that of a subsection that holds one before a later
/// sibling; `usize::MAX` when none.
/// (QEMU's loader takes any name that starts with the struct's; this crate's the names
/// that continue it with `/` and those of its subsections, and only what it could not
/// load itself is refused.)
pub const fn subsection_claim(
    fields: &[(Option<&Shape>, bool, bool)],
    subsections: &[(Option<&Shape>, Option<&str>)],
) -> usize {
    let mut i = fields.len();
    while i > 0 {
        i -= 1;
        let (shape, absent, counted) = fields[i];
        if let Some(shape) = shape {
            let mut s = 0;
            while s < subsections.len() {
                if let Some(sub) = subsections[s].1 {
                    if claims(shape, sub, false) {
                        return i;
                    }
                }
                s += 1;
            }
        }
        let empty = match shape {
            Some(shape) => !counted && shape_may_be_empty(shape),
            None => false,
        };
        if !absent && !empty {
            break;
        }
    }
    let mut a = 0;
    while a < subsections.len() {
        if let (Some(Shape::Struct(d)), _) = subsections[a] {
            let mut b = a + 1;
            while b < subsections.len() {
                // Their own names are compared apart ([`names_differ`]); the first's
                // subsections of the second's name are not.
                if let Some(sub) = subsections[b].1 {
                    if has_subsection(d, sub) || description_claims(d, sub, false, true) {
                        return fields.len() + a;
                    }
                }
                b += 1;
            }
        }
        a += 1;
    }
    usize::MAX
}

/// Whether loading a value of `shape` may end with a struct whose name `sub` continues
/// (`as_subsection`: the value is a subsection, loaded at any version it accepts; else a
/// nested struct, loaded at its own version).
const fn claims(shape: &Shape, sub: &str, as_subsection: bool) -> bool {
    match shape {
        Shape::Array { elem, len } => *len > 0 && claims(elem, sub, false),
        Shape::Seq { elem, .. } => claims(elem, sub, false),
        Shape::Struct(d) => description_claims(d, sub, true, as_subsection),
        _ => false,
    }
}

const fn description_claims(
    d: &Description,
    sub: &str,
    by_name: bool,
    as_subsection: bool,
) -> bool {
    if by_name && (continues_with_slash(sub, d.name) || has_subsection(d, sub)) {
        return true;
    }
    // Each of its own subsections may be the last thing it loads.
    let mut i = 0;
    while i < d.subsections.len() {
        if description_claims(d.subsections[i], sub, true, true) {
            return true;
        }
        i += 1;
    }
    // A nested struct loads at its own version, with every `since` field; a subsection
    // at any version from its minimum.
    let version = if as_subsection {
        d.minimum_version
    } else {
        d.version
    };
    let mut i = d.fields.len();
    while i > 0 {
        i -= 1;
        let f = &d.fields[i];
        if !matches!(f.kind, crate::FieldKind::Migrated) {
            continue;
        }
        if claims(f.shape, sub, false) {
            return true;
        }
        if !field_may_write_nothing(f, version) {
            break;
        }
    }
    false
}

/// Whether a field of a struct loaded at `version` or later may write nothing.
const fn field_may_write_nothing(f: &FieldDesc, version: u32) -> bool {
    f.since > version || f.exists.is_some() || f.len.is_some() || shape_may_be_empty(f.shape)
}

const fn shape_may_be_empty(shape: &Shape) -> bool {
    match shape {
        Shape::Array { elem, len } => *len == 0 || shape_may_be_empty(elem),
        Shape::Unused { len } => *len == 0,
        Shape::Removed { of } => shape_may_be_empty(of),
        // A nested struct, loaded at its own version.
        Shape::Struct(d) => {
            let mut i = 0;
            while i < d.fields.len() {
                let f = &d.fields[i];
                let on_wire = matches!(f.kind, crate::FieldKind::Migrated);
                if on_wire && !field_may_write_nothing(f, d.version) {
                    return false;
                }
                i += 1;
            }
            true
        }
        _ => false,
    }
}

/// Keeps the first error of a series of steps that all run.
#[inline]
pub fn keep_first(first: &mut Result<(), Error>, next: Result<(), Error>) {
    if first.is_ok() {
        *first = next;
    }
}

/// Commits an optional staged value.
#[inline]
pub fn commit_optional<T, S>(
    dst: &mut T,
    staged: &mut crate::Optional<S, T>,
    commit: impl FnOnce(&mut T, &mut S),
) {
    match staged {
        crate::Optional::Loaded(s) => commit(dst, s),
        crate::Optional::Keep => {}
        crate::Optional::Replace(v) => swap(dst, v),
        // Left as it is; undoing the commit puts the copy back (`Field::restore_kept`).
        crate::Optional::KeptCopy(_) => {}
    }
}

/// Compile-time check of a field the derive took for padding by its type's name
/// (`Unused`, `Removed`), to let it share the name `unused` with a real field: it must be
/// this crate's padding, not a type of the same name.
pub const fn is_padding(shape: &Shape) -> bool {
    matches!(shape, Shape::Unused { .. } | Shape::Removed { .. })
}

/// Compile-time check of the fields written as primitives or arrays of them (`u32`,
/// `[u16; 4]`), which the derive gives no nested hooks: the index of the first that is
/// not one (an alias of a struct), or `shapes.len()`.
pub const fn first_not_primitive(shapes: &[&Shape]) -> usize {
    let mut i = 0;
    while i < shapes.len() && is_primitive_shape(shapes[i]) {
        i += 1;
    }
    i
}

const fn is_primitive_shape(shape: &Shape) -> bool {
    match shape {
        // A fieldless enum has no hooks either.
        Shape::Primitive(_) | Shape::Enum { .. } => true,
        Shape::Array { elem, .. } => is_primitive_shape(elem),
        _ => false,
    }
}

/// Compile-time check that a nested struct's owner-derived fields have an owner function.
pub const fn owner_hook_present(shape: &Shape, has_owner_hook: bool) -> bool {
    has_owner_hook || !shape.needs_owner()
}

/// Compile-time check of a `Vec` field's elements: `false` when a nested struct of theirs
/// depends on the destination's configuration (see [`Description::holds_configuration`]; the
/// element struct's own fields are refused by the `Element` bound).
pub const fn no_nested_configuration(elements: &Shape) -> bool {
    match elements {
        Shape::Struct(d) => !d.holds_configuration(false),
        _ => !elements.holds_configuration(),
    }
}

/// Implemented by no type: the derive requires it of an element struct that depends on
/// the destination's configuration (`immutable` or `equal` fields, a length held by a
/// skipped field), so a `Vec` of one does not compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` depends on the destination's configuration, so it cannot be an element of a `Vec`, `VecDeque` or `Box<[T]>` field",
    label = "a struct with `immutable` or `equal` fields, or a length held by a skipped field",
    note = "an element is built from `Default` on every load, so there is no configured value to check the stream's against or to size a sequence with; migrate the field (without the check) instead, or keep the configuration outside the element"
)]
pub trait ElementWithoutConfiguration {}
