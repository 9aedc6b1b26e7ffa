//! The rules that need this project's extra keys beyond the field walk: fields the native
//! format carries off QEMU's wire (immutable ones, nested structs' end markers), hooks, checks
//! of loaded values, enum variants and `Vec`/`String` bounds.

use super::fields::{
    classify, extended, field_extended, find_field, native_carries, native_only, needs_owner,
    total, TypeClass,
};
use super::{Checker, Scope};
use crate::schema::report::{Rule, Severity};
use crate::schema::{Desc, Discriminant, FieldEntry};
use std::collections::BTreeSet;

impl Checker {
    /// The checks of the fields that are not on QEMU's wire, and of the hooks.
    pub(super) fn extras(
        &mut self,
        sec: &str,
        path: &str,
        old: &Desc,
        new: &Desc,
        stream: Option<u32>,
    ) {
        self.native_only_fields(path, old, new, stream.unwrap_or(new.version_id));
        self.native_order(path, old, new, stream.unwrap_or(new.version_id));
        for o in &old.not_on_wire {
            let Some(n) = new.not_on_wire.iter().find(|n| n.field == o.field) else {
                continue;
            };
            if !field_extended(o) || !field_extended(n) {
                continue;
            }
            let p = format!("{path}/NotOnWire/{}", n.field);
            let (ok, nk) = (o.kind(), n.kind());
            if native_carries(ok) != native_carries(nk) {
                self.error(
                    Rule::FieldKindChanged,
                    p.clone(),
                    format!(
                        "field `{}` was {ok} in the old release and is {nk} in the new: this \
                         project's native format carries migrated and immutable fields, so a \
                         native stream of the old release would be misread from here on; keep \
                         it {ok}",
                        o.field
                    ),
                );
                continue;
            }
            if native_carries(ok) {
                self.max_len(&p, o, n);
                self.checks(&p, o, n);
                let arrays = o.array_len.is_some() && n.array_len.is_some();
                if native_only(o) && native_only(n) && arrays && o.array_len != n.array_len {
                    let len = |f: &FieldEntry| f.array_len.unwrap_or(1);
                    self.error(
                        Rule::FieldSizeChanged,
                        p.clone(),
                        format!(
                            "field `{}` went from {} to {} elements: native streams of the old \
                             release carry {}, so they would be misread from there on; keep {}",
                            n.field,
                            len(o),
                            len(n),
                            len(o),
                            len(o)
                        ),
                    );
                    continue;
                }
            }
            match (&o.description, &n.description) {
                // The native format carries an immutable nested struct whole: compared as
                // a nested struct on QEMU's wire is.
                (Some(od), Some(nd)) if ok == "immutable" && nk == "immutable" => {
                    self.desc(sec, p, od, nd, Scope::Nested, true, None)
                }
                (Some(od), Some(nd)) => self.extras(sec, &p, od, nd, None),
                _ if ok == "immutable" && nk == "immutable" => self.immutable_type(o, n, &p),
                _ => {}
            }
        }
        self.hooks(path, old, new);
        self.container_check(path, old, new);
    }

    /// With the fields in the same order, each native-only field must follow as many bytes
    /// (QEMU's sizes) of the entries the native format carries in both releases: padding,
    /// fields both carry, and fields the other release lacks (removed ones, which padding may
    /// stand for; added ones read from an old stream). Padding put in front of an immutable field for a field that
    /// stood after it shifts the immutable field's bytes, though QEMU's wire lines up. A last
    /// resort: skipped when the description already has an error (a removed or retyped field
    /// shifts the count too).
    fn native_places(&mut self, path: &str, old: &Desc, new: &Desc, read_limit: u32) {
        let prefix = format!("{path}/");
        let reported = (self.findings.iter())
            .any(|f| f.severity == Severity::Error && f.path.starts_with(&prefix));
        if reported {
            return;
        }
        for f in old.not_on_wire.iter().filter(|f| native_only(f)) {
            let Some(nf) = new.not_on_wire.iter().find(|n| n.field == f.field) else {
                continue;
            };
            let places = (
                native_offset(old, new, old.version_id, f),
                native_offset(new, old, read_limit, nf),
            );
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

    /// A struct whose loaded state the new release checks (`validate`), with a check the old
    /// release did not have.
    fn container_check(&mut self, path: &str, old: &Desc, new: &Desc) {
        // QEMU's dumps have no `hooks`: only two of this project's schemas are compared.
        if !(extended(old) && extended(new)) {
            return;
        }
        let validate = |d: &Desc| d.hooks.as_ref()?.get("validate").cloned();
        if let Some(check) = validate(new) {
            let subject = format!("the state of `{}`", new.name);
            self.check_added(path, &subject, &check, validate(old).as_deref());
        }
    }

    /// The fields the native format carries but QEMU's wire does not (immutable ones, and
    /// nested structs with nothing on QEMU's wire, whose end marker is still written), which
    /// the walk of QEMU's wire does not see: one removed, one added that the new release
    /// reads from an old stream, or one the new release reads only from a version above the
    /// old stream's (`read_limit`) shifts every native byte after it.
    fn native_only_fields(&mut self, path: &str, old: &Desc, new: &Desc, read_limit: u32) {
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
        // The field at the same place among them in the new release, of the same kind and type
        // and read from the old stream, under a name the old release does not have: renamed.
        let renamed = |i: usize, o: &FieldEntry| {
            let n = *new_list.get(i)?;
            let same = (n.kind(), &n.rust_type, &n.wire_type, n.array_len)
                == (o.kind(), &o.rust_type, &o.wire_type, o.array_len);
            // At the same place: otherwise it moved too, and native streams are misread.
            let place = native_offset(old, new, old.version_id, o)
                == native_offset(new, old, read_limit, n);
            let fresh = find_field(old, &n.field).is_none() && n.version_id <= read_limit;
            (same && place && fresh).then_some(n)
        };
        let mut renames = Vec::new();
        for (i, o) in old_list.iter().enumerate() {
            let p = format!("{path}/NotOnWire/{}", o.field);
            match (find_field(new, &o.field), renamed(i, o)) {
                (None, Some(n)) => {
                    let n = n.field.as_str();
                    renames.push(n);
                    self.error(
                        Rule::FieldRenamed,
                        p,
                        format!(
                            "{} was renamed to `{n}`: no wire carries the name, but schema \
                             tools match fields by it and QEMU's checker rejects a rename; \
                             keep the name `{}` (a Rust field renamed keeps it with \
                             `#[vmstate(name = {:?})]`)",
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
            let added = find_field(old, &n.field).is_none() && !renames.contains(&n.field.as_str());
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

    /// The native format carries migrated and immutable fields interleaved in field order:
    /// an immutable field moved past a migrated one (which QEMU's wire does not show)
    /// misreads native streams. (A reorder on QEMU's wire is reported by its walk.)
    fn native_order(&mut self, path: &str, old: &Desc, new: &Desc, read_limit: u32) {
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
            a.iter().filter(|n| b.contains(n)).cloned().collect()
        };
        let (Some(o), Some(n)) = (order(old, false), order(new, false)) else {
            return;
        };
        let (o, n) = (common(&o, &n), common(&n, &o));
        if o == n {
            self.native_places(path, old, new, read_limit);
            return;
        }
        if let (Some(ow), Some(nw)) = (order(old, true), order(new, true)) {
            if common(&ow, &nw) != common(&nw, &ow) {
                return;
            }
        }
        let Some(moved) = o.iter().zip(&n).find(|(a, b)| a != b).map(|(a, _)| a) else {
            return;
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
    }

    /// A derived field that the old release recomputed after a load but the new does not.
    fn hooks(&mut self, path: &str, old: &Desc, new: &Desc) {
        let post_load = |d: &Desc| d.hooks.as_ref().and_then(|h| h.get("post_load")).cloned();
        let (old_post, new_post) = (post_load(old), post_load(new));
        let lists = [("Fields", &new.fields), ("NotOnWire", &new.not_on_wire)];
        for (list, fields) in lists {
            for f in fields.iter() {
                if !field_extended(f) {
                    continue;
                }
                let derived = f.kind() == "derived";
                let owner = f.description.as_deref().is_some_and(needs_owner);
                if f.kind() == "migrated" && f.version_id > 0 {
                    let posts = (old_post.as_deref(), new_post.as_deref());
                    self.derived_now_sent(path, list, f, (old, new), posts);
                }
                if !derived && !owner {
                    continue;
                }
                // A container `post_load` recomputes derived fields and, as the derive
                // accepts, a nested struct's owner-derived ones.
                let now = f.hook.clone().or_else(|| new_post.clone());
                if now.is_some() {
                    continue;
                }
                let before = find_field(old, &f.field)
                    .and_then(|o| o.hook.clone())
                    .or_else(|| old_post.clone());
                let Some(before) = before else { continue };
                let (what, fix) = if derived {
                    (
                        format!("derived field `{}` was", f.field),
                        format!(
                            "restore the hook (`#[vmstate(derived = \"{before}\")]` on the field \
                             or `post_load = \"{before}\"` on the struct)"
                        ),
                    )
                } else {
                    (
                        format!(
                            "the owner-derived fields of nested struct `{}` were",
                            f.field
                        ),
                        format!("restore `#[vmstate(derives = \"{before}\")]` on the field"),
                    )
                };
                self.error(
                    Rule::HookRemoved,
                    format!("{path}/{list}/{}", f.field),
                    format!(
                        "{what} recomputed after a load by `{before}` in the old release, but \
                         nothing recomputes them in the new one: after a migration they keep \
                         the destination's stale values; {fix}"
                    ),
                );
            }
        }
    }

    /// A derived field that the new release sends from a version on (`since`): a stream of
    /// the old release lacks it, and its function no longer runs after a load.
    fn derived_now_sent(
        &mut self,
        path: &str,
        list: &str,
        f: &FieldEntry,
        (old, new): (&Desc, &Desc),
        (old_post, new_post): (Option<&str>, Option<&str>),
    ) {
        let Some(o) = old.not_on_wire.iter().find(|o| o.field == f.field) else {
            return;
        };
        if !field_extended(o) || o.kind() != "derived" {
            return;
        }
        let Some(before) = o.hook.as_deref().or(old_post) else {
            return;
        };
        let still_runs = new_post == Some(before)
            || new
                .fields
                .iter()
                .chain(&new.not_on_wire)
                .any(|n| n.hook.as_deref() == Some(before));
        if still_runs {
            return;
        }
        self.push(
            Severity::Warning,
            Rule::HookRemoved,
            format!("{path}/{list}/{}", f.field),
            format!(
                "field `{}` was derived (recomputed after a load by `{before}`) and is sent \
                 from version {} on: a stream of the old release does not carry it, so after \
                 such a load it keeps the destination's value unless its `default` (or \
                 `post_load`, for older streams) sets it",
                f.field, f.version_id
            ),
        );
    }

    /// A field whose loaded values the new release checks, with a check the old release did
    /// not have.
    pub(super) fn checks(&mut self, path: &str, o: &FieldEntry, n: &FieldEntry) {
        if let Some(check) = n.validate.as_deref() {
            let subject = format!("field `{}`", n.field);
            self.check_added(path, &subject, check, o.validate.as_deref());
        }
        self.variants(path, o, n);
    }

    /// An enum field whose load refuses values the old release sends: one that was an
    /// integer, or whose variants lost a discriminant.
    fn variants(&mut self, path: &str, o: &FieldEntry, n: &FieldEntry) {
        let Some(new) = &n.variants else {
            return;
        };
        let listed = |pairs: Vec<(&String, &Discriminant)>| {
            crate::error::first_few(pairs.iter().map(|(name, v)| format!("{name} = {v}")))
        };
        let Some(old) = &o.variants else {
            self.push(
                Severity::Warning,
                Rule::CheckAdded,
                path.to_owned(),
                format!(
                    "field `{}` became an enum: a load accepts only its variants ({}), where \
                     the old release took any integer; a stream of the old release holding \
                     another value fails to load; make sure the old release cannot send one",
                    n.field,
                    listed(new.iter().collect())
                ),
            );
            return;
        };
        // The bits on the wire: a `repr` that changed signedness only (`i8` -1 and `u8` 255)
        // keeps them (the type change itself is reported apart).
        let width = |f: &FieldEntry| {
            let t = f.wire_type.as_deref()?;
            let t = t.strip_prefix("varray:").unwrap_or(t);
            let t = t.split('[').next().unwrap_or(t);
            match classify(t) {
                TypeClass::Unsigned(bits) | TypeClass::Signed(bits) => bits.parse::<u32>().ok(),
                _ => None,
            }
        };
        let bits = match (width(o), width(n)) {
            (Some(a), Some(b)) if a == b => Some(a),
            _ => None,
        };
        let key = |v: &Discriminant| match bits.and_then(|w| v.bits(w)) {
            Some(wire) => wire.to_string(),
            None => v.to_string(),
        };
        let accepted: BTreeSet<String> = new.values().map(key).collect();
        let gone: Vec<_> = (old.iter())
            .filter(|(_, v)| !accepted.contains(&key(v)))
            .collect();
        if gone.is_empty() {
            return;
        }
        self.error(
            Rule::VariantRemoved,
            path.to_owned(),
            format!(
                "field `{}` no longer accepts the old release's {}: a stream of the old \
                 release holding one fails to load; keep a variant with each of these values",
                n.field,
                listed(gone)
            ),
        );
    }

    /// `subject` is checked on load by `check`, where the old release checked it by `before`.
    fn check_added(&mut self, path: &str, subject: &str, check: &str, before: Option<&str>) {
        // As written, but spaces do not count (`0..8` is `0 .. 8`).
        let words = |s: &str| s.split_whitespace().collect::<String>();
        let before = match before {
            Some(before) if words(before) == words(check) => return,
            Some(before) => format!("was `{before}`"),
            None => "the old release had none".to_owned(),
        };
        self.push(
            Severity::Warning,
            Rule::CheckAdded,
            path.to_owned(),
            format!(
                "{subject} is checked by `{check}` on load ({before}): a stream of the old \
                 release holding a value it refuses fails to load; make sure the old release \
                 cannot send such a value, or accept it"
            ),
        );
    }

    pub(super) fn max_len(&mut self, path: &str, o: &FieldEntry, n: &FieldEntry) {
        if let (Some(a), Some(b)) = (o.max_len, n.max_len) {
            if b < a {
                self.error(
                    Rule::MaxLenLowered,
                    path.to_owned(),
                    format!(
                        "the `max_len` of field `{}` was lowered from {a} to {b}: the new \
                         release refuses a stream of the old release holding more than {b} \
                         elements; keep `max_len = {a}` (or more)",
                        o.field
                    ),
                );
            }
        }
    }
}

/// The bytes (QEMU's sizes) of the entries the native format carries in front of `f` in `d`,
/// as far as they can line up with `other`'s: padding, fields both carry, and fields `other`
/// lacks (a removed field, which padding may stand for, or an added one); fields `other`
/// has but does not carry are reported by the kind rules and left out. Entries above
/// `limit` are in no stream of the old release. `None` without positions.
fn native_offset(d: &Desc, other: &Desc, limit: u32, f: &FieldEntry) -> Option<u64> {
    let at = f.pos?;
    let carried = |e: &&FieldEntry| {
        let on_wire = field_extended(e) && (e.is_padding() || native_carries(e.kind()));
        (on_wire || native_only(e)) && e.version_id <= limit
    };
    let lines_up = |e: &&FieldEntry| {
        e.is_padding()
            || match find_field(other, &e.field) {
                Some(o) => o.is_padding() || native_carries(o.kind()),
                None => true,
            }
    };
    let mut bytes = 0u64;
    for e in d
        .fields
        .iter()
        .chain(&d.not_on_wire)
        .filter(carried)
        .filter(lines_up)
    {
        if e.pos? < at {
            bytes = bytes.saturating_add(total(e));
        }
    }
    Some(bytes)
}
