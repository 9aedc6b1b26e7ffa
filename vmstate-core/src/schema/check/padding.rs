//! Fields of both releases lined up byte by byte around `unused` padding, on QEMU's wire and
//! in the native format.

use super::fields::{field_extended, native, rust_name, variable, Native};
use super::walk::{Side, Walk, WalkCx};
use super::Checker;
use crate::schema::report::{Rule, Severity};
use crate::schema::FieldEntry;

/// The last entry taken on one side of a padding run.
pub(super) struct Taken {
    padding: bool,
    pub(super) name: String,
    pub(super) end: u64,
    pub(super) path: String,
}

/// Fields of both sides being lined up byte by byte around `unused` padding.
pub(super) struct Run {
    pub(super) old: Taken,
    pub(super) new: Taken,
    /// Bytes of padding taken on each side (for the suggested fix).
    old_padding: u64,
    new_padding: u64,
    /// Every entry taken on each side, for the native-format check.
    old_items: Vec<Item>,
    new_items: Vec<Item>,
    /// The last field taken on each side, when its array length is not known.
    old_stretch: Option<Stretch>,
    new_stretch: Option<Stretch>,
}

/// A field of a QEMU dump that gives its element's size but not how many it sends (dumps
/// before QEMU 8.2 give no array lengths at all): a padding run may line up if it is an array.
pub(super) struct Stretch {
    name: String,
    path: String,
    size: u64,
}

impl Stretch {
    /// `f` as a field that may be an array of any length, when its schema gives no array
    /// lengths (`lengthless`).
    fn of(f: &FieldEntry, path: &str, lengthless: bool) -> Option<Stretch> {
        let unknown = lengthless
            && !field_extended(f)
            && !f.is_padding()
            && f.array_len.is_none()
            && f.description.is_none()
            && f.size > 0;
        unknown.then(|| Stretch {
            name: f.field.clone(),
            path: path.to_owned(),
            size: f.size,
        })
    }
}

/// An entry taken in a padding run.
pub(super) struct Item {
    pub(super) native: Native,
    padding: bool,
    /// Sent only when its test passes (QEMU's `field_exists`).
    conditional: bool,
    pub(super) extended: bool,
    pub(super) name: String,
    pub(super) rust_type: String,
    pub(super) path: String,
}

impl Item {
    fn new(f: &FieldEntry, path: String) -> Item {
        Item {
            native: native(f),
            padding: f.is_padding(),
            conditional: f.field_exists,
            extended: field_extended(f),
            name: f.field.clone(),
            rust_type: if f.is_padding() {
                f.rust_type.clone().unwrap_or_default()
            } else {
                rust_name(f)
            },
            path,
        }
    }
}

impl Checker {
    pub(super) fn run_start(
        &mut self,
        s: &Side<'_>,
        d: &Side<'_>,
        sf: &FieldEntry,
        df: &FieldEntry,
    ) -> Option<Run> {
        for (f, side) in [(sf, s), (df, d)] {
            if variable(f) {
                self.variable_in_run(f, side.path(f));
                return None;
            }
        }
        let taken = |f: &FieldEntry, side: &Side<'_>| Taken {
            padding: f.is_padding(),
            name: f.field.clone(),
            end: f.total_size(),
            path: side.path(f),
        };
        let pad = |f: &FieldEntry| if f.is_padding() { f.total_size() } else { 0 };
        Some(Run {
            old: taken(sf, s),
            new: taken(df, d),
            old_padding: pad(sf),
            new_padding: pad(df),
            old_items: vec![Item::new(sf, s.path(sf))],
            new_items: vec![Item::new(df, d.path(df))],
            old_stretch: Stretch::of(sf, &s.path(sf), self.old_lengthless),
            new_stretch: Stretch::of(df, &d.path(df), self.new_lengthless),
        })
    }

    /// A padding run that lines up on QEMU's wire, in bytes: is it sent alike, and does it
    /// line up in the native format too?
    pub(super) fn run_done(&mut self, r: &Run) {
        if !self.run_conditional(r) && !self.run_native(r) {
            self.run_reads_padding(r);
        }
    }

    /// A run that lines up, in which real fields of the new release face padding of the old:
    /// they load the zeros the old release writes there.
    fn run_reads_padding(&mut self, r: &Run) {
        if r.old_items.iter().all(|i| !i.padding) {
            return;
        }
        let pads: Vec<&str> = (r.old_items.iter())
            .filter(|i| i.padding)
            .map(|i| i.rust_type.as_str())
            .filter(|t| !t.is_empty())
            .collect();
        let padding = if pads.is_empty() {
            "`unused` padding".to_owned()
        } else {
            format!("padding (`{}`)", pads.join("`, `"))
        };
        // A schema without types takes padding by its name: a real field called `unused`
        // (QEMU's pl041 has one) may be the same field.
        let untyped = (r.old_items.iter()).any(|i| i.padding && i.rust_type.is_empty());
        let real = |i: &&Item| !(i.padding || untyped && i.name == "unused");
        for f in r.new_items.iter().filter(real) {
            self.push(
                Severity::Warning,
                Rule::FieldFromPadding,
                f.path.clone(),
                format!(
                    "field `{}` of the new release is read from the old release's {padding}: \
                     a stream of the old release carries zeros there, so `{}` loads as zero \
                     (a bool as false, an enum as its first variant); make sure zero is a \
                     state it may start from: every stream of the old release gives it",
                    f.name, f.name
                ),
            );
        }
    }

    /// Whether a run stands padding, always sent, for a field sent only when its test passes
    /// (or the other way round), which it reports: when the test fails, one release sends
    /// bytes the other does not.
    fn run_conditional(&mut self, r: &Run) -> bool {
        fn stands_for<'i>(a: &'i [Item], b: &[Item]) -> Option<&'i Item> {
            let f = a.iter().find(|i| i.conditional && !i.padding)?;
            // Padding with a test of its own (QEMU's VMSTATE_UNUSED_TEST) may be sent alike.
            b.iter().any(|i| i.padding && !i.conditional).then_some(f)
        }
        let Some(f) = stands_for(&r.old_items, &r.new_items)
            .or_else(|| stands_for(&r.new_items, &r.old_items))
        else {
            return false;
        };
        self.error(
            Rule::PaddingMismatch,
            f.path.clone(),
            format!(
                "`unused` padding stands for field `{}`, which is sent only when its `exists` \
                 test passes: the padding is always sent, so when the test fails the releases \
                 disagree on where the following fields start; keep the field with its test",
                f.name
            ),
        );
        true
    }

    /// A padding run that lines up on QEMU's wire: does it in the native format too? Whether
    /// it reported that it does not.
    fn run_native(&mut self, r: &Run) -> bool {
        let items = || r.old_items.iter().chain(&r.new_items);
        if !items().all(|i| i.extended) || items().any(|i| i.native == Native::Unknown) {
            return false;
        }
        if items().all(|i| i.native == Native::Raw) {
            return false;
        }
        if let ([a], [b]) = (&r.old_items[..], &r.new_items[..]) {
            if a.native == Native::Var && b.native == Native::Var {
                return false;
            }
        }
        // The first real field stood for by padding, and that padding.
        let stood_for = |i: &&Item| !i.padding && matches!(i.native, Native::Var | Native::Struct);
        let real = r
            .old_items
            .iter()
            .find(stood_for)
            .or_else(|| r.new_items.iter().find(stood_for));
        let message = match real {
            Some(f) => {
                let pads: Vec<&str> = items()
                    .filter(|i| i.padding)
                    .map(|i| i.rust_type.as_str())
                    .collect();
                let (encoding, fix) = if f.native == Native::Struct {
                    (
                        "ends a nested struct with the end marker of its subsections",
                        "keep the struct (padding cannot stand for one)".to_owned(),
                    )
                } else if r.old_items.len() + r.new_items.len() == 2 {
                    (
                        "encodes that field as a varint",
                        format!("use `vmstate_core::Removed<{}>` instead", f.rust_type),
                    )
                } else {
                    (
                        "encodes that field as a varint",
                        "use one `vmstate_core::Removed<T>` per removed field, with its type"
                            .to_owned(),
                    )
                };
                format!(
                    "`unused` padding (`{}`) stands for field `{}` (`{}`): QEMU's wire stays \
                     aligned, but this project's native format {encoding}, so native streams \
                     would be misread from here on; {fix}",
                    pads.join("`, `"),
                    f.name,
                    f.rust_type
                )
            }
            None => {
                let types = |v: &[Item]| {
                    v.iter()
                        .map(|i| i.rust_type.as_str())
                        .collect::<Vec<_>>()
                        .join("`, `")
                };
                format!(
                    "padding `{}` of the old release became `{}`: QEMU's wire stays aligned, \
                     but this project's native format encodes them differently, so native \
                     streams would be misread from here on; keep the old padding type",
                    types(&r.old_items),
                    types(&r.new_items)
                )
            }
        };
        let path = real.map_or_else(
            || {
                r.new_items
                    .first()
                    .map(|i| i.path.clone())
                    .unwrap_or_default()
            },
            |f| f.path.clone(),
        );
        self.error(Rule::PaddingMismatch, path, message);
        true
    }

    /// Takes `f`, the next field of the side that is behind in a padding run.
    pub(super) fn run_step(
        &mut self,
        cx: &WalkCx<'_>,
        r: &mut Run,
        s: &mut Side<'_>,
        d: &mut Side<'_>,
        f: &FieldEntry,
    ) -> Walk {
        let old_behind = r.old.end < r.new.end;
        let (side, other_side) = if old_behind { (&*s, &*d) } else { (&*d, &*s) };
        let path = side.path(f);
        // A real field read against padding, while the other release still has a field of
        // that name further on: the padding does not have the size of what it replaces.
        let displaced = !f.is_padding() && other_side.has_from_current(cx.scope, &f.field);
        if variable(f) {
            self.variable_in_run(f, path);
            return Walk::Stopped;
        }
        let other_padding = if old_behind {
            r.new_padding
        } else {
            r.old_padding
        };
        let (start, other_is_padding) = if old_behind {
            (r.old.end, r.new.padding)
        } else {
            (r.new.end, r.old.padding)
        };
        let clash = !f.is_padding() && (!other_is_padding || displaced);
        if clash && other_is_padding && self.run_stretch(r) {
            // `f` starts after the run: the walk goes on from it.
            return Walk::Done;
        }
        let (me, other, my_padding) = if old_behind {
            (&mut r.old, &r.new, &mut r.old_padding)
        } else {
            (&mut r.new, &r.old, &mut r.new_padding)
        };
        if clash {
            // A real field of one release would be read from bytes of the other. Either the
            // padding on this side should have reached the end of `other`, or the other
            // side's padding runs past where this field starts and should have ended there.
            let needed = if other.padding && displaced {
                other_padding.saturating_sub(other.end.saturating_sub(start))
            } else {
                my_padding.saturating_add(other.end.saturating_sub(start))
            };
            let (old_name, new_name) = if old_behind {
                (&f.field, &other.name)
            } else {
                (&other.name, &f.field)
            };
            let at = if old_behind {
                other.path.clone()
            } else {
                path.clone()
            };
            let clash = if other.padding {
                format!(
                    "field `{}` would be read from the other release's `unused` padding while \
                     that release has `{}` further on",
                    f.field, f.field
                )
            } else {
                format!(
                    "field `{new_name}` of the new release would be read from bytes of field \
                     `{old_name}` of the old release"
                )
            };
            let fix = match needed {
                // What the removed fields carried has no fixed size (a subsection): no
                // padding stands for it (`Unused<0>` is refused).
                0 => "keep the removed fields: what they carry varies in size, so no padding \
                      stands for it"
                    .to_owned(),
                _ => format!(
                    "make the padding exactly as large as the removed fields \
                     (`vmstate_core::Unused<{needed}>` here{})",
                    if cx.extended {
                        ", or one `vmstate_core::Removed<T>` per removed field, with its type"
                    } else {
                        ""
                    }
                ),
            };
            self.error(
                Rule::PaddingMismatch,
                at,
                format!(
                    "the `unused` padding does not line up with the fields it replaces: \
                     {clash}; {fix}"
                ),
            );
            return Walk::Stopped;
        }
        let item = Item::new(f, path.clone());
        let lengthless = if old_behind {
            self.old_lengthless
        } else {
            self.new_lengthless
        };
        let stretch = Stretch::of(f, &path, lengthless);
        *me = Taken {
            padding: f.is_padding(),
            name: f.field.clone(),
            end: start.saturating_add(f.total_size()),
            path,
        };
        let (items, last_stretch) = if old_behind {
            (&mut r.old_items, &mut r.old_stretch)
        } else {
            (&mut r.new_items, &mut r.new_stretch)
        };
        items.push(item);
        // Only the last field taken can grow: an earlier one would move those after it
        // onto the other release's fields, unchecked.
        *last_stretch = stretch;
        if f.is_padding() {
            *my_padding = my_padding.saturating_add(f.total_size());
        }
        if old_behind {
            s.bump();
        } else {
            d.bump();
        }
        Walk::Done
    }

    /// Ends a run whose side that is behind lines up with the other's padding if the last
    /// field taken on it, of unknown array length, is an array (its element size dividing
    /// the bytes missing), which it warns of: a dump without lengths cannot tell. Whether it
    /// did.
    pub(super) fn run_stretch(&mut self, r: &mut Run) -> bool {
        let old_behind = r.old.end < r.new.end;
        let (me, other, stretch) = if old_behind {
            (&mut r.old, &r.new, &r.old_stretch)
        } else {
            (&mut r.new, &r.old, &r.new_stretch)
        };
        let missing = other.end.saturating_sub(me.end);
        let Some(stretch) = stretch.as_ref().filter(|s| missing % s.size == 0) else {
            return false;
        };
        if !other.padding || missing == 0 {
            return false;
        }
        let count = 1 + missing / stretch.size;
        me.end = other.end;
        let message = format!(
            "the `unused` padding lines up with the fields it replaces only if field `{}` is \
             an array of {count} elements of {} byte{}: QEMU's description gives the size of \
             its elements but not how many it sends; compare the count with QEMU's source",
            stretch.name,
            stretch.size,
            if stretch.size == 1 { "" } else { "s" },
        );
        let path = stretch.path.clone();
        self.push(Severity::Warning, Rule::PaddingMismatch, path, message);
        true
    }

    /// One side ran out of fields in the middle of a padding run.
    pub(super) fn run_left_over(&mut self, r: &Run) {
        let (longer, what) = if r.new.end > r.old.end {
            (
                &r.new,
                format!(
                    "the new release reads {} bytes more than the old release sends",
                    r.new.end - r.old.end
                ),
            )
        } else {
            (
                &r.old,
                format!(
                    "the old release sends {} bytes that the new release does not read",
                    r.old.end - r.new.end
                ),
            )
        };
        self.error(
            Rule::PaddingMismatch,
            longer.path.clone(),
            format!(
                "the `unused` padding does not line up with the fields it replaces: at the end \
                 of the fields (near `{}`) {what}; make the padding exactly as large as the \
                 removed fields",
                longer.name
            ),
        );
    }

    fn variable_in_run(&mut self, f: &FieldEntry, path: String) {
        self.error(
            Rule::PaddingMismatch,
            path,
            format!(
                "field `{}` varies in length, so `unused` padding cannot stand for it or next \
                 to it: the releases would disagree on where the following fields start; keep \
                 the field",
                f.field
            ),
        );
    }
}
