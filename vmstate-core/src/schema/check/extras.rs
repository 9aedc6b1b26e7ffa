//! The rules that need this project's extra keys beyond the field walk: fields the native
//! format carries off QEMU's wire (immutable ones, nested structs' end markers), hooks, checks
//! of loaded values, enum variants and `Vec`/`String` bounds.

use super::fields::{
    by_name, byte_sequence, classify, extended, field_extended, find_field, native_carries,
    native_only, needs_owner, own_length_against_qemu, TypeClass,
};
use super::{Checker, Scope};
use crate::schema::report::{Rule, Severity};
use crate::schema::{Desc, Discriminant, FieldEntry};
use std::collections::BTreeMap;

impl Checker {
    /// The checks of the fields that are not on QEMU's wire, and of the hooks. The findings
    /// about `path` start at `first_finding`.
    pub(super) fn extras(
        &mut self,
        sec: &str,
        path: &str,
        old: &Desc,
        new: &Desc,
        stream: Option<u32>,
        first_finding: usize,
    ) {
        let new_entries = by_name(new.not_on_wire.iter());
        for o in &old.not_on_wire {
            let Some(&n) = new_entries.get(o.field.as_str()) else {
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
                (Some(od), Some(nd)) => self.extras(sec, &p, od, nd, None, first_finding),
                _ if ok == "immutable" && nk == "immutable" => self.immutable_type(o, n, &p),
                _ => {}
            }
        }
        // After the fields' own rules: its last resort stands back where they found an error.
        let read_limit = stream.unwrap_or(new.version_id);
        self.native_layout(path, old, new, read_limit, first_finding);
        self.hooks(path, old, new);
        self.container_check(path, old, new);
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
        /// The type of each value (of an array's or a `Vec`'s elements).
        fn value_type(f: &FieldEntry) -> Option<&str> {
            let t = f.wire_type.as_deref()?;
            let t = t.strip_prefix("varray:").unwrap_or(t);
            t.split('[').next()
        }
        let Some(old) = &o.variants else {
            // A bool sent 0 or 1 only: an enum with both takes every value it sent.
            let was_bool = value_type(o) == Some("bool");
            let has = |v: &str| new.values().any(|d| d.to_string() == v);
            if was_bool && has("0") && has("1") {
                return;
            }
            let took = match was_bool {
                true => "0 and 1 (a bool)",
                false => "any integer",
            };
            self.push(
                Severity::Warning,
                Rule::CheckAdded,
                path.to_owned(),
                format!(
                    "field `{}` became an enum: a load accepts only its variants ({}), where \
                     the old release took {took}; a stream of the old release holding \
                     another value fails to load; make sure the old release cannot send one",
                    n.field,
                    listed(new.iter().collect())
                ),
            );
            return;
        };
        // The bits on the wire: a `repr` that changed signedness only (`i8` -1 and `u8` 255)
        // keeps them (the type change itself is reported apart).
        let width = |f: &FieldEntry| match classify(value_type(f)?) {
            TypeClass::Unsigned(bits) | TypeClass::Signed(bits) => bits.parse::<u32>().ok(),
            _ => None,
        };
        let bits = match (width(o), width(n)) {
            (Some(a), Some(b)) if a == b => Some(a),
            _ => None,
        };
        let key = |v: &Discriminant| match bits.and_then(|w| v.bits(w)) {
            Some(wire) => wire.to_string(),
            None => v.to_string(),
        };
        // Each wire value of the new release, with the first variant (by name) that has it.
        let mut by_value: BTreeMap<String, &String> = BTreeMap::new();
        for (name, v) in new {
            by_value.entry(key(v)).or_insert(name);
        }
        // A name that moved to another discriminant while its old one names another
        // variant: the old release's value loads, meaning something else.
        let moved: Vec<String> = (old.iter())
            .filter_map(|(name, v)| {
                let now = new.get(name).filter(|now| key(now) != key(v))?;
                let other = by_value.get(&key(v))?;
                Some(format!("{name} = {v} (now {now}; {v} is now {other})"))
            })
            .collect();
        if !moved.is_empty() {
            self.error(
                Rule::VariantRenumbered,
                path.to_owned(),
                format!(
                    "field `{}` gives the old release's values other meanings: {}; a stream \
                     of the old release loads them as the other variants; keep each variant's \
                     discriminant",
                    n.field,
                    crate::error::first_few(moved.into_iter())
                ),
            );
        }
        // A name gone whose value names a variant the old release lacked: renamed, or
        // another state in the same place.
        let renamed: Vec<String> = (old.iter())
            .filter(|(name, _)| !new.contains_key(*name))
            .filter_map(|(name, v)| {
                let other = by_value
                    .get(&key(v))
                    .filter(|other| !old.contains_key(**other))?;
                Some(format!("{name} = {v} (now {other})"))
            })
            .collect();
        if !renamed.is_empty() {
            self.push(
                Severity::Warning,
                Rule::VariantRenamed,
                path.to_owned(),
                format!(
                    "field `{}` names the old release's values otherwise: {}; a stream of the \
                     old release loads them as those variants, which is right if only the \
                     names changed; if a variant is another state, give it a value of its own",
                    n.field,
                    crate::error::first_few(renamed.into_iter())
                ),
            );
        }
        let gone: Vec<_> = (old.iter())
            .filter(|(_, v)| !by_value.contains_key(&key(v)))
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
        // Each check (`validate` path, `range`, `equal`) as written, but spaces do not count
        // (`0..8` is `0 .. 8`); a range of integers that holds every value of one the old
        // release had (`0..=7` for `0..8`, `0..32` for `0..16`) refuses nothing new.
        let words = |s: &str| s.split_whitespace().collect::<String>();
        let parts = |s: &str| s.split("; ").map(words).collect::<Vec<_>>();
        let old = before.map(parts).unwrap_or_default();
        let covered = |new: &String| {
            old.contains(new)
                || IntRange::parse(new).is_some_and(|n| {
                    (old.iter()).any(|o| IntRange::parse(o).is_some_and(|o| n.holds(&o)))
                })
        };
        if parts(check).iter().all(covered) {
            return;
        }
        let before = match before {
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

    /// A sequence whose length moved into or out of another field, or to another one
    /// (`len = "..."`): the wire's bytes change meaning.
    pub(super) fn length_source(&mut self, path: &str, o: &FieldEntry, n: &FieldEntry) {
        if o.len == n.len {
            return;
        }
        let held = |len: &Option<String>| match len {
            Some(name) => format!("is the value of field `{name}`"),
            None => "travels before its elements".to_owned(),
        };
        self.error(
            Rule::FieldTypeChanged,
            path.to_owned(),
            format!(
                "the length of field `{}` {} in the old release and {} in the new: a stream \
                 of the old release would be read with another length, misaligned from there \
                 on; keep it as it was",
                n.field,
                held(&o.len),
                held(&n.len)
            ),
        );
    }

    /// A byte sequence with a length of its own against a QEMU description's field of size 0:
    /// QEMU's byte buffers are sized by another field (`VMSTATE_VBUFFER_*`), so the port most
    /// likely lacks `len`, and writes a be32 length QEMU does not read. QEMU's dumps do not say
    /// what a size-0 field is (nor does a schema written by `schema --qemu`, whose own-length
    /// sequences look the same), hence a warning.
    pub(super) fn own_length_against_qemu(&mut self, path: &str, s: &FieldEntry, d: &FieldEntry) {
        let Some(ours) = own_length_against_qemu(s, d) else {
            return;
        };
        if !byte_sequence(ours) || s.size != 0 || d.size != 0 {
            return; // other sizes differ, and are reported as such
        }
        self.push(
            Severity::Warning,
            Rule::FieldTypeChanged,
            path.to_owned(),
            format!(
                "field `{}` carries its own length (on QEMU's wire a be32 before its bytes), \
                 which no QEMU field does; a QEMU field of size 0 is a buffer sized by another \
                 field (`VMSTATE_VBUFFER_*`): if so, give it `#[vmstate(len = \"...\")]` naming \
                 that field (against a schema written by `schema --qemu`, ignore this)",
                ours.field
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

/// A `range` of integer literals (`0..8`, `..=0x7f`, `-4..`), as the values it holds: from
/// `lo` to `hi`, both included (`None`: no bound).
#[derive(Debug, PartialEq)]
struct IntRange {
    lo: Option<i128>,
    hi: Option<i128>,
}

impl IntRange {
    /// The range `text` (spaces removed) writes, if its bounds are integer literals.
    fn parse(text: &str) -> Option<IntRange> {
        let (lo, hi, inclusive) = match text.split_once("..=") {
            Some((lo, hi)) => (lo, hi, true),
            None => {
                let (lo, hi) = text.split_once("..")?;
                (lo, hi, false)
            }
        };
        let bound = |b: &str| -> Option<Option<i128>> {
            if b.is_empty() {
                return Some(None);
            }
            int_literal(b).map(Some)
        };
        let (lo, hi) = (bound(lo)?, bound(hi)?);
        let hi = match (hi, inclusive) {
            (Some(h), false) => Some(h.checked_sub(1)?),
            (h, _) => h,
        };
        Some(IntRange { lo, hi })
    }

    /// Whether every value of `other` lies in `self`.
    fn holds(&self, other: &IntRange) -> bool {
        let lo_ok = match (self.lo, other.lo) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a <= b,
        };
        let hi_ok = match (self.hi, other.hi) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a >= b,
        };
        lo_ok && hi_ok
    }
}

/// An integer literal as Rust writes one (`-8`, `0x7f`, `0b1010`, `1_000`, `16u8`).
fn int_literal(text: &str) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (radix, digits) = match digits.get(..2) {
        Some("0x") => (16, &digits[2..]),
        Some("0o") => (8, &digits[2..]),
        Some("0b") => (2, &digits[2..]),
        _ => (10, digits),
    };
    // A type suffix (`16u8`, `0x10_i32`) is no digit of the value (`u` and `i` are no digit in
    // any radix).
    let digits = digits.find(['u', 'i']).map_or(digits, |at| &digits[..at]);
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    let magnitude = i128::from_str_radix(&digits, radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}
