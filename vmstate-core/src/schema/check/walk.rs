//! The field walk of one pair of descriptions, after QEMU's `check_fields`: both releases'
//! fields in order, entering a nested struct where a field moved into one.

use super::fields::{field_extended, rust_name, variable};
use super::names::{exists_in_substruct, matching_names, names_match, positions};
use super::padding::Run;
use super::pair::varints_alike;
use super::restructure::restructured;
use super::{Checker, Scope};
use crate::schema::report::{Rule, Severity};
use crate::schema::{Desc, FieldEntry};
use std::collections::HashMap;

/// One level of a field walk: the fields of a description, or of a nested struct entered
/// because a field moved into it.
pub(super) struct Level<'a> {
    pub(super) fields: &'a [FieldEntry],
    /// The positions of each field name, ascending, so a look-ahead by name is a lookup (a
    /// walk of renamed fields was quadratic). QEMU's own descriptions repeat names (PCI's
    /// `config`, pl080's `tc_int`).
    positions: HashMap<&'a str, Vec<usize>>,
    pub(super) next: usize,
    /// `dev/Fields` or `dev/Fields/flash/Fields`.
    prefix: String,
    pub(super) desc: &'a Desc,
}

/// One side of a field walk.
pub(super) struct Side<'a> {
    pub(super) levels: Vec<Level<'a>>,
}

impl<'a> Side<'a> {
    fn new(desc: &'a Desc, prefix: String) -> Self {
        Side {
            levels: vec![Level {
                fields: &desc.fields,
                positions: positions(&desc.fields),
                next: 0,
                prefix,
                desc,
            }],
        }
    }

    fn peek(&self) -> Option<&'a FieldEntry> {
        let level = self.levels.last()?;
        level.fields.get(level.next)
    }

    pub(super) fn bump(&mut self) {
        if let Some(level) = self.levels.last_mut() {
            level.next += 1;
        }
    }

    /// Leaves an exhausted nested level; false at the top.
    fn pop(&mut self) -> bool {
        if self.levels.len() > 1 {
            self.levels.pop();
            true
        } else {
            false
        }
    }

    /// Enters the nested struct `f` (already bumped past).
    fn enter(&mut self, f: &'a FieldEntry) {
        if let Some(d) = &f.description {
            let prefix = format!("{}/{}/Fields", self.prefix(), f.field);
            self.levels.push(Level {
                fields: &d.fields,
                positions: positions(&d.fields),
                next: 0,
                prefix,
                desc: d,
            });
        }
    }

    fn prefix(&self) -> &str {
        self.levels.last().map_or("", |l| l.prefix.as_str())
    }

    pub(super) fn path(&self, f: &FieldEntry) -> String {
        format!("{}/{}", self.prefix(), f.field)
    }

    fn desc(&self) -> Option<&'a Desc> {
        self.levels.last().map(|l| l.desc)
    }

    /// Whether a field after the current one, at the current level, matches `name`.
    fn later_has(&self, scope: &str, name: &str) -> bool {
        self.last_match(scope, name)
            .is_some_and(|(at, l)| at > l.next)
    }

    /// Whether the current field or one after it, at the current level, matches `name`.
    pub(super) fn has_from_current(&self, scope: &str, name: &str) -> bool {
        self.last_match(scope, name)
            .is_some_and(|(at, l)| at >= l.next)
    }

    /// The last position at the current level of a field that matches `name` (itself or a
    /// name QEMU's whitelist pairs with it), and the level.
    fn last_match(&self, scope: &str, name: &str) -> Option<(usize, &Level<'a>)> {
        let l = self.levels.last()?;
        matching_names(scope, name)
            .filter_map(|n| l.positions.get(n).and_then(|p| p.last()).copied())
            .max()
            .map(|at| (at, l))
    }

    /// How many fields from the current one on (`skip` = 0) or after it (1), at the current
    /// level, match `name`.
    fn count_matching(&self, scope: &str, name: &str, skip: usize) -> usize {
        let Some(l) = self.levels.last() else {
            return 0;
        };
        let from = l.next + skip;
        matching_names(scope, name)
            .filter_map(|n| l.positions.get(n))
            .map(|p| p.len() - p.partition_point(|&at| at < from))
            .sum()
    }

    /// Whether the other side's field `name` (current there) is still ahead on this side
    /// after its current field, as often as the other side has it from its current one on:
    /// padding here was then put in front of that field, not in its place.
    fn has_all_later(&self, other: &Side<'_>, scope: &str, name: &str) -> bool {
        let here = self.count_matching(scope, name, 1);
        here > 0 && here >= other.count_matching(scope, name, 0)
    }

    /// The fields not walked yet (the current one included), innermost level first, with
    /// their paths and their level's description.
    fn rest(&self) -> Vec<(&'a FieldEntry, String, &'a Desc)> {
        let mut out = Vec::new();
        for level in self.levels.iter().rev() {
            for f in level.fields.iter().skip(level.next) {
                out.push((f, format!("{}/{}", level.prefix, f.field), level.desc));
            }
        }
        out
    }
}

/// How a field walk ended.
pub(super) enum Walk {
    Done,
    Stopped,
}

/// What a walk needs to know about the description pair.
pub(super) struct WalkCx<'a> {
    pub(super) sec: &'a str,
    /// QEMU's scope for field renames: the older description's name.
    pub(super) scope: &'a str,
    /// The version of the older release's stream for these fields; `None` for a nested struct.
    pub(super) stream: Option<u32>,
    /// The older release sends a field when its `version_id` is at most this (its version).
    pub(super) sent_limit: u32,
    /// The newer release reads a field when its `version_id` is at most this: the stream's
    /// version for a section or subsection, its own version for a nested struct.
    pub(super) read_limit: u32,
    /// The newer release's version of the description (for the suggested `since`).
    pub(super) new_version: u32,
    /// The oldest stream version the newer release loads: a stream older than that is
    /// refused whatever its fields.
    pub(super) new_minimum: u32,
    pub(super) scope_kind: Scope,
    pub(super) extended: bool,
}

fn find<'a>(list: &'a [FieldEntry], name: &str) -> Option<&'a FieldEntry> {
    list.iter().find(|f| f.field == name)
}

impl Checker {
    /// QEMU's `check_fields`: walks the wire fields of both descriptions in step.
    pub(super) fn walk(&mut self, cx: &WalkCx<'_>, old: &Desc, new: &Desc, path: &str) {
        let mut s = Side::new(old, format!("{path}/Fields"));
        let mut d = Side::new(new, format!("{path}/Fields"));
        let mut run: Option<Run> = None;
        loop {
            let sf = match s.peek() {
                Some(f) => Some(f),
                None if s.pop() => continue,
                None => None,
            };
            let df = match d.peek() {
                Some(f) => Some(f),
                None if d.pop() => continue,
                None => None,
            };
            let (sf, df) = match (sf, df) {
                (Some(a), Some(b)) => (a, b),
                (sf, df) => {
                    let Some(r) = run.as_mut() else {
                        match sf {
                            None => self.added_at_end(cx, &s, &d),
                            Some(_) => self.removed_at_end(cx, &s, &d),
                        }
                        return;
                    };
                    // The other side ran out: the side that is behind may still finish the
                    // run (padding at the end standing for the last fields).
                    let old_behind = r.old.end < r.new.end;
                    let Some(f) = (if old_behind { sf } else { df }) else {
                        if self.run_stretch(r) {
                            self.run_done(r);
                            run = None;
                            continue;
                        }
                        self.run_left_over(r);
                        return;
                    };
                    let gated = if old_behind {
                        f.version_id > cx.sent_limit
                    } else {
                        f.version_id > cx.read_limit
                    };
                    if gated {
                        if old_behind {
                            s.bump()
                        } else {
                            d.bump()
                        }
                        continue;
                    }
                    if let Walk::Stopped = self.run_step(cx, r, &mut s, &mut d, f) {
                        return;
                    }
                    if r.old.end == r.new.end {
                        self.run_done(r);
                        run = None;
                    }
                    continue;
                }
            };
            // Names pair real fields: padding goes by its bytes, whatever it is called (a
            // real field may be called `unused` too, as QEMU's pl041 register is).
            let neither_padding = !sf.is_padding() && !df.is_padding();
            let paired = neither_padding && names_match(cx.scope, &sf.field, &df.field);
            // Of fields sharing a name (QEMU's pl080 `tc_int`), one this stream lacks pairs
            // with nothing when the other release has a later one of the name: a field added
            // behind a version gate in front of one of its name is not a change of it.
            if paired {
                let (sent, read) = (
                    sf.version_id <= cx.sent_limit,
                    df.version_id <= cx.read_limit,
                );
                if sent && !read && d.later_has(cx.scope, &sf.field) {
                    d.bump();
                    continue;
                }
                if read && !sent && s.later_has(cx.scope, &df.field) {
                    s.bump();
                    continue;
                }
            }
            // Fields gated by a version above the stream's are neither sent nor read (unless
            // the other release has a field of that name here: see `pair`).
            if !paired {
                if sf.version_id > cx.sent_limit {
                    s.bump();
                    continue;
                }
                if df.version_id > cx.read_limit {
                    d.bump();
                    continue;
                }
            }
            if let Some(r) = run.as_mut() {
                let behind = if r.old.end < r.new.end { sf } else { df };
                if let Walk::Stopped = self.run_step(cx, r, &mut s, &mut d, behind) {
                    return;
                }
                if r.old.end == r.new.end {
                    self.run_done(r);
                    run = None;
                }
                continue;
            }
            let both_padding = sf.is_padding() && df.is_padding();
            if paired {
                let dp = d.path(df);
                s.bump();
                d.bump();
                self.pair(cx, sf, df, &dp);
                continue;
            }
            if neither_padding {
                if exists_in_substruct(df, &sf.field) {
                    self.moved_into_struct(cx, s.path(sf), df, "into");
                    d.bump();
                    d.enter(df);
                    continue;
                }
                if exists_in_substruct(sf, &df.field) {
                    self.moved_into_struct(cx, s.path(sf), sf, "out of");
                    s.bump();
                    s.enter(sf);
                    continue;
                }
            }
            // Padding in front of a field that the other release still has further on was
            // inserted (or removed), not put in the place of that field.
            if !both_padding && df.is_padding() && d.has_all_later(&s, cx.scope, &sf.field) {
                let p = d.path(df);
                self.added(cx, df, p, Some(&sf.field));
                d.bump();
                continue;
            }
            if !both_padding && sf.is_padding() && s.has_all_later(&d, cx.scope, &df.field) {
                let p = s.path(sf);
                self.removed(sf, p, false);
                s.bump();
                continue;
            }
            if sf.is_padding() || df.is_padding() {
                let Some(r) = self.run_start(&s, &d, sf, df) else {
                    return;
                };
                s.bump();
                d.bump();
                // Natively one integer varint stands for another of its signedness whatever
                // their widths (`u32` and `Removed<u64>`), where QEMU's wire would misalign.
                if r.old.end == r.new.end || self.native_only && varints_alike(sf, df) {
                    self.run_done(&r);
                } else {
                    run = Some(r);
                }
                continue;
            }
            if let Walk::Stopped = self.mismatch(cx, &mut s, &mut d, sf, df) {
                return;
            }
        }
    }

    /// Two real fields with different names at the same place.
    fn mismatch<'a>(
        &mut self,
        cx: &WalkCx<'_>,
        s: &mut Side<'a>,
        d: &mut Side<'a>,
        sf: &'a FieldEntry,
        df: &'a FieldEntry,
    ) -> Walk {
        let s_later = d.later_has(cx.scope, &sf.field);
        let d_later = s.later_has(cx.scope, &df.field);
        if cx.extended && !s_later {
            if let Some(n) = d.desc().and_then(|nd| find(&nd.not_on_wire, &sf.field)) {
                let p = s.path(sf);
                self.kind_left_wire(cx, sf, n, p);
                s.bump();
                return Walk::Done;
            }
        }
        if cx.extended && !d_later {
            if let Some(o) = s.desc().and_then(|od| find(&od.not_on_wire, &df.field)) {
                let p = d.path(df);
                self.kind_joined_wire(cx, o, df, p);
                d.bump();
                return Walk::Done;
            }
        }
        if !s_later && !d_later {
            if let Some(span) = restructured(cx, s, d, &mut self.restructure_budget) {
                self.restructured(s, d, &span);
                for _ in 0..span.old {
                    s.bump();
                }
                for _ in 0..span.new {
                    d.bump();
                }
                return Walk::Done;
            }
        }
        match (s_later, d_later) {
            (true, false) => {
                let p = d.path(df);
                self.added(cx, df, p, Some(&sf.field));
                d.bump();
                Walk::Done
            }
            (false, true) => {
                let p = s.path(sf);
                self.removed(sf, p, false);
                s.bump();
                Walk::Done
            }
            (false, false) => {
                let keep = if variable(sf) {
                    "keep the old field".to_owned()
                } else if field_extended(sf) && sf.description.is_none() {
                    // The native format carries it as its type: `Removed<T>` skips that.
                    format!(
                        "keep the old field (or `vmstate_core::Removed<{}>` padding in its place)",
                        rust_name(sf)
                    )
                } else {
                    format!(
                        "keep the old field (or `vmstate_core::Unused<{}>` padding in its place)",
                        sf.total_size()
                    )
                };
                self.error(
                    Rule::FieldRenamed,
                    s.path(sf),
                    format!(
                        "field `{}` was renamed to `{}`: QEMU's checker rejects the rename and \
                         a stream of the old release would be read into a field of another \
                         meaning; keep the name `{}` (a Rust field renamed keeps it with \
                         `#[vmstate(name = {:?})]`), or if this is a new field, {keep} and add \
                         `{}` with `since` and a version bump, or in a subsection",
                        sf.field, df.field, sf.field, sf.field, df.field
                    ),
                );
                s.bump();
                d.bump();
                Walk::Done
            }
            (true, true) => {
                self.error(
                    Rule::FieldRenamed,
                    s.path(sf),
                    format!(
                        "the fields were reordered (field `{}` is expected here but the new \
                         release has `{}`): the old release's stream would be read into the \
                         wrong fields from here on; restore the old order (the rest of this \
                         description is not checked)",
                        sf.field, df.field
                    ),
                );
                Walk::Stopped
            }
        }
    }

    /// Fields moved into (or out of) the nested struct `nested`: QEMU's checker accepts it,
    /// and QEMU's wire lines up, but between two of this project's schemas the native format
    /// does not (a struct ends with a marker there).
    fn moved_into_struct(&mut self, cx: &WalkCx<'_>, path: String, nested: &FieldEntry, how: &str) {
        if !cx.extended {
            return;
        }
        let name = nested.description.as_ref().map_or("", |d| d.name.as_str());
        self.error(
            Rule::FieldsRestructured,
            path,
            format!(
                "fields moved {how} the nested struct `{}` (`{name}`): QEMU's wire lines up, \
                 but this project's native format ends every struct with a marker, so native \
                 streams would be misread; keep the fields where they were",
                nested.field
            ),
        );
    }

    /// A nested struct of the same kind on QEMU's wire in one release and not in the other:
    /// its only QEMU content is subsections, which one side lacks (or a schema written before
    /// such structs were listed on the wire). Compared as a nested struct, its fields and
    /// subsections decide.
    pub(super) fn same_struct_elsewhere(
        &mut self,
        cx: &WalkCx<'_>,
        o: &FieldEntry,
        n: &FieldEntry,
        path: &str,
    ) -> bool {
        let (Some(od), Some(nd)) = (&o.description, &n.description) else {
            return false;
        };
        if o.kind() != n.kind() {
            return false;
        }
        self.desc(cx.sec, path.to_owned(), od, nd, Scope::Nested, true, None);
        true
    }

    /// How to add a field that older streams lack.
    pub(super) fn gate_fix(&self, cx: &WalkCx<'_>) -> String {
        match (cx.scope_kind, cx.stream) {
            (Scope::Nested, _) | (_, None) => "nested structs carry no version on the wire, so \
                 move it into a subsection of the section (or keep it off the wire)"
                .to_owned(),
            (kind, Some(v)) => {
                let since = cx.new_version.max(v.saturating_add(1));
                let what = if kind == Scope::Subsection {
                    "the subsection's"
                } else {
                    "the struct's"
                };
                format!(
                    "declare it `#[vmstate(since = {since})]` and raise {what} `version` to \
                     {since}, or better move it into a subsection"
                )
            }
        }
    }

    fn added(&mut self, cx: &WalkCx<'_>, d: &FieldEntry, path: String, before: Option<&str>) {
        let place = match before {
            Some(b) => format!(" before `{b}`"),
            None => String::new(),
        };
        let stream = match cx.stream {
            Some(v) => format!("a stream of the old release (version {v})"),
            None => "the old release's stream".to_owned(),
        };
        if d.field_exists {
            self.push(
                Severity::Warning,
                Rule::FieldAdded,
                path,
                format!(
                    "field `{}` was added{place} behind an `exists` test: {stream} lacks it, so \
                     the test must return false for every stream of the old release; make sure \
                     it does, or {}",
                    d.field,
                    self.gate_fix(cx)
                ),
            );
            return;
        }
        // In a nested struct `since` gates nothing: its version is on no wire.
        let gate = match (cx.scope_kind, d.version_id) {
            (Scope::Nested, v) if v > 0 => format!(
                "with `since = {v}`, which gates nothing in a nested struct (its version is on \
                 no wire)"
            ),
            _ => "without a version gate".to_owned(),
        };
        self.error(
            Rule::FieldAdded,
            path,
            format!(
                "field `{}` was added{place} {gate}: {stream} lacks it, so the new release \
                 would read the following bytes into it; {}",
                d.field,
                self.gate_fix(cx)
            ),
        );
    }

    /// A field of the old release that the new one lacks; `at_end`: no field follows it on
    /// the wire.
    fn removed(&mut self, s: &FieldEntry, path: String, at_end: bool) {
        let what = if s.is_padding() {
            format!("padding `unused` ({} bytes)", s.total_size())
        } else {
            format!("field `{}`", s.field)
        };
        let fix = if variable(s) {
            "keep the field: its length varies, so padding cannot stand for it".to_owned()
        } else if s.is_padding() {
            "keep the padding".to_owned()
        } else if let Some(nested) = &s.description {
            // Neither padding type stands for a struct in the native format (its fields, then
            // the end marker of its subsections); `Removed<T>` takes plain values only. On
            // QEMU's wire, bytes of a fixed number do, when this project's schema gives it
            // (a QEMU dump gives the C struct's size) and no subsection varies it.
            let qemu_only = match s.total_size() {
                n if n > 0 && field_extended(s) && nested.subsections.is_empty() => format!(
                    "; on QEMU's wire alone `vmstate_core::Unused<{n}>` would keep the stream \
                     aligned"
                ),
                _ => String::new(),
            };
            format!("keep the field (a nested struct has no padding form in the native format{qemu_only})")
        } else if field_extended(s) {
            format!(
                "a removed field must keep padding: replace it with \
                 `vmstate_core::Removed<{}>`, which both formats skip as that type \
                 (`vmstate_core::Unused<{}>` is for bytes only QEMU's wire carried)",
                rust_name(s),
                s.total_size()
            )
        } else {
            format!(
                "a removed field must keep padding: replace it with `vmstate_core::Unused<{}>`",
                s.total_size()
            )
        };
        self.error(
            Rule::FieldRemoved,
            path,
            format!(
                "{what} was removed: the old release's stream still carries it, so the new \
                 release would {}; {fix}",
                match at_end {
                    true =>
                        "take its bytes for what follows the fields (its subsections) and \
                             refuse the stream",
                    false => "read every later field from the wrong bytes",
                }
            ),
        );
    }

    /// The old release's fields ran out: what remains in the new one must be skipped by the
    /// loader for the old stream's version.
    fn added_at_end(&mut self, cx: &WalkCx<'_>, s: &Side<'_>, d: &Side<'_>) {
        for (f, path, _) in d.rest() {
            if f.version_id > cx.read_limit {
                continue;
            }
            if cx.extended {
                if let Some(o) = s.desc().and_then(|od| find(&od.not_on_wire, &f.field)) {
                    self.kind_joined_wire(cx, o, f, path);
                    continue;
                }
            }
            self.added(cx, f, path, None);
        }
    }

    /// The new release's fields ran out: what remains in the old stream is not read.
    fn removed_at_end(&mut self, cx: &WalkCx<'_>, s: &Side<'_>, d: &Side<'_>) {
        for (f, path, _) in s.rest() {
            if f.version_id > cx.sent_limit {
                continue;
            }
            if cx.extended {
                if let Some(n) = d.desc().and_then(|nd| find(&nd.not_on_wire, &f.field)) {
                    self.kind_left_wire(cx, f, n, path);
                    continue;
                }
            }
            // At the end of a section or subsection; a nested struct's are followed by the
            // enclosing struct's fields.
            self.removed(f, path, cx.scope_kind != Scope::Nested);
        }
    }
}
