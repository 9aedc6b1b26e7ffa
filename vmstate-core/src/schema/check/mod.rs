//! The compatibility checker: what QEMU's `scripts/vmstate-static-checker.py` flags, plus what
//! only this project's schemas can show.
//!
//! [`check`] compares the schema of an older release (`old`, the migration source) with the
//! schema of a newer one (`new`, the destination) and lists every way in which a stream saved by
//! `old` would not load correctly into `new`. For migration back from the newer release to the
//! older one, [`check_back`] runs the same rules with the arguments swapped and words each
//! finding for that direction, its fix one for the newer release (the older one is out).
//!
//! # Rules taken from QEMU's checker
//!
//! | rule | severity |
//! |---|---|
//! | [`Rule::SectionRemoved`]: a device of `old` is missing in `new` | error |
//! | [`Rule::VersionTooHigh`]: `old`'s version is above `new`'s (section, description, subsection) | error |
//! | [`Rule::BelowMinimumVersion`]: `old`'s version is below `new`'s minimum | error |
//! | the same two for a nested struct, whose version is not on the wire (QEMU's checker: errors) | warning |
//! | [`Rule::DescriptionRenamed`]: a section's or subsection's description renamed | error |
//! | the same for a nested struct, whose name is on no wire (QEMU's checker: an error; its fields are still compared) | warning |
//! | [`Rule::FieldRenamed`]: a field renamed, or the fields reordered | error |
//! | [`Rule::FieldRemoved`]: a field missing in `new`, without padding in its place | error |
//! | [`Rule::PaddingMismatch`]: `unused` padding that does not line up with what it replaces | error |
//! | [`Rule::PaddingMismatch`]: padding that lines up only if the last field before it, of a QEMU dump that gives no array lengths (before QEMU 8.2), is an array of as many elements as the warning says | warning |
//! | [`Rule::FieldSizeChanged`]: a field's size (or array length) changed (a byte array and a buffer of as many bytes, `VMSTATE_UINT8_ARRAY` and `VMSTATE_BUFFER`, are the same bytes: not against a 2-, 4- or 8-byte field of a dump that gives no array lengths, which may be an array of words) | error |
//! | [`Rule::FieldSizeChanged`]: a sequence sized by another field against a QEMU field of size 0 (a `VMSTATE_BITMAP` or `VBUFFER`, sized at run time): the dump cannot give its bytes | warning |
//! | [`Rule::FieldSizeChanged`]: fixed bytes (`[u8; N]`, a `buffer`) against a QEMU field of size 0 (a `VBUFFER` such as a `Fifo8`'s data): they match only while QEMU's count is always N | warning |
//! | [`Rule::FieldVersionChanged`]: a field's `version_id` (`since`) no longer matches the stream | error |
//! | [`Rule::NestedDescriptionMissing`]: a nested struct lost its description | error |
//! | [`Rule::SubsectionRemoved`]: a subsection of `old` is missing in `new` | error |
//! | [`Rule::MachineChanged`]: the machine types differ | warning |
//! | [`Rule::FieldsRestructured`]: fields regrouped with the same values on the wire (QEMU: a rename) | warning |
//!
//! The field walk follows QEMU's `check_fields`: fields are compared in order; a field moved into
//! a nested struct is accepted when the struct's first field matches; `unused` padding is
//! accepted in place of fields of the same total size (`size` × array length), also when one
//! padding entry covers several fields or several padding entries cover one field, as long as no
//! byte of a real field of one release would be read by a real field of the other, and no field
//! is read from padding while the other release still has that field further on. Padding is
//! told by its type where a schema has one (a real field may be called `unused`, as QEMU's
//! pl041 register is), else by that name. QEMU's whitelists of renamed fields and sections are
//! honoured.
//!
//! Where QEMU's checker is silent or lenient this one is stricter, because the breakage is real:
//! a field that `new` reads but an `old` stream lacks ([`Rule::FieldAdded`]) is an error unless
//! its `version_id` (`since`) is above the version of `old`'s stream (then the loader skips it,
//! wherever it sits); a field that `new` only reads from a version above `old`'s stream while
//! `old` sends it is an error; trailing padding that is left over is an error (a warning when
//! the field before it may be an array, as above).
//!
//! # Rules that need this project's extra keys
//!
//! These use `kind`, `type`, `max_len`, `len`, `validate`, `variants`, `hook`, `hooks` and
//! `NotOnWire`, and are skipped silently when either side lacks them (QEMU's own dumps):
//!
//! | rule | severity |
//! |---|---|
//! | [`Rule::FieldKindChanged`]: migrated ↔ derived/immutable/skipped, breaking a wire | error |
//! | [`Rule::FieldTypeChanged`]: same size, other type: int ↔ float, bool ↔ int, other encodings | error |
//! | [`Rule::FieldTypeChanged`]: same size, signedness only, of an array or a byte (`uint8` ↔ `int8`) | warning |
//! | [`Rule::FieldTypeChanged`]: signedness of a scalar wider than a byte (`uint32` ↔ `int32`): a native varint changes | error |
//! | [`Rule::FieldTypeChanged`]: an integer scalar ↔ an array of the same bytes (`uint32` ↔ `uint32[1]`): a varint against a block natively | error |
//! | [`Rule::MaxLenLowered`]: a `Vec`/`String` bound lowered | error |
//! | [`Rule::FieldTypeChanged`]: a `Vec`/`String` whose length moved into another field (`len`), out of it, or to another one | error |
//! | [`Rule::HookRemoved`]: a derived field that `old` recomputed has no recomputing hook in `new` | error |
//! | [`Rule::HookRemoved`]: a derived field that `new` sends with `since`, its function gone (an older stream leaves it as it was, unless a `default` sets it) | warning |
//! | [`Rule::PaddingMismatch`]: padding that lines up on QEMU's wire but not in the native format | error |
//! | [`Rule::FieldsRestructured`]: fields regrouped, or moved into or out of a nested struct, so that QEMU's wire lines up but the native format does not | error |
//! | [`Rule::FieldsRestructured`]: a value that became a nested struct of as many bytes under its name (`lcr: u8` into `lcr: Lcr { bits: u8 }`; the way back is QEMU's [`Rule::NestedDescriptionMissing`]) | error |
//! | [`Rule::FieldTypeChanged`]: the same, where the struct's fields are not one field of the value's type (a `u16` split into two bytes): QEMU's wire reads its bytes as other values | warning |
//! | [`Rule::FieldsRestructured`]: a struct with nothing on QEMU's wire turned into a value of no bytes or back, or its array length changed (`[u8; 0]` into `Empty`, `Empty` into `[Empty; 2]`): the native format writes an end marker per struct | error |
//! | [`Rule::FieldsRestructured`]: an immutable field moved among the migrated ones, or padding moved across it (the native format interleaves them in field order) | error |
//! | [`Rule::CheckAdded`]: a field's `validate`/`range` or a struct's `validate` is new or different, or an integer field became an enum (old streams may hold values it refuses; checks cannot be run here) | warning |
//! | [`Rule::VariantRemoved`]: an enum field lost the discriminant of a variant of the old release | error |
//! | [`Rule::VariantRenumbered`]: a variant of the old release has another discriminant, and its old one names another variant (a value of the old release loads as that one) | error |
//! | [`Rule::VariantRenamed`]: a variant of the old release is gone by name, and its discriminant names a variant new in `new` (renamed, or another state in its place) | warning |
//! | [`Rule::FieldFromPadding`]: a field of `new` read from `old`'s padding (`Removed<T>`, `Unused<N>`, a typed `unused`): it loads as zero, as on migration back over a field replaced by padding | warning |
//! | [`Rule::MovedIntoSubsection`]: a field of `old` read from a subsection new in `new` (there of the same size, or an integer of another width), with padding of its size named after it where it was (`old`'s streams carry it there) | warning |
//!
//! A signedness-only change is a warning where the bits load unchanged (bytes, and arrays and
//! vectors, which both formats carry as fixed-width blocks): every value that fits both types
//! keeps its meaning, so it is often deliberate; a wider scalar is a native varint, zigzag
//! when signed, so there it is an error; int ↔ float and int → bool are
//! errors because the same bits then mean a different value or are refused (bool → a
//! byte-wide integer is none: 0 and 1 load as themselves). A kind change is
//! an error when it changes which wire carries the field: QEMU's wire carries migrated fields,
//! this project's native format carries migrated and immutable ones; so a migrated field that
//! turns derived, immutable or skipped (without padding kept in its place), one that turns
//! migrated without `since` and a version bump, and an immutable field that turns derived or
//! skipped (or back) are errors; derived ↔ skipped is not. The native format writes integers
//! wider than a byte as varints, so `Unused<4>` in place of a removed `u32` keeps QEMU's wire
//! aligned but not native streams: use `Removed<u32>` (padding that the native format reads as a
//! `u32`); `Unused<N>` is fine for bytes, bools, floats and arrays.
//!
//! Immutable fields, and nested structs with nothing on QEMU's wire (whose end marker the
//! native format still writes), travel in the native format only: one removed, one added that
//! an old stream would be read for, or one read only from a version above the old stream's, is
//! an error ([`Rule::FieldRemoved`], [`Rule::FieldAdded`], [`Rule::FieldVersionChanged`] under
//! `NotOnWire`); one in the place of a field of the same kind and type under another name is a
//! [`Rule::FieldRenamed`] error, as on QEMU's wire. A nested struct is sent at its sender's
//! version and read at its reader's, so QEMU's "a stream of a version in between" rule does not
//! apply inside one (nor where every version in between is below the new release's
//! `minimum_version`, which refuses such streams whatever their fields); but its `exists` tests are asked with the sender's version on save and
//! the reader's on load, so a field behind one in a nested struct whose version changed is a
//! [`Rule::FieldVersionChanged`] warning. A `String` loads as a `Vec<u8>` of the same bound (not back: UTF-8 is
//! checked). An immutable field's type change is judged as a migrated field's is (so an error
//! unless only a byte's signedness changed), except that widening an integer varint is fine (it
//! reads the narrower one's values alike); an immutable nested struct's fields are compared as
//! a nested struct's on QEMU's wire are.
//!
//! Not checked: what a field's `exists` test returns for an older stream (it cannot be run
//! here): a field added behind one, or an existing field that gains or loses one, is a
//! warning saying what the test must return.
//!
//! # Subsections that share a name
//!
//! A load looks a subsection up by its name and takes the first of it (QEMU's
//! `vmstate_get_subsection`), so a description with several subsections of one name cannot
//! load the others' state ([`Rule::SubsectionNameShared`], an error; QEMU's checker is silent,
//! QEMU 11.1's `sd-card` has two). Reported once per name in any description of `new` that
//! travels, at any depth, whether or not `old` has it; and in a description of `old` that the
//! checker pairs with one of `new` (sections, nested structs, subsections, immutable structs)
//! having one subsection of that name (the old release's streams carry the others under it).
//!
//! ```
//! use vmstate_core::schema::{check, Rule, Schema, Severity};
//! use vmstate_core::VmState;
//!
//! #[derive(VmState)]
//! #[vmstate(name = "timer")]
//! struct TimerV1 { count: u32, limit: u32 }
//!
//! #[derive(VmState)]
//! #[vmstate(name = "timer")]
//! struct TimerV2 { count: u32, reload: u32 }
//!
//! let mut old = Schema::new(None);
//! old.add("timer", TimerV1::DESCRIPTION);
//! let mut new = Schema::new(None);
//! new.add("timer", TimerV2::DESCRIPTION);
//!
//! assert_eq!(check(&old, &old).errors(), 0);
//! let report = check(&old, &new);
//! assert_eq!(report.errors(), 1);
//! let f = &report.findings[0];
//! assert_eq!((f.rule, f.severity), (Rule::FieldRenamed, Severity::Error));
//! assert_eq!(f.path, "timer/Fields/limit");
//! ```

mod back;
mod extras;
mod fields;
mod names;
mod native;
mod padding;
mod pair;
mod restructure;
mod shared_names;
mod walk;

use super::report::{Finding, Report, Rule, Severity};
use super::{Desc, DeviceEntry, FieldEntry, Schema};
use fields::extended;
use names::{names_match, renamed_section};
use std::collections::HashMap;
use walk::WalkCx;

/// Compares the schema of an older release (`old`, the migration source) with that of a newer
/// one (`new`, the destination): every way in which a stream saved by `old` would not load
/// correctly into `new`. Swap the arguments to check migration back to the older release.
///
/// Never panics, whatever the schemas hold. See the [module docs](self) for the rules.
///
/// ```
/// use vmstate_core::schema::{check, Rule, Schema};
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(name = "uart")]
/// struct Old { lcr: u8, dll: u8 }
///
/// #[derive(VmState)]
/// #[vmstate(name = "uart")]
/// struct New { lcr: u8 } // `dll` dropped without padding in its place
///
/// let schema = |d| {
///     let mut s = Schema::new(None);
///     s.add("uart", d);
///     s
/// };
/// let report = check(&schema(Old::DESCRIPTION), &schema(New::DESCRIPTION));
/// assert!(!report.is_compatible());
/// assert_eq!(report.by_rule(Rule::FieldRemoved).next().unwrap().path, "uart/Fields/dll");
/// ```
pub fn check(old: &Schema, new: &Schema) -> Report {
    compare(Checker::default(), old, new)
}

/// Whether `schema` gives no field an array length: a QEMU dump of a release before 8.2, whose
/// arrays show only their element's size (a later dump gives a fixed array's `num`, so a
/// field without one is no such array; this project's schemas give every length).
fn gives_no_lengths(schema: &Schema) -> bool {
    let mut todo: Vec<&super::Desc> = schema.devices.values().map(|e| &e.description).collect();
    while let Some(d) = todo.pop() {
        for f in d.fields.iter().chain(&d.not_on_wire) {
            if f.array_len.is_some() || f.kind.is_some() {
                return false;
            }
            todo.extend(f.description.as_deref());
        }
        todo.extend(&d.subsections);
    }
    true
}

/// Compares for migration back, from `newer` (the release being built, which sends) to
/// `older` (a release already out, which loads): the rules of [`check`], with the findings
/// worded for that direction ("the newer release" sends, "the older release" loads) and each
/// fix one for the newer release, the only one that can still change (keep `version`, send
/// new state in a subsection, keep the older release's names and types). A subsection the
/// older release lacks is a warning there: it breaks migration back only when its `needed`
/// says to send it, which is how QEMU adds state.
///
/// ```
/// use vmstate_core::schema::{check_back, Rule, Schema, Severity};
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(name = "uart")]
/// struct V1 { lcr: u8 }
/// #[derive(VmState)]
/// #[vmstate(name = "uart", version = 2, minimum_version = 1)]
/// struct V2 { lcr: u8, #[vmstate(since = 2)] scr: u8 }
///
/// let schema = |d| {
///     let mut s = Schema::new(None);
///     s.add("uart", d);
///     s
/// };
/// let back = check_back(&schema(V2::DESCRIPTION), &schema(V1::DESCRIPTION));
/// let f = back.by_rule(Rule::VersionTooHigh).next().unwrap();
/// assert_eq!(f.severity, Severity::Error);
/// assert!(f.message.contains("the older release refuses every stream of the newer one"));
/// assert!(f.message.contains("keep `version` at what the older release loads"));
/// ```
pub fn check_back(newer: &Schema, older: &Schema) -> Report {
    let cx = Checker {
        back: true,
        ..Checker::default()
    };
    compare(cx, newer, older)
}

/// [`check`] for a stream of this project's native format only, as a machine stream's load
/// reads it, where QEMU's wire would be read misaligned: an integer scalar whose width
/// changed (`u32` to `u64` and back, padding too: `Removed<u64>` for a `u32`) is no finding,
/// since both are varints there (a value beyond a narrower type is refused by the load); nor
/// is a field that turned immutable or
/// back, which the native format carries in its place either way (its type is compared as
/// an immutable field's; a value that differs from an immutable one is refused by the load).
pub(crate) fn check_native(old: &Schema, new: &Schema) -> Report {
    let cx = Checker {
        native_only: true,
        ..Checker::default()
    };
    compare(cx, old, new)
}

/// The findings of migration from `old` to `new`.
fn compare(mut cx: Checker, old: &Schema, new: &Schema) -> Report {
    (cx.old_lengthless, cx.new_lengthless) = (gives_no_lengths(old), gives_no_lengths(new));
    if let (Some(a), Some(b)) = (&old.machine, &new.machine) {
        if a != b {
            cx.push(
                Severity::Warning,
                Rule::MachineChanged,
                super::MACHINE_KEY.to_owned(),
                format!(
                    "the machine type changed from `{a}` to `{b}`: migration is only supported \
                     between the same machine type; compare schemas of one machine type (the \
                     `machine` a stream was saved with; QEMU's dumps made with the same `-M`)"
                ),
            );
        }
    }
    for (key, o) in &old.devices {
        let n = new
            .devices
            .get(key)
            .or_else(|| renamed_section(key).and_then(|other| new.devices.get(other)));
        match n {
            Some(n) => cx.device(key, o, n),
            None => cx.push(
                Severity::Error,
                Rule::SectionRemoved,
                key.clone(),
                format!(
                    "device `{key}` (section `{}`) is missing in the new release: the new \
                     release cannot load the old release's streams, which carry that section; \
                     keep the device registered under the key `{key}`",
                    o.description.name
                ),
            ),
        }
    }
    for (key, n) in &new.devices {
        cx.shared_names_in_new(key, &n.description);
    }
    Report {
        findings: cx.findings,
    }
}

impl Checker {
    /// A field of `old` that `new` keeps as padding (named after it, of its size) and reads
    /// from a subsection of its own: `old`'s streams carry the value where `new` skips it.
    fn moved_into_subsection(&mut self, path: &str, old: &Desc, new: &Desc) {
        // A field of the old release of that name with the padding's size: what was removed
        // and what was added look alike (a name alone is a removal and an unrelated
        // addition as often).
        let real = |d: &Desc, name: &str, size: u64| {
            (d.fields.iter()).any(|f| !f.is_padding() && f.field == name && f.total_size() == size)
        };
        for padding in new.fields.iter().filter(|f| f.is_padding()) {
            let Some(name) = padding.replaces.as_deref() else {
                continue;
            };
            let size = padding.total_size();
            let still_there = (new.fields.iter()).any(|f| !f.is_padding() && f.field == name);
            if !real(old, name, size) || still_there {
                continue;
            }
            // There of the same size, or an integer of another width (a value widened as it
            // moved is not carried either).
            let was = (old.fields.iter()).find(|f| !f.is_padding() && f.field == name);
            let integer = |f: &FieldEntry| {
                f.array_len.is_none()
                    && f.description.is_none()
                    && (f.wire_type.as_deref()).is_some_and(|t| {
                        matches!(
                            fields::classify(t),
                            fields::TypeClass::Unsigned(_) | fields::TypeClass::Signed(_)
                        )
                    })
            };
            let in_sub = |s: &Desc| {
                (s.fields.iter()).any(|f| {
                    !f.is_padding()
                        && f.field == name
                        && (f.total_size() == size || integer(f) && was.is_some_and(integer))
                })
            };
            let moved_to = (new.subsections.iter())
                .find(|s| in_sub(s) && !old.subsections.iter().any(|o| o.name == s.name));
            let Some(sub) = moved_to else {
                continue;
            };
            self.push(
                Severity::Warning,
                Rule::MovedIntoSubsection,
                format!("{path}/Subsections/{}/Fields/{name}", sub.name),
                format!(
                    "field `{name}` moved into subsection `{}`, with padding where it was: a \
                     stream of the old release carries it among the fields, which the new \
                     release skips, and lacks the subsection, so `{name}` keeps the \
                     destination's value (or the subsection's `default`); keep reading it \
                     from its old place for the old release's streams (the field among the \
                     fields behind an `exists` test on the version, as QEMU does), or accept \
                     that it is lost",
                    sub.name
                ),
            );
        }
    }
}

/// Where a stream's fields come from, for the messages about adding fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// A section: the stream carries its version.
    Section,
    /// A subsection: the stream carries its version too.
    Subsection,
    /// A nested struct: no version on the wire (both sides load it at their own version).
    Nested,
}

struct Checker {
    findings: Vec<Finding>,
    /// Migration back ([`check_back`]): the findings are worded for it.
    back: bool,
    /// Field entries and struct elements the search for regrouped fields may still visit,
    /// over the whole check: schemas are input, and a search that finds nothing would
    /// otherwise run again at each mismatched field.
    restructure_budget: usize,
    /// Whether each side is a QEMU dump that gives no array lengths at all (QEMU before 8.2
    /// writes no `num`): a field of it may then be an array of any length.
    old_lengthless: bool,
    new_lengthless: bool,
    /// Only the native format is read ([`check_native`]): QEMU's wire is not compared.
    native_only: bool,
}

impl Default for Checker {
    fn default() -> Self {
        Checker {
            findings: Vec::new(),
            back: false,
            restructure_budget: restructure::TOTAL_VISITS,
            old_lengthless: false,
            new_lengthless: false,
            native_only: false,
        }
    }
}

impl Checker {
    fn push(&mut self, severity: Severity, rule: Rule, path: String, message: String) {
        let (severity, message) = if self.back {
            (back::severity(rule, severity), back::reword(rule, &message))
        } else {
            (severity, message)
        };
        self.findings.push(Finding {
            severity,
            rule,
            path,
            message,
        });
    }

    fn error(&mut self, rule: Rule, path: String, message: String) {
        self.push(Severity::Error, rule, path, message);
    }

    fn device(&mut self, key: &str, o: &DeviceEntry, n: &DeviceEntry) {
        self.versions(
            key,
            &format!("section `{key}`"),
            (o.version_id, o.minimum_version_id),
            (n.version_id, n.minimum_version_id),
        );
        // The description repeats the section's versions; only report it when it differs
        // (a schema built in code can; `Schema::from_json` refuses a file where they do).
        let same = o.description.version_id == o.version_id
            && o.description.minimum_version_id == o.minimum_version_id
            && n.description.version_id == n.version_id
            && n.description.minimum_version_id == n.minimum_version_id;
        self.desc(
            key,
            key.to_owned(),
            &o.description,
            &n.description,
            Scope::Section,
            !same,
            Some(o.version_id),
        );
    }

    /// QEMU's `check_version`, for a section, description or subsection.
    fn versions(&mut self, path: &str, what: &str, old: (u32, u32), new: (u32, u32)) {
        let ((ov, _), (nv, nmin)) = (old, new);
        if ov > nv {
            self.error(
                Rule::VersionTooHigh,
                path.to_owned(),
                format!(
                    "the old release writes {what} at version {ov}, above the new release's \
                     version {nv}: the new release refuses every stream of the old one; raise \
                     the new `version` to at least {ov} (new state belongs in a subsection)"
                ),
            );
        }
        if ov < nmin {
            self.error(
                Rule::BelowMinimumVersion,
                path.to_owned(),
                format!(
                    "the old release writes {what} at version {ov}, below the new release's \
                     `minimum_version` {nmin}: the new release refuses every stream of the old \
                     one; lower `minimum_version` to {ov} and keep loading version {ov}'s fields \
                     (gate the newer ones with `since`)"
                ),
            );
        }
    }

    /// A nested struct's versions are on no wire: QEMU loads it at the destination's own
    /// version, and so does this project, so what QEMU's checker calls a version error there
    /// is a warning; the fields are compared one by one.
    fn nested_versions(&mut self, path: &str, old: &Desc, new: &Desc) {
        let (ov, nv, nmin) = (old.version_id, new.version_id, new.minimum_version_id);
        let change = if ov > nv {
            format!("went down from {ov} to {nv}")
        } else if ov < nmin {
            format!("is {ov} in the old release, below the new `minimum_version` {nmin}")
        } else {
            return;
        };
        let rule = if ov > nv {
            Rule::VersionTooHigh
        } else {
            Rule::BelowMinimumVersion
        };
        self.push(
            Severity::Warning,
            rule,
            path.to_owned(),
            format!(
                "the version of nested struct `{}` {change}: streams still load (a nested \
                 struct's version is not sent; it is read as the destination's own release \
                 describes it, and its fields are checked here one by one), but QEMU's checker \
                 reports this as an error",
                old.name
            ),
        );
    }

    /// QEMU's `check_descriptions`, plus the checks of the extra keys.
    #[allow(clippy::too_many_arguments)]
    fn desc(
        &mut self,
        sec: &str,
        path: String,
        old: &Desc,
        new: &Desc,
        scope: Scope,
        versions: bool,
        stream: Option<u32>,
    ) {
        // Where this description's findings start (rules that look back at them need not
        // search all the others).
        let first_finding = self.findings.len();
        if versions && scope == Scope::Nested {
            self.nested_versions(&path, old, new);
        } else if versions {
            let what = match scope {
                Scope::Section => format!("description `{}`", old.name),
                _ => format!("subsection `{}`", old.name),
            };
            self.versions(
                &path,
                &what,
                (old.version_id, old.minimum_version_id),
                (new.version_id, new.minimum_version_id),
            );
        }
        if !names_match(sec, &old.name, &new.name) {
            let keep = format!(
                "keep the name `{}` (`#[vmstate(name = \"{}\")]`)",
                old.name, old.name
            );
            if scope == Scope::Nested {
                // A nested struct's name is on no wire: its fields are still compared.
                self.push(
                    Severity::Warning,
                    Rule::DescriptionRenamed,
                    path.clone(),
                    format!(
                        "nested description `{}` was renamed to `{}`: no wire carries the \
                         name, so loads are unaffected, but QEMU's checker reports it as an \
                         error and tools match the struct across releases by it; {keep}",
                        old.name, new.name
                    ),
                );
            } else {
                self.error(
                    Rule::DescriptionRenamed,
                    path,
                    format!(
                        "description `{}` was renamed to `{}`: the name is on the wire, so the \
                         new release does not recognize the old release's section and the \
                         load fails; {keep}",
                        old.name, new.name
                    ),
                );
                return;
            }
        }
        let ext = extended(old) && extended(new);
        let cx = WalkCx {
            sec,
            scope: &old.name,
            stream,
            sent_limit: old.version_id,
            read_limit: stream.unwrap_or(new.version_id),
            new_version: new.version_id,
            new_minimum: new.minimum_version_id,
            scope_kind: scope,
            extended: ext,
        };
        self.walk(&cx, old, new, &path);
        let new_subsections: HashMap<&str, &Desc> = new
            .subsections
            .iter()
            .rev() // the first of a name wins, as a search would
            .map(|n| (n.name.as_str(), n))
            .collect();
        let mut old_seen = std::collections::HashSet::new();
        for o in &old.subsections {
            let sub_path = format!("{path}/Subsections/{}", o.name);
            if !old_seen.insert(o.name.as_str()) {
                // Another of the name: loaded by the new release's of the name, as the first.
                continue;
            }
            match new_subsections.get(o.name.as_str()).copied() {
                Some(n) => self.desc(
                    sec,
                    sub_path,
                    o,
                    n,
                    Scope::Subsection,
                    true,
                    Some(o.version_id),
                ),
                None => self.error(
                    Rule::SubsectionRemoved,
                    sub_path,
                    format!(
                        "subsection `{}` was removed: the new release fails to load any stream \
                         of the old release that carries it; keep the subsection (a `needed` \
                         function that returns false stops sending it, and loading it can \
                         ignore the values)",
                        o.name
                    ),
                ),
            }
        }
        self.shared_names_in_old(&path, old, new);
        self.moved_into_subsection(&path, old, new);
        if ext {
            self.extras(sec, &path, old, new, stream, first_finding);
        }
    }
}
