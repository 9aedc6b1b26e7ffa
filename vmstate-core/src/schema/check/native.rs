//! The layout of the native format beyond QEMU's wire: the fields only it carries (immutable
//! ones, nested structs' end markers), interleaved with the migrated ones in field order, so
//! a removed, added, renamed or moved one, or padding moved across one, misreads its streams.

use super::fields::{by_name, field_extended, fields_by_name, native_carries, native_only};
use super::Checker;
use crate::schema::report::{Rule, Severity};
use crate::schema::{Desc, FieldEntry};
use std::collections::HashSet;

impl Checker {
    /// The native format's own layout rules, for a description whose QEMU wire was walked.
    pub(super) fn native_layout(
        &mut self,
        path: &str,
        old: &Desc,
        new: &Desc,
        read_limit: u32,
        first_finding: usize,
    ) {
        // The bytes in front of each field, in the old release's streams and in what the new
        // one reads of them: both rules below compare them.
        let offsets = (
            NativeOffsets::of(old, old.version_id),
            NativeOffsets::of(new, read_limit),
        );
        self.native_only_fields(path, old, new, read_limit, &offsets);
        if self.native_order(path, old, new) {
            self.native_places(path, old, new, &offsets, first_finding);
        }
    }

    /// With the fields in the same order, each native-only field must follow as many bytes
    /// (QEMU's sizes) of the entries the native format carries in both releases: padding put
    /// in front of an immutable field for a field that stood after it shifts the immutable
    /// field's bytes, though QEMU's wire lines up. A last resort: skipped when this
    /// description's fields already have an error (a removed or retyped field shifts the
    /// bytes too; they are among the findings from `first_finding` on); its subsections'
    /// errors do not count.
    fn native_places(
        &mut self,
        path: &str,
        old: &Desc,
        new: &Desc,
        (old_offsets, new_offsets): &(NativeOffsets, NativeOffsets),
        first_finding: usize,
    ) {
        let (prefix, subsections) = (format!("{path}/"), format!("{path}/Subsections/"));
        let reported = self.findings[first_finding..].iter().any(|f| {
            let here = f.path.starts_with(&prefix) && !f.path.starts_with(&subsections);
            f.severity == Severity::Error && here
        });
        if reported {
            return;
        }
        let new_entries = by_name(new.not_on_wire.iter());
        for f in old.not_on_wire.iter().filter(|f| native_only(f)) {
            let Some(&nf) = new_entries.get(f.field.as_str()) else {
                continue;
            };
            let places = (old_offsets.before(f), new_offsets.before(nf));
            let (Some(ob), Some(nb)) = places else {
                continue;
            };
            if native_only(nf) && ob != nb {
                self.error(
                    Rule::FieldsRestructured,
                    format!("{path}/NotOnWire/{}", f.field),
                    format!(
                        "field `{}` comes after {ob} bytes (QEMU's sizes) of fields and padding \
                         in the old release and {nb} in the new: QEMU's wire lines up, but the \
                         native format, which carries immutable fields among the migrated ones \
                         in field order, would misread the old release's streams from there \
                         on; keep padding (`Removed<T>`) where the removed field stood, on the \
                         same side of `{}`",
                        f.field, f.field
                    ),
                );
                return;
            }
        }
    }

    /// The fields the native format carries but QEMU's wire does not (immutable ones, and
    /// nested structs with nothing on QEMU's wire, whose end marker is still written), which
    /// the walk of QEMU's wire does not see: one removed, one added that the new release
    /// reads from an old stream, or one the new release reads only from a version above the
    /// old stream's (`read_limit`) shifts every native byte after it.
    fn native_only_fields(
        &mut self,
        path: &str,
        old: &Desc,
        new: &Desc,
        read_limit: u32,
        (old_offsets, new_offsets): &(NativeOffsets, NativeOffsets),
    ) {
        let what = |f: &FieldEntry| match f.kind() {
            "immutable" => format!("immutable field `{}`", f.field),
            _ => format!("field `{}` (a struct with nothing on QEMU's wire)", f.field),
        };
        // One the old release reads only from a version above its own is in none of its
        // streams.
        let in_old_stream = |f: &&FieldEntry| native_only(f) && f.version_id <= old.version_id;
        let old_list: Vec<&FieldEntry> = old.not_on_wire.iter().filter(in_old_stream).collect();
        let new_list: Vec<&FieldEntry> =
            new.not_on_wire.iter().filter(|f| native_only(f)).collect();
        let (old_fields, new_fields) = (fields_by_name(old), fields_by_name(new));
        // The field at the same place among them in the new release, of the same kind and type
        // and read from the old stream, under a name the old release does not have: renamed.
        let renamed = |i: usize, o: &FieldEntry| {
            let n = *new_list.get(i)?;
            let same = (n.kind(), &n.rust_type, &n.wire_type, n.array_len)
                == (o.kind(), &o.rust_type, &o.wire_type, o.array_len);
            // At the same place: otherwise it moved too, and native streams are misread.
            let place = old_offsets.before(o) == new_offsets.before(n);
            let fresh = !old_fields.contains_key(n.field.as_str()) && n.version_id <= read_limit;
            (same && place && fresh).then_some(n)
        };
        let mut renames = HashSet::new();
        for (i, o) in old_list.iter().enumerate() {
            let p = format!("{path}/NotOnWire/{}", o.field);
            match (new_fields.get(o.field.as_str()), renamed(i, o)) {
                (None, Some(n)) => {
                    let n = n.field.as_str();
                    renames.insert(n);
                    self.error(
                        Rule::FieldRenamed,
                        p,
                        format!(
                            "{} was renamed to `{n}`: no wire carries the name, but this \
                             checker and the schema tools match fields by name, so the next \
                             change to the field would go unseen; keep the name `{}` (a Rust \
                             field renamed keeps it with `#[vmstate(name = {:?})]`)",
                            what(o),
                            o.field,
                            o.field
                        ),
                    );
                }
                (None, None) => self.error(
                    Rule::FieldRemoved,
                    p,
                    format!(
                        "{} was removed: native streams of the old release carry it, so they \
                         would be misread from there on; keep the field",
                        what(o)
                    ),
                ),
                (Some(n), _) if native_carries(n.kind()) && carried_otherwise(o, n) => {
                    self.struct_carried_otherwise(p, o, n)
                }
                (Some(n), _) if native_carries(n.kind()) && n.version_id > read_limit => self
                    .error(
                        Rule::FieldVersionChanged,
                        p,
                        format!(
                            "{} is read only from version {} on in the new release, but native \
                             streams of the old release carry it: the new release would skip \
                             its bytes and read every later field from the wrong place; keep \
                             reading it in every version the old release sends",
                            what(o),
                            n.version_id
                        ),
                    ),
                _ => {}
            }
        }
        for n in new_list {
            // A value of the old release that is such a struct now (the way back is above),
            // read from the old stream.
            if let Some(o) = old_fields.get(n.field.as_str()) {
                let read = n.version_id <= read_limit;
                if read && native_carries(o.kind()) && !native_only(o) && carried_otherwise(o, n) {
                    self.struct_carried_otherwise(format!("{path}/NotOnWire/{}", n.field), o, n);
                }
            }
            let added =
                !old_fields.contains_key(n.field.as_str()) && !renames.contains(n.field.as_str());
            if added && n.version_id <= read_limit {
                // (`since` does not go with `immutable`.)
                let fix = match n.kind() {
                    "immutable" => {
                        "keep the configuration outside the migrated struct, or in a new struct \
                         with its own name"
                    }
                    _ => "add it with `since` and a version bump",
                };
                self.error(
                    Rule::FieldAdded,
                    format!("{path}/NotOnWire/{}", n.field),
                    format!(
                        "{} was added: native streams of the old release do not carry it, so \
                         they would be misread from there on; {fix}",
                        what(n)
                    ),
                );
            }
        }
    }

    /// A struct with nothing on QEMU's wire whose native bytes (an end marker per struct)
    /// changed under its name: it turned into a value or back, or its array length changed.
    fn struct_carried_otherwise(&mut self, path: String, o: &FieldEntry, n: &FieldEntry) {
        self.error(
            Rule::FieldsRestructured,
            path,
            format!(
                "field `{}` was {} and is {} in the new release: neither puts anything on \
                 QEMU's wire, but the native format writes an end marker for each struct, so \
                 native streams of the old release would be misread from there on; keep its \
                 type",
                n.field,
                native_shape(o),
                native_shape(n)
            ),
        );
    }

    /// The native format carries migrated and immutable fields interleaved in field order:
    /// an immutable field moved past a migrated one (which QEMU's wire does not show)
    /// misreads native streams. (A reorder on QEMU's wire is reported by its walk.)
    /// Whether the orders agree (then [`Self::native_places`] has more to check).
    fn native_order(&mut self, path: &str, old: &Desc, new: &Desc) -> bool {
        let order = |d: &Desc, only_wire: bool| -> Option<Vec<String>> {
            let wire = d
                .fields
                .iter()
                .filter(|f| field_extended(f) && native_carries(f.kind()) && !f.is_padding());
            let off_wire = d
                .not_on_wire
                .iter()
                .filter(|f| !only_wire && native_only(f));
            let mut carried: Vec<&FieldEntry> = wire.chain(off_wire).collect();
            if carried.iter().any(|f| f.pos.is_none()) {
                return None;
            }
            carried.sort_by_key(|f| f.pos);
            Some(carried.iter().map(|f| f.field.clone()).collect())
        };
        let common = |a: &[String], b: &[String]| -> Vec<String> {
            let b: HashSet<&String> = b.iter().collect();
            a.iter().filter(|n| b.contains(n)).cloned().collect()
        };
        let (Some(o), Some(n)) = (order(old, false), order(new, false)) else {
            return false;
        };
        let (o, n) = (common(&o, &n), common(&n, &o));
        if o == n {
            return true;
        }
        if let (Some(ow), Some(nw)) = (order(old, true), order(new, true)) {
            if common(&ow, &nw) != common(&nw, &ow) {
                return false;
            }
        }
        let Some(moved) = o.iter().zip(&n).find(|(a, b)| a != b).map(|(a, _)| a) else {
            return false;
        };
        let list = match new.fields.iter().any(|f| &f.field == moved) {
            true => "Fields",
            false => "NotOnWire",
        };
        self.error(
            Rule::FieldsRestructured,
            format!("{path}/{list}/{moved}"),
            format!(
                "field `{moved}` moved among the fields the native format carries (migrated \
                 and immutable ones, in field order): QEMU's wire is unchanged, but native \
                 streams of the old release would be misread; keep the old order"
            ),
        );
        false
    }
}

/// The bytes (QEMU's sizes) of the entries the native format carries in front of each field
/// of a description: migrated fields and padding on QEMU's wire, and native-only fields (not
/// a skipped field named `unused`). Entries above the version limit are in no stream of the
/// old release. Unknown (`None`) without positions.
struct NativeOffsets(Option<(Vec<(u32, u64)>, u64)>);

impl NativeOffsets {
    fn of(d: &Desc, limit: u32) -> Self {
        let on_wire =
            |e: &&FieldEntry| field_extended(e) && (e.is_padding() || native_carries(e.kind()));
        let off_wire = |e: &&FieldEntry| native_only(e);
        let carried = d
            .fields
            .iter()
            .filter(on_wire)
            .chain(d.not_on_wire.iter().filter(off_wire))
            .filter(|e| e.version_id <= limit);
        // Each carried entry's position and the bytes of the entries before it.
        let sized: Option<Vec<(u32, u64)>> =
            carried.map(|e| Some((e.pos?, e.total_size()))).collect();
        NativeOffsets(sized.map(|mut sized| {
            sized.sort_by_key(|&(pos, _)| pos);
            let mut bytes = 0u64;
            for (_, size) in &mut sized {
                let before = bytes;
                bytes = bytes.saturating_add(*size);
                *size = before;
            }
            (sized, bytes)
        }))
    }

    /// The bytes in front of `f`.
    fn before(&self, f: &FieldEntry) -> Option<u64> {
        let (at, (starts, total)) = (f.pos?, self.0.as_ref()?);
        let i = starts.partition_point(|&(pos, _)| pos < at);
        Some(starts.get(i).map_or(*total, |&(_, before)| before))
    }
}

/// Whether two fields of one name, neither with bytes on QEMU's wire, are written otherwise
/// natively where one of them is a struct: a struct against a value, or another array length.
fn carried_otherwise(o: &FieldEntry, n: &FieldEntry) -> bool {
    // (A value with bytes on QEMU's wire is reported by the walk of that wire.)
    !o.is_padding()
        && !n.is_padding()
        && (native_only(o) || native_only(n))
        && o.total_size() == 0
        && n.total_size() == 0
        && (o.description.is_some() != n.description.is_some()
            || o.array_len.unwrap_or(1) != n.array_len.unwrap_or(1))
}

/// A field's type as the native format sees it: `struct `empty``, `struct `empty`[2]`,
/// `uint8[0]`.
fn native_shape(f: &FieldEntry) -> String {
    match (&f.description, f.array_len) {
        (Some(d), Some(len)) => format!("struct `{}`[{len}]", d.name),
        (Some(d), None) => format!("struct `{}`", d.name),
        (None, _) => format!("`{}`", super::fields::shown_type(f)),
    }
}
