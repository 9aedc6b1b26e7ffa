//! A field both releases have at the same place: its version gate, kind, size and type.

use super::fields::{
    byte_sequence, bytes_alike, carries_own_length, classify, field_extended, native,
    ours_against_qemu, own_length_against_qemu, rust_name, shown_type, variable, Native, TypeClass,
};
use super::walk::WalkCx;
use super::{Checker, Scope};
use crate::schema::report::{Rule, Severity};
use crate::schema::{Desc, FieldEntry};

/// How to keep a field's version gate as the older release had it.
fn keep_since(since: u32) -> String {
    match since {
        0 => "drop its `since` (the old release sends it in every version)".to_owned(),
        n => format!("keep `since = {n}`"),
    }
}

impl Checker {
    /// A pair of wire fields with the same name.
    pub(super) fn pair(&mut self, cx: &WalkCx<'_>, s: &FieldEntry, d: &FieldEntry, dp: &str) {
        let (s, d) = bytes_alike(s, d);
        let (s, d) = (&*s, &*d);
        let sent = s.version_id <= cx.sent_limit;
        let read = d.version_id <= cx.read_limit;
        if d.field_exists && !s.field_exists && sent && read {
            // The test cannot be evaluated here: say what it must do.
            let stream = match cx.stream {
                Some(v) => format!("the old release's version {v} streams"),
                None => "the old release's streams".to_owned(),
            };
            self.push(
                Severity::Warning,
                Rule::FieldVersionChanged,
                dp.to_owned(),
                format!(
                    "field `{}` is read behind an `exists` test in the new release, but \
                     {stream} always carry it: the test must return true for them, or the new \
                     release would read every later field from the wrong place; keep the test \
                     true whenever the old release sends the field",
                    d.field
                ),
            );
        }
        if s.field_exists && !d.field_exists && sent && read {
            let read_when = match d.version_id {
                0 | 1 => "always read in the new".to_owned(),
                v => format!("read in the new from version {v} on"),
            };
            self.push(
                Severity::Warning,
                Rule::FieldVersionChanged,
                dp.to_owned(),
                format!(
                    "field `{}` was sent behind an `exists` test in the old release and is \
                     {read_when}: a stream of the old release whose test failed \
                     lacks it, and the new release would read every later field from the wrong \
                     place; keep a test that is true whenever the old one was",
                    d.field
                ),
            );
        }
        if s.field_exists && d.field_exists && sent && read && cx.scope_kind == Scope::Nested {
            // A nested struct's version is not sent: each side asks the test with its own.
            let (saved, loaded) = (cx.sent_limit, cx.read_limit);
            if saved != loaded {
                self.push(
                    Severity::Warning,
                    Rule::FieldVersionChanged,
                    dp.to_owned(),
                    format!(
                        "field `{}` is behind an `exists` test in a nested struct whose version \
                         changed from {saved} to {loaded}: the old release asks the test with \
                         {saved} when it saves, the new release with {loaded} when it loads (a \
                         nested struct's version is not sent): where its answers differ, the new \
                         release reads every later field from the wrong place; make the test \
                         answer alike for both versions, or keep the nested struct's version",
                        d.field
                    ),
                );
            }
        }
        let stream = match cx.stream {
            Some(v) => format!("its version {v} streams"),
            None => "its streams".to_owned(),
        };
        if sent && !read {
            self.error(
                Rule::FieldVersionChanged,
                dp.to_owned(),
                format!(
                    "field `{}` is read only from version {} on in the new release, but the old \
                     release sends it in {stream}: the new release would skip its bytes and \
                     read every later field from the wrong place; {}",
                    d.field,
                    d.version_id,
                    keep_since(s.version_id)
                ),
            );
        } else if read && !sent {
            self.error(
                Rule::FieldVersionChanged,
                dp.to_owned(),
                format!(
                    "field `{}` is read from version {} on in the new release, but the old \
                     release sends it only from version {} on, not in {stream}: the new \
                     release would read the following bytes into it; {}",
                    d.field,
                    d.version_id,
                    s.version_id,
                    keep_since(s.version_id)
                ),
            );
        } else if s.version_id > d.version_id.max(cx.new_minimum)
            && cx.scope_kind != Scope::Nested
            // A test decides what the new release reads, whatever its version (said above).
            && !d.field_exists
        {
            // (A nested struct is sent at its sender's version and read at its reader's:
            // there is no stream of a version in between. Nor is there one the new release
            // loads when every version in between is below its minimum: QEMU's `arm_gic`
            // marks a field version 1 in a description whose minimum is 12.)
            self.error(
                Rule::FieldVersionChanged,
                dp.to_owned(),
                format!(
                    "field `{}` is sent from version {} on in the old release but read from \
                     version {} on in the new one (QEMU's field `version error`): a stream of \
                     a version in between lacks the field that the new release reads; {}",
                    d.field,
                    s.version_id,
                    d.version_id,
                    keep_since(s.version_id)
                ),
            );
        }
        // Schemas written before arrays of arrays were described flat called them `array`,
        // with the inner array's size: only the total can be compared with such an entry.
        if s.wire_type.as_deref() == Some("array") || d.wire_type.as_deref() == Some("array") {
            if s.total_size() != d.total_size() {
                self.error(
                    Rule::FieldSizeChanged,
                    dp.to_owned(),
                    format!(
                        "field `{}` changed size from {} to {} bytes: the new release would \
                         read the old release's stream misaligned from here on; keep the old \
                         type",
                        d.field,
                        s.total_size(),
                        d.total_size()
                    ),
                );
            }
            return;
        }
        // A sequence whose length moved into another field or out of it changes its `size`
        // too (QEMU's VARRAY counts its element's): one finding, that the length moved.
        let sequences = s.max_len.is_some() && d.max_len.is_some();
        if sequences && field_extended(s) && field_extended(d) && s.len != d.len {
            self.length_source(dp, s, d);
            self.max_len(dp, s, d);
            self.checks(dp, s, d);
            return;
        }
        self.own_length_against_qemu(dp, s, d);
        let mut size_ok = true;
        // Array lengths: ours always say (none is 1); QEMU's dumps say only since newer QEMUs
        // (`num`), so a dump without one leaves the length unknown, not 1.
        let lens = if field_extended(s) && field_extended(d) {
            Some((s.array_len.unwrap_or(1), d.array_len.unwrap_or(1)))
        } else if let (Some(a), Some(b)) = (s.array_len, d.array_len) {
            Some((a, b))
        } else {
            None
        };
        if s.description.is_none() {
            let lens_differ = lens.is_some_and(|(a, b)| a != b);
            if let Some(ours) = sized_at_run_time_by_qemu(s, d) {
                self.push(
                    Severity::Warning,
                    Rule::FieldSizeChanged,
                    dp.to_owned(),
                    format!(
                        "field `{}` is a sequence sized by field `{}`, and QEMU's description \
                         gives it size 0, as it does a field sized at run time (a \
                         `VMSTATE_BITMAP`: big-endian 64-bit words, which a counted `Vec<u64>` \
                         matches; a `VMSTATE_VBUFFER`: bytes, counted in bytes): its bytes \
                         cannot be compared here, check QEMU's source",
                        ours.field,
                        ours.len.as_deref().unwrap_or("")
                    ),
                );
            } else if let Some(ours) = fixed_bytes_against_run_time(s, d) {
                self.push(
                    Severity::Warning,
                    Rule::FieldSizeChanged,
                    dp.to_owned(),
                    format!(
                        "field `{}` is {} bytes, and QEMU's description gives it size 0, as it \
                         does a byte buffer sized at run time (a `VMSTATE_VBUFFER`, such as a \
                         `Fifo8`'s data): the bytes match only while QEMU's count is always {}; \
                         compare with QEMU's source, or count it with `len` as QEMU does",
                        ours.field,
                        ours.total_size(),
                        ours.total_size()
                    ),
                );
            } else if let Some(ours) = written_by_qemu_code(s, d) {
                size_ok = false;
                self.written_by_qemu_code(dp, ours);
            } else if (s.size != d.size && !counted_bytes_as_vbuffer(s, d) || lens_differ)
                && !byte_array_as_buffer(s, d)
            {
                size_ok = false;
                // Bytes in all: the element size times the array length (1 when none).
                let total = |f: &FieldEntry, len: Option<u64>| {
                    f.size.checked_mul(len.or(f.array_len).unwrap_or(1))
                };
                let show = |f: &FieldEntry, len: Option<u64>| match len {
                    Some(n) if n != 1 || lens_differ => match f.size.checked_mul(n) {
                        Some(total) => format!("{n} × {} = {total}", f.size),
                        None => format!("{n} × {} (more than 2^64)", f.size),
                    },
                    _ => f.size.to_string(),
                };
                // A side that says its array length shows it (QEMU's dumps may not).
                let (a, b) = match lens {
                    Some((a, b)) => (show(s, Some(a)), show(d, Some(b))),
                    None => (show(s, s.array_len), show(d, d.array_len)),
                };
                // A fixed array against a sequence that carries its own length (both this
                // project's): the count is what misreads, whatever the sizes.
                let shape = |f: &FieldEntry, len: Option<u64>| {
                    if carries_own_length(f) {
                        "a sequence that carries its own length (a count before its \
                         elements on both wires)"
                            .to_owned()
                    } else {
                        format!("a fixed array of {}", len.or(f.array_len).unwrap_or(1))
                    }
                };
                if field_extended(s)
                    && field_extended(d)
                    && carries_own_length(s) != carries_own_length(d)
                {
                    self.error(
                        Rule::FieldSizeChanged,
                        dp.to_owned(),
                        format!(
                            "field `{}` changed from {} to {}: the new release would read the \
                             old release's stream misaligned from here on; keep the old type, \
                             and add the new one as a new field (with `since` and a version \
                             bump, or in a subsection)",
                            d.field,
                            shape(s, lens.map(|(a, _)| a)),
                            shape(d, lens.map(|(_, b)| b)),
                        ),
                    );
                } else if let Some(ours) = own_length_against_qemu(s, d) {
                    self.error(
                        Rule::FieldSizeChanged,
                        dp.to_owned(),
                        format!(
                            "field `{}` changed size from {a} to {b} bytes: it carries its own \
                             length (on QEMU's wire a be32 before its elements), which no QEMU \
                             field does; QEMU sizes an array by another field \
                             (`VMSTATE_VARRAY_*`): give it `#[vmstate(len = \"...\")]` naming \
                             that field",
                            ours.field
                        ),
                    );
                } else if total(s, lens.map(|(a, _)| a)) == total(d, lens.map(|(_, b)| b))
                    && total(s, None).is_some()
                    && [s, d].iter().any(|f| untyped_whole(f))
                {
                    // The same bytes as elements of another size, where one side describes
                    // QEMU's wire alone (a dump's four `uint32`, sixteen `u8` in a port): no
                    // native format to differ.
                    self.push(
                        Severity::Warning,
                        Rule::FieldSizeChanged,
                        dp.to_owned(),
                        format!(
                            "field `{}` changed from {a} to {b} bytes, as elements of another \
                             size: QEMU's wire carries as many bytes, which is all a schema \
                             without types describes; compare what the elements mean on both \
                             sides",
                            d.field
                        ),
                    );
                } else if total(s, lens.map(|(a, _)| a)) == total(d, lens.map(|(_, b)| b))
                    && total(s, None).is_some()
                {
                    // Elements of another size, the same bytes in all: QEMU's wire lines up.
                    self.error(
                        Rule::FieldSizeChanged,
                        dp.to_owned(),
                        format!(
                            "field `{}` changed from {a} to {b} bytes: QEMU's wire carries as many \
                             bytes, as elements of another size, and the native format encodes \
                             the two differently; keep the old type, and add the new one as a \
                             new field (with `since` and a version bump, or in a subsection)",
                            d.field
                        ),
                    );
                } else if self.native_only && varints_alike(s, d) {
                    // Natively both are varints (`u32` and `u64`): read alike.
                } else {
                    self.error(
                        Rule::FieldSizeChanged,
                        dp.to_owned(),
                        format!(
                            "field `{}` changed size from {a} to {b} bytes: the new release would \
                             read the old release's stream misaligned from here on; keep the old \
                             type, and add a wider value as a new field (with `since` and a version \
                             bump, or in a subsection)",
                            d.field
                        ),
                    );
                }
            }
        } else if let Some((a, b)) = lens.filter(|(a, b)| a != b) {
            // The element's fields are compared below; the count is compared here.
            size_ok = false;
            self.error(
                Rule::FieldSizeChanged,
                dp.to_owned(),
                format!(
                    "field `{}` changed from {} to {} `{}` structs: the new release would \
                     read the old release's stream misaligned from here on; keep the old \
                     length, and send more elements as a new field (with `since` and a \
                     version bump, or in a subsection)",
                    d.field,
                    a,
                    b,
                    s.description.as_ref().map_or("", |n| n.name.as_str())
                ),
            );
        }
        if size_ok && field_extended(s) && field_extended(d) {
            self.type_change(s, d, dp);
            self.max_len(dp, s, d);
            self.checks(dp, s, d);
        }
        // Sequences of ours, of structs against values: their type change is reported above.
        let sequences = field_extended(s) && field_extended(d) && variable(s) && variable(d);
        if let Some(od) = &s.description {
            match &d.description {
                None if sequences => {}
                // Said above: QEMU writes the field by code of its own.
                None if written_by_qemu_code(s, d).is_some() => {
                    self.written_by_qemu_code(dp, s);
                }
                None => self.error(
                    Rule::NestedDescriptionMissing,
                    dp.to_owned(),
                    format!(
                        "field `{}` is a nested struct (`{}`) in the old release but has no \
                         description in the new one: its fields can no longer be checked and \
                         are likely laid out differently; keep it a struct deriving `VmState` \
                         with the same fields",
                        s.field, od.name
                    ),
                ),
                Some(nd) => self.desc(cx.sec, dp.to_owned(), od, nd, Scope::Nested, true, None),
            }
        } else if let Some(nd) = d.description.as_deref() {
            // (A sequence of values against one of structs is a type change, reported above.)
            if size_ok && !s.is_padding() && !variable(s) && !variable(d) {
                self.value_into_struct(dp, s, d, nd);
            }
        }
    }

    /// `ours` against a field that QEMU writes by code of its own: nothing to compare.
    fn written_by_qemu_code(&mut self, path: &str, ours: &FieldEntry) {
        self.push(
            Severity::Warning,
            Rule::FieldSizeChanged,
            path.to_owned(),
            format!(
                "field `{}` has size 0 and no fields in QEMU's description, as a field that QEMU \
                 writes by code of its own (a `VMStateInfo` such as virtio's `virtio`, or a \
                 buffer sized at run time): its bytes cannot be compared here; compare with \
                 QEMU's source and with its streams (`vmstate qemu inspect --schema`)",
                ours.field
            ),
        );
    }

    /// A field that is a value in the old release and a nested struct of as many bytes in the
    /// new one (`lcr: u8` into `lcr: Lcr { bits: u8 }`): QEMU's checker compares the sizes
    /// only (and reports the way back, a struct that lost its description).
    fn value_into_struct(&mut self, path: &str, s: &FieldEntry, d: &FieldEntry, nd: &Desc) {
        let was = shown_type(s);
        if field_extended(s) && field_extended(d) {
            self.error(
                Rule::FieldsRestructured,
                path.to_owned(),
                format!(
                    "field `{}` is a `{was}` in the old release and a nested struct (`{}`) in \
                     the new one: QEMU's wire carries as many bytes, but the native format \
                     writes a nested struct otherwise (with an end marker), so the old \
                     release's native streams would fail to load; keep the field's type (give \
                     the struct's meaning through methods), or send the struct as a new field \
                     (with `since` and a version bump, or in a subsection)",
                    d.field, nd.name
                ),
            );
        }
        // On QEMU's wire the same bytes: the same values when the struct holds one field of
        // the old type (through more such structs; as many elements in all, an array of
        // such structs or such a struct holding the array), else bytes read as other values
        // (integers travel big-endian).
        let mut elements = d.array_len.unwrap_or(1);
        let mut only = match nd.fields.as_slice() {
            [only] => Some(only),
            _ => None,
        };
        while let Some(inner) = only.and_then(|f| f.description.as_deref()) {
            elements = elements.saturating_mul(only.and_then(|f| f.array_len).unwrap_or(1));
            only = match inner.fields.as_slice() {
                [next] => Some(next),
                _ => None,
            };
        }
        let same_value = only.is_some_and(|leaf| {
            leaf.wire_type == s.wire_type
                && elements.saturating_mul(leaf.array_len.unwrap_or(1)) == s.array_len.unwrap_or(1)
        });
        if s.wire_type.is_some() && !same_value {
            let now: Vec<String> = (nd.fields.iter())
                .map(|f| match &f.description {
                    Some(inner) => format!("`{}`: struct `{}`", f.field, inner.name),
                    None => format!("`{}`: `{}`", f.field, shown_type(f)),
                })
                .collect();
            self.push(
                Severity::Warning,
                Rule::FieldTypeChanged,
                path.to_owned(),
                format!(
                    "field `{}` was one `{was}` and is the fields of nested struct `{}` in the \
                     new release ({}): QEMU's wire carries the same bytes, read as other values \
                     (integers travel big-endian there); check that each keeps its meaning",
                    d.field,
                    nd.name,
                    now.join(", ")
                ),
            );
        }
    }

    /// An immutable field whose type changed: the native format carries its value.
    pub(super) fn immutable_type(&mut self, o: &FieldEntry, n: &FieldEntry, path: &str) {
        let (o, n) = bytes_alike(o, n);
        let (o, n) = (&*o, &*n);
        let (Some(a), Some(b)) = (o.wire_type.as_deref(), n.wire_type.as_deref()) else {
            return;
        };
        let same_shape = o.size == n.size && o.array_len == n.array_len;
        if (a == b && same_shape) || o.description.is_some() || n.description.is_some() {
            return;
        }
        if same_shape {
            return self.type_change(o, n, path);
        }
        let (a, b) = (shown_type(o), shown_type(n));
        // A narrower varint refuses a value beyond it, which could not equal the loader's own
        // value anyway (an immutable value is compared, not taken).
        if !varints_alike(o, n) {
            self.error(
                Rule::FieldSizeChanged,
                path.to_owned(),
                format!(
                    "immutable field `{}` changed type from `{a}` to `{b}`: native streams of \
                     the old release carry its value as `{a}`, so they would be misread; keep \
                     `{a}`",
                    n.field
                ),
            );
        }
    }

    fn type_change(&mut self, s: &FieldEntry, d: &FieldEntry, path: &str) {
        let (Some(a), Some(b)) = (s.wire_type.as_deref(), d.wire_type.as_deref()) else {
            return;
        };
        if a == "struct" || b == "struct" || s.is_padding() || d.is_padding() {
            return;
        }
        // The same bytes on QEMU's wire, written otherwise natively: a scalar wider than a
        // byte is a varint there, an array a block (`u32` and `[u32; 1]`).
        let integers = matches!(
            (classify(a), classify(b)),
            (
                TypeClass::Unsigned(_) | TypeClass::Signed(_),
                TypeClass::Unsigned(_) | TypeClass::Signed(_)
            )
        );
        let (ns, nd) = (native(s), native(d));
        let known = |n: Native| matches!(n, Native::Raw | Native::Var);
        if integers && ns != nd && known(ns) && known(nd) {
            let (a, b) = (shown_type(s), shown_type(d));
            self.error(
                Rule::FieldTypeChanged,
                path.to_owned(),
                format!(
                    "field `{}` changed from `{a}` to `{b}`: QEMU's wire carries the same bytes, \
                     but the native format writes an integer wider than a byte as a varint and \
                     an array as a block, so native streams of the old release would be \
                     misread; keep `{a}`",
                    d.field
                ),
            );
            return;
        }
        // A string's bytes load as a `Vec<u8>` of the same bound (not back: UTF-8 is checked).
        if a == b || (a == "string" && b == "varray:uint8") {
            return;
        }
        // A vector replaced by removed values of its type, or of another integer (or bool) of
        // its width (`Vec<Removed<T>>`, which takes any bytes), takes its bytes; the other
        // way, it loads zeros, as any field read from padding.
        let width = |t: &str| match classify(t) {
            TypeClass::Unsigned(bits) | TypeClass::Signed(bits) => Some(bits.to_owned()),
            TypeClass::Bool => Some("8".to_owned()),
            TypeClass::Float | TypeClass::Other => None,
        };
        let lines_up = |real: &str, removed: &str| {
            let (Some(real), Some(removed)) = (
                real.strip_prefix("varray:"),
                removed.strip_prefix("varray:removed:"),
            ) else {
                return false;
            };
            real == removed || width(real).is_some() && width(real) == width(removed)
        };
        if lines_up(a, b) {
            return;
        }
        if lines_up(b, a) {
            self.push(
                Severity::Warning,
                Rule::FieldFromPadding,
                path.to_owned(),
                format!(
                    "field `{}` of the new release is read from the old release's removed \
                     values (`{a}`): a stream of the old release carries zeros there, so its \
                     elements load as zero (a bool as false, an enum as its first variant); \
                     make sure zero is a state it may start from",
                    d.field
                ),
            );
            return;
        }
        let split = |t: &str| match t.strip_prefix("varray:") {
            Some(elem) => (true, elem.to_owned()),
            None => (false, t.to_owned()),
        };
        let ((av, ae), (bv, be)) = (split(a), split(b));
        let signedness = av == bv
            && matches!(
                (classify(&ae), classify(&be)),
                (TypeClass::Unsigned(x), TypeClass::Signed(y))
                | (TypeClass::Signed(x), TypeClass::Unsigned(y)) if x == y
            );
        // Native scalars wider than a byte are varints, signed ones zigzag-encoded: the same
        // value has other bytes, so every value but zero changes.
        if signedness && !av && native(s) == Native::Var && native(d) == Native::Var {
            self.error(
                Rule::FieldTypeChanged,
                path.to_owned(),
                format!(
                    "field `{}` changed signedness from `{a}` to `{b}`: {}the native format \
                     writes signed integers zigzag-encoded, so a native stream of the old \
                     release loads other values (5 as {}); keep `{a}`, or add a new field (with \
                     `since` and a version bump, or in a subsection) and convert in `post_load`",
                    d.field,
                    if d.kind() == "immutable" {
                        ""
                    } else {
                        "QEMU's wire carries the same bits, but "
                    },
                    if matches!(classify(&ae), TypeClass::Signed(_)) {
                        "10"
                    } else {
                        "-3"
                    }
                ),
            );
            return;
        }
        if signedness {
            let range = if matches!(classify(&ae), TypeClass::Signed(_)) {
                "a negative value of the old release now reads as a large positive one"
            } else {
                "a value of the old release above the signed maximum now reads as negative"
            };
            self.push(
                Severity::Warning,
                Rule::FieldTypeChanged,
                path.to_owned(),
                format!(
                    "field `{}` changed signedness from `{a}` to `{b}`: the bits load \
                     unchanged, but {range}; keep `{a}` unless no value the old release can \
                     hold is affected",
                    d.field
                ),
            );
            return;
        }
        let (ca, cb) = (classify(&ae), classify(&be));
        // A bool's 0 and 1 load into a byte-wide integer as themselves, in both formats (one
        // raw byte each); the other way, an integer's other values are refused.
        if matches!(
            (&ca, &cb),
            (
                TypeClass::Bool,
                TypeClass::Unsigned(_) | TypeClass::Signed(_)
            )
        ) {
            return;
        }
        // An enum of a byte whose only values are 0 and 1 sends what a bool takes.
        let zero_or_one = s.variants.as_ref().is_some_and(|v| {
            !v.is_empty()
                && v.values()
                    .all(|d| matches!(d.to_string().as_str(), "0" | "1"))
        });
        if matches!(cb, TypeClass::Bool) && zero_or_one && s.size == 1 {
            return;
        }
        let why = match (&ca, &cb) {
            (TypeClass::Float, _) | (_, TypeClass::Float) => {
                "the new release would take the old release's bits for a different number"
            }
            (TypeClass::Bool, _) | (_, TypeClass::Bool) => {
                "a bool holds only 0 or 1, so values of the old release would be refused or \
                 change meaning"
            }
            _ => "the bytes of the old release's stream would be decoded as another type",
        };
        // (Sequences reach here whatever their elements' sizes.)
        let same_size = match av || bv {
            false => " (same size)",
            true => "",
        };
        self.error(
            Rule::FieldTypeChanged,
            path.to_owned(),
            format!(
                "field `{}` changed type from `{a}` to `{b}`{same_size}: {why}; keep `{a}`, or \
                 add a new field (with `since` and a version bump, or in a subsection) and \
                 convert in `post_load`",
                d.field
            ),
        );
    }

    /// A wire field of the old release that the new release keeps off the wire.
    pub(super) fn kind_left_wire(
        &mut self,
        cx: &WalkCx<'_>,
        s: &FieldEntry,
        n: &FieldEntry,
        path: String,
    ) {
        if self.same_struct_elsewhere(cx, s, n, &path) {
            return;
        }
        // The native format carries an immutable field where a migrated one goes, in field
        // order (a value that differs from the destination's is refused by the load).
        if self.native_only && n.kind() == "immutable" {
            return self.immutable_type(s, n, &path);
        }
        let fix = match variable(s) {
            true => "keep it migrated".to_owned(),
            false => format!(
                "keep it migrated, or keep its bytes with a `vmstate_core::Removed<{}>` field in \
                 its place",
                rust_name(s)
            ),
        };
        self.error(
            Rule::FieldKindChanged,
            path,
            format!(
                "field `{}` is migrated in the old release but {} in the new: the old release's \
                 stream still carries its bytes, which the new release would read into the \
                 next field; {fix}",
                s.field,
                n.kind()
            ),
        );
    }

    /// A field kept off the wire by the old release that the new release reads.
    pub(super) fn kind_joined_wire(
        &mut self,
        cx: &WalkCx<'_>,
        o: &FieldEntry,
        d: &FieldEntry,
        path: String,
    ) {
        if self.same_struct_elsewhere(cx, o, d, &path) {
            return;
        }
        // The native format carries an immutable field where a migrated one goes.
        if self.native_only && o.kind() == "immutable" {
            return self.immutable_type(o, d, &path);
        }
        self.error(
            Rule::FieldKindChanged,
            path,
            format!(
                "field `{}` is {} in the old release but migrated in the new: the old release's \
                 stream lacks it, so the new release would read the following bytes into it; \
                 {}",
                d.field,
                o.kind(),
                self.gate_fix(cx)
            ),
        );
    }
}

/// A byte array on one side (`[u8; N]`, `[i8; N]`, or a typeless schema's N elements of one
/// byte: QEMU's `VMSTATE_UINT8_ARRAY`) and on the other the same bytes as one element with
/// no array length: this project's `#[vmstate(buffer)]`, or QEMU's `VMSTATE_BUFFER` in its
/// dump or in `schema --qemu` (against this project's own typed schemas [`bytes_alike`]
/// reads a buffer as the byte array it is). A typeless field of 2, 4 or 8 bytes is not taken
/// for a buffer: QEMU's dumps give no length for a `VARRAY` (nor 7.2's for any array), so it
/// may be words (a `VMSTATE_UINT32_ARRAY` of 16 reads as size 4 in 7.2's).
fn byte_array_as_buffer(s: &FieldEntry, d: &FieldEntry) -> bool {
    let byte_array = |f: &FieldEntry| {
        // A schema cut to QEMU's keys (`schema --qemu`) keeps the length, not the type.
        let typed = matches!(f.wire_type.as_deref(), Some("uint8" | "int8"));
        (typed || !field_extended(f)) && f.size == 1 && f.array_len.is_some()
    };
    let buffer_of = |f: &FieldEntry, bytes: &FieldEntry| {
        let ours = f.wire_type.as_deref() == Some("buffer");
        let qemus = !field_extended(f) && ![2, 4, 8].contains(&f.size);
        (ours || qemus)
            && f.array_len.is_none()
            && f.description.is_none()
            && f.size == bytes.total_size()
    };
    (byte_array(s) && buffer_of(d, s)) || (byte_array(d) && buffer_of(s, d))
}

/// Of two fields compared, this project's sequence sized by another field (`len`), not of
/// bytes, when the other is a QEMU description's field of size 0: QEMU gives that size to
/// fields sized at run time, whose bytes its description does not say.
fn sized_at_run_time_by_qemu<'a>(s: &'a FieldEntry, d: &'a FieldEntry) -> Option<&'a FieldEntry> {
    let counted = |f: &FieldEntry| f.len.is_some() && !byte_sequence(f);
    ours_against_qemu(s, d, counted, |f| f.size == 0)
}

/// Of two fields compared, this project's, when the other is a QEMU description's field of
/// size 0 that gives no fields, element type or count: what QEMU writes by code of its own
/// (a `VMStateInfo` such as virtio's `virtio`, a buffer sized at run time). Sequences of
/// ours are not (a sequence with its own length is size 0 in `schema --qemu` too), and
/// fixed bytes have a finding of their own.
fn written_by_qemu_code<'a>(s: &'a FieldEntry, d: &'a FieldEntry) -> Option<&'a FieldEntry> {
    let theirs = |f: &FieldEntry| f.size == 0 && f.array_len.is_none() && f.wire_type.is_none();
    ours_against_qemu(s, d, |f| f.max_len.is_none(), theirs)
        .filter(|_| sized_at_run_time_by_qemu(s, d).is_none())
        .filter(|_| fixed_bytes_against_run_time(s, d).is_none())
}

/// Of two fields compared, this project's fixed bytes (`[u8; N]`, a `buffer`), when the other
/// is a QEMU description's field of size 0: a buffer QEMU sizes at run time.
fn fixed_bytes_against_run_time<'a>(
    s: &'a FieldEntry,
    d: &'a FieldEntry,
) -> Option<&'a FieldEntry> {
    let fixed_bytes = |f: &FieldEntry| match f.wire_type.as_deref() {
        Some("buffer") => f.size > 0,
        Some("uint8") => f.array_len.is_some_and(|n| n > 0),
        _ => false,
    };
    ours_against_qemu(s, d, fixed_bytes, |f| f.size == 0)
}

/// Bytes sized by another field on one side (`len`), and sizes 0 and 1: QEMU describes a
/// byte buffer (`VMSTATE_VBUFFER_*`, size 0) and a `VARRAY` of `uint8` (size 1) alike on the
/// wire, and its dumps do not say which a field is.
fn counted_bytes_as_vbuffer(s: &FieldEntry, d: &FieldEntry) -> bool {
    let counted_bytes = |f: &FieldEntry| f.len.is_some() && byte_sequence(f);
    (counted_bytes(s) || counted_bytes(d)) && s.size.max(d.size) <= 1
}

/// Whether `f` is a field of a schema without types (QEMU's wire alone) whose bytes in all
/// are known: one that gives its count (a newer dump's `num`). A QEMU 7.2 dump gives none,
/// and its size is an element's, of an array of any length (PPC's `VMSTATE_AVR_ARRAY`: 16
/// bytes shown, 512 sent), or the C field's rather than what QEMU writes (an inline
/// `QEMUTimer`: 48 shown, 8 sent): nothing to line up with.
fn untyped_whole(f: &FieldEntry) -> bool {
    f.wire_type.is_none() && f.description.is_none() && f.array_len.is_some()
}

/// Whether the native format writes both fields as integer varints of one signedness
/// (`u32` and `u64`, or padding for one, `Removed<u32>`): a varint reads the other's values
/// alike, and refuses a value beyond its own type.
pub(super) fn varints_alike(o: &FieldEntry, n: &FieldEntry) -> bool {
    let signed = |f: &FieldEntry| {
        let t = shown_type(f);
        match classify(t.strip_prefix("removed:").unwrap_or(&t)) {
            TypeClass::Unsigned(_) => Some(false),
            TypeClass::Signed(_) => Some(true),
            _ => None,
        }
    };
    let var = |f: &FieldEntry| native(f) == Native::Var;
    var(o) && var(n) && signed(o).is_some() && signed(o) == signed(n)
}
