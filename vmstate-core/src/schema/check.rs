//! The compatibility checker: what QEMU's `scripts/vmstate-static-checker.py` flags, plus what
//! only this project's schemas can show.
//!
//! [`check`] compares the schema of an older release (`old`, the migration source) with the
//! schema of a newer one (`new`, the destination) and lists every way in which a stream saved by
//! `old` would not load correctly into `new`. For migration back from the newer release to the
//! older one, swap the arguments.
//!
//! # Rules taken from QEMU's checker
//!
//! | rule | severity |
//! |---|---|
//! | [`Rule::SectionRemoved`]: a device of `old` is missing in `new` | error |
//! | [`Rule::VersionTooHigh`]: `old`'s version is above `new`'s (section, description, subsection) | error |
//! | [`Rule::BelowMinimumVersion`]: `old`'s version is below `new`'s minimum | error |
//! | the same two for a nested struct, whose version is not on the wire (QEMU's checker: errors) | warning |
//! | [`Rule::DescriptionRenamed`]: a description (or nested struct's description) renamed | error |
//! | [`Rule::FieldRenamed`]: a field renamed, or the fields reordered | error |
//! | [`Rule::FieldRemoved`]: a field missing in `new`, without padding in its place | error |
//! | [`Rule::PaddingMismatch`]: `unused` padding that does not line up with what it replaces | error |
//! | [`Rule::FieldSizeChanged`]: a field's size (or array length) changed | error |
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
//! is read from padding while the other release still has that field further on. QEMU's
//! whitelists of renamed fields and sections are honoured.
//!
//! Where QEMU's checker is silent or lenient this one is stricter, because the breakage is real:
//! a field that `new` reads but an `old` stream lacks ([`Rule::FieldAdded`]) is an error unless
//! its `version_id` (`since`) is above the version of `old`'s stream (then the loader skips it,
//! wherever it sits); a field that `new` only reads from a version above `old`'s stream while
//! `old` sends it is an error; trailing padding that is left over is an error.
//!
//! # Rules that need this project's extra keys
//!
//! These use `kind`, `type`, `max_len`, `validate`, `variants`, `hook`, `hooks` and
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
//! | [`Rule::HookRemoved`]: a derived field that `old` recomputed has no recomputing hook in `new` | error |
//! | [`Rule::HookRemoved`]: a derived field that `new` sends with `since`, its function gone (an older stream leaves it as it was, unless a `default` sets it) | warning |
//! | [`Rule::PaddingMismatch`]: padding that lines up on QEMU's wire but not in the native format | error |
//! | [`Rule::FieldsRestructured`]: fields regrouped, or moved into or out of a nested struct, so that QEMU's wire lines up but the native format does not | error |
//! | [`Rule::FieldsRestructured`]: an immutable field moved among the migrated ones (the native format interleaves them in field order) | error |
//! | [`Rule::CheckAdded`]: a field's `validate`/`range` or a struct's `validate` is new or different, or an integer field became an enum (old streams may hold values it refuses; checks cannot be run here) | warning |
//! | [`Rule::VariantRemoved`]: an enum field lost the discriminant of a variant of the old release | error |
//!
//! A signedness-only change is a warning where the bits load unchanged (bytes, and arrays and
//! vectors, which both formats carry as fixed-width blocks): every value that fits both types
//! keeps its meaning, so it is often deliberate; a wider scalar is a native varint, zigzag
//! when signed, so there it is an error; int ↔ float and bool ↔ int are
//! errors because the same bits then mean a different value or are refused. A kind change is
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
//! `NotOnWire`). A nested struct is sent at its sender's version and read at its reader's, so
//! QEMU's "a stream of a version in between" rule does not apply inside one. A `String` loads
//! as a `Vec<u8>` of the same bound (not back: UTF-8 is checked). An immutable field's type
//! change is judged as a migrated field's is (so an error unless only a byte's signedness
//! changed), except that widening an integer varint is fine (it reads the narrower one's
//! values alike); an immutable nested struct's fields are compared as a nested struct's on
//! QEMU's wire are.
//!
//! Not checked: what a field's `exists` test returns for an older stream (it cannot be run
//! here): a field added behind one, or an existing field that gains or loses one, is a
//! warning saying what the test must return.
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

use super::report::{Finding, Report, Rule, Severity};
use super::{Desc, DeviceEntry, Discriminant, FieldEntry, Schema};
use std::collections::{BTreeSet, HashMap};

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
    let mut cx = Checker::default();
    if let (Some(a), Some(b)) = (&old.machine, &new.machine) {
        if a != b {
            cx.push(
                Severity::Warning,
                Rule::MachineChanged,
                super::MACHINE_KEY.to_owned(),
                format!(
                    "the machine type changed from `{a}` to `{b}`: migration is only supported \
                     between the same machine type; compare dumps made with the same `-M` machine"
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
    Report {
        findings: cx.findings,
    }
}

/// QEMU's section renames (`get_changed_sec_name`), looked up both ways.
fn renamed_section(key: &str) -> Option<&'static str> {
    const RENAMES: [(&str, &str); 2] = [("ICH9 LPC", "ICH9-LPC"), ("e1000-82540em", "e1000")];
    RENAMES.iter().find_map(|&(a, b)| {
        if key == a {
            Some(b)
        } else if key == b {
            Some(a)
        } else {
            None
        }
    })
}

/// QEMU's whitelist of renamed fields and descriptions (`check_fields_match`): within the list
/// of a description (or section), any two names match each other.
const CHANGED_NAMES: &[(&str, &[&str])] = &[
    ("apic", &["timer", "timer_expiry"]),
    ("e1000", &["dev", "parent_obj"]),
    ("ehci", &["dev", "pcidev"]),
    ("I440FX", &["dev", "parent_obj"]),
    ("ich9_ahci", &["card", "parent_obj"]),
    ("ich9-ahci", &["ahci", "ich9_ahci"]),
    ("ioh3420", &["PCIDevice", "PCIEDevice"]),
    (
        "ioh-3240-express-root-port",
        &[
            "port.br.dev",
            "parent_obj.parent_obj.parent_obj",
            "port.br.dev.exp.aer_log",
            "parent_obj.parent_obj.parent_obj.exp.aer_log",
        ],
    ),
    (
        "cirrus_vga",
        &[
            "hw_cursor_x",
            "vga.hw_cursor_x",
            "hw_cursor_y",
            "vga.hw_cursor_y",
        ],
    ),
    ("lsiscsi", &["dev", "parent_obj"]),
    ("mch", &["d", "parent_obj"]),
    (
        "pci_bridge",
        &["bridge.dev", "parent_obj", "bridge.dev.shpc", "shpc"],
    ),
    ("pcnet", &["pci_dev", "parent_obj"]),
    ("PIIX3", &["pci_irq_levels", "pci_irq_levels_vmstate"]),
    (
        "piix4_pm",
        &[
            "dev",
            "parent_obj",
            "pci0_status",
            "acpi_pci_hotplug.acpi_pcihp_pci_status[0x0]",
            "pm1a.sts",
            "ar.pm1.evt.sts",
            "pm1a.en",
            "ar.pm1.evt.en",
            "pm1_cnt.cnt",
            "ar.pm1.cnt.cnt",
            "tmr.timer",
            "ar.tmr.timer",
            "tmr.overflow_time",
            "ar.tmr.overflow_time",
            "gpe",
            "ar.gpe",
        ],
    ),
    ("rtl8139", &["dev", "parent_obj"]),
    ("qxl", &["num_surfaces", "ssd.num_surfaces"]),
    (
        "usb-ccid",
        &["abProtocolDataStructure", "abProtocolDataStructure.data"],
    ),
    ("usb-host", &["dev", "parent_obj"]),
    ("usb-mouse", &["usb-ptr-queue", "HIDPointerEventQueue"]),
    ("usb-tablet", &["usb-ptr-queue", "HIDPointerEventQueue"]),
    ("vmware_vga", &["card", "parent_obj"]),
    ("vmware_vga_internal", &["depth", "new_depth"]),
    ("xhci", &["pci_dev", "parent_obj"]),
    ("x3130-upstream", &["PCIDevice", "PCIEDevice"]),
    (
        "xio3130-express-downstream-port",
        &[
            "port.br.dev",
            "parent_obj.parent_obj.parent_obj",
            "port.br.dev.exp.aer_log",
            "parent_obj.parent_obj.parent_obj.exp.aer_log",
        ],
    ),
    ("xio3130-downstream", &["PCIDevice", "PCIEDevice"]),
    (
        "xio3130-express-upstream-port",
        &[
            "br.dev",
            "parent_obj.parent_obj",
            "br.dev.exp.aer_log",
            "parent_obj.parent_obj.exp.aer_log",
        ],
    ),
    (
        "spapr_pci",
        &[
            "dma_liobn[0]",
            "mig_liobn",
            "mem_win_addr",
            "mig_mem_win_addr",
            "mem_win_size",
            "mig_mem_win_size",
            "io_win_addr",
            "mig_io_win_addr",
            "io_win_size",
            "mig_io_win_size",
        ],
    ),
    ("hpet", &["num_timers", "num_timers_save"]),
];

/// The last position of each field name in `fields`.
fn positions(fields: &[FieldEntry]) -> HashMap<&str, Vec<usize>> {
    let mut at: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in fields.iter().enumerate() {
        at.entry(f.field.as_str()).or_default().push(i);
    }
    at
}

/// QEMU's `check_fields_match`: equal, or both in the whitelist of `scope`.
fn names_match(scope: &str, a: &str, b: &str) -> bool {
    matching_names(scope, a).any(|n| n == b)
}

/// The names [`names_match`] pairs with `name` in `scope`: itself, then its aliases in
/// QEMU's whitelist.
fn matching_names<'n>(scope: &'n str, name: &'n str) -> impl Iterator<Item = &'n str> {
    let aliases = CHANGED_NAMES
        .iter()
        .filter(move |(s, names)| *s == scope && names.contains(&name))
        .flat_map(|(_, names)| names.iter().copied());
    std::iter::once(name).chain(aliases)
}

/// QEMU's `exists_in_substruct`: `item` is a nested struct whose first field matches `name`.
fn exists_in_substruct(item: &FieldEntry, name: &str) -> bool {
    match &item.description {
        Some(d) => d
            .fields
            .first()
            .is_some_and(|first| names_match(&d.name, &first.field, name)),
        None => false,
    }
}

/// Whether a description carries this project's extra keys (QEMU's dumps do not).
fn extended(d: &Desc) -> bool {
    d.rust_type.is_some()
}

/// Whether the native format carries this `NotOnWire` entry: an immutable field, or a
/// nested struct with nothing on QEMU's wire (its end marker), unless it has no elements.
fn native_only(f: &FieldEntry) -> bool {
    let carried = match f.kind() {
        "immutable" => true,
        "migrated" => f.description.is_some(),
        _ => false,
    };
    field_extended(f) && carried && !f.is_padding() && f.array_len != Some(0)
}

/// A field's wire type with its array length: `uint16`, `uint16[4]`.
fn shown_type(f: &FieldEntry) -> String {
    let t = f.wire_type.as_deref().unwrap_or("?");
    match f.array_len {
        Some(n) => format!("{t}[{n}]"),
        None => t.to_owned(),
    }
}

/// A description's field of that name, on QEMU's wire or not.
fn find_field<'a>(d: &'a Desc, name: &str) -> Option<&'a FieldEntry> {
    d.fields
        .iter()
        .chain(&d.not_on_wire)
        .find(|f| f.field == name)
}

/// Whether a field carries this project's extra keys.
fn field_extended(f: &FieldEntry) -> bool {
    f.kind.is_some()
}

/// Whether the length of a field varies (`Vec`, `String`): padding cannot stand for it.
fn variable(f: &FieldEntry) -> bool {
    f.wire_type
        .as_deref()
        .is_some_and(|t| t == "string" || t.starts_with("varray"))
}

/// Bytes a field takes, saturating on absurd input.
fn total(f: &FieldEntry) -> u64 {
    f.size.saturating_mul(f.array_len.unwrap_or(1))
}

/// Whether this project's native format carries a field of `kind` (QEMU's wire carries
/// `migrated` fields only).
fn native_carries(kind: &str) -> bool {
    kind == "migrated" || kind == "immutable"
}

/// Whether a nested description has fields that its owner must recompute.
fn needs_owner(d: &Desc) -> bool {
    d.fields
        .iter()
        .chain(&d.not_on_wire)
        .any(|f| f.kind() == "derived_by_owner")
}

/// A field's type, as far as the checker tells types apart.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TypeClass<'a> {
    Bool,
    Unsigned(&'a str),
    Signed(&'a str),
    Float,
    Other,
}

fn classify(t: &str) -> TypeClass<'_> {
    if t == "bool" {
        TypeClass::Bool
    } else if let Some(bits) = t.strip_prefix("uint") {
        TypeClass::Unsigned(bits)
    } else if let Some(bits) = t.strip_prefix("int") {
        TypeClass::Signed(bits)
    } else if t.starts_with("float") {
        TypeClass::Float
    } else {
        TypeClass::Other
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

#[derive(Default)]
struct Checker {
    findings: Vec<Finding>,
}

/// One level of a field walk: the fields of a description, or of a nested struct entered
/// because a field moved into it.
struct Level<'a> {
    fields: &'a [FieldEntry],
    /// The positions of each field name, ascending, so a look-ahead by name is a lookup (a
    /// walk of renamed fields was quadratic). QEMU's own descriptions repeat names (PCI's
    /// `config`, pl080's `tc_int`).
    positions: HashMap<&'a str, Vec<usize>>,
    next: usize,
    /// `dev/Fields` or `dev/Fields/flash/Fields`.
    prefix: String,
    desc: &'a Desc,
}

/// One side of a field walk.
struct Side<'a> {
    levels: Vec<Level<'a>>,
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

    fn bump(&mut self) {
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

    fn path(&self, f: &FieldEntry) -> String {
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
    fn has_from_current(&self, scope: &str, name: &str) -> bool {
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

/// The last entry taken on one side of a padding run.
struct Taken {
    padding: bool,
    name: String,
    end: u64,
    path: String,
}

/// Fields of both sides being lined up byte by byte around `unused` padding.
struct Run {
    old: Taken,
    new: Taken,
    /// Bytes of padding taken on each side (for the suggested fix).
    old_padding: u64,
    new_padding: u64,
    /// Every entry taken on each side, for the native-format check.
    old_items: Vec<Item>,
    new_items: Vec<Item>,
}

/// An entry taken in a padding run.
struct Item {
    native: Native,
    padding: bool,
    /// Sent only when its test passes (QEMU's `field_exists`).
    conditional: bool,
    extended: bool,
    name: String,
    rust_type: String,
    path: String,
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

/// The Rust type to name in a fix: the primitive behind QEMU's wire type (`uint32`: `u32`,
/// arrays too), else the type as written.
fn rust_name(f: &FieldEntry) -> String {
    let prim = match f.wire_type.as_deref().map(classify) {
        Some(TypeClass::Unsigned(bits)) => Some(format!("u{bits}")),
        Some(TypeClass::Signed(bits)) => Some(format!("i{bits}")),
        Some(TypeClass::Float) => f.wire_type.as_deref().map(|t| t.replace("float", "f")),
        Some(TypeClass::Bool) => Some("bool".to_owned()),
        _ => None,
    };
    match (prim, f.array_len) {
        (Some(p), Some(n)) => format!("[{p}; {n}]"),
        (Some(p), None) => p,
        (None, _) => f.rust_type.clone().unwrap_or_else(|| "T".to_owned()),
    }
}

/// How this project's native format encodes a field, as far as padding is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Native {
    /// Fixed-width bytes: `u8`, `i8`, `bool`, floats, arrays of scalars (blocks), `Unused<N>`.
    Raw,
    /// Varints: other integers, lengths of `Vec`/`String`.
    Var,
    /// A nested struct: its fields, then the end marker of its subsections (which QEMU's
    /// wire does not have), so no padding stands for it.
    Struct,
    /// A custom encoding or a type the checker cannot read: not checked.
    Unknown,
}

/// The native encoding of a Rust primitive (or array) type as written, e.g. `u32`, `[u8; 4]`.
fn native_of_rust(t: &str) -> Native {
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.rsplit("::").next().unwrap_or(&t);
    match t {
        "u8" | "i8" | "bool" | "f32" | "f64" => Native::Raw,
        "u16" | "u32" | "u64" | "u128" | "usize" | "i16" | "i32" | "i64" | "i128" | "isize" => {
            Native::Var
        }
        _ if t.starts_with('[') => Native::Raw,
        _ => Native::Unknown,
    }
}

/// The native encoding of a field.
fn native(f: &FieldEntry) -> Native {
    if f.is_padding() {
        if let Some(inner) = f
            .wire_type
            .as_deref()
            .and_then(|t| t.strip_prefix("removed:"))
        {
            return match classify(inner) {
                _ if inner.ends_with(']') => Native::Raw,
                TypeClass::Bool | TypeClass::Float => Native::Raw,
                TypeClass::Unsigned("8") | TypeClass::Signed("8") => Native::Raw,
                TypeClass::Unsigned(_) | TypeClass::Signed(_) => Native::Var,
                TypeClass::Other => Native::Unknown,
            };
        }
        return match f.rust_type.as_deref() {
            // `Removed<T>` writes and skips a `T`; `Unused<N>` raw bytes.
            Some(t) => match t.find("Removed<") {
                Some(i) => {
                    let inner = &t[i + "Removed<".len()..];
                    native_of_rust(inner.strip_suffix('>').unwrap_or(inner))
                }
                None => Native::Raw,
            },
            None => Native::Raw,
        };
    }
    if f.description.is_some() {
        return Native::Struct;
    }
    let Some(t) = f.wire_type.as_deref() else {
        return Native::Unknown;
    };
    let fixed = matches!(t, "uint8" | "int8" | "bool" | "float32" | "float64");
    match classify(t) {
        TypeClass::Bool | TypeClass::Float => Native::Raw,
        TypeClass::Unsigned(_) | TypeClass::Signed(_) if fixed || f.array_len.is_some() => {
            Native::Raw
        }
        TypeClass::Unsigned(_) | TypeClass::Signed(_) => Native::Var,
        TypeClass::Other if t == "string" || t.starts_with("varray") => Native::Var,
        TypeClass::Other => Native::Unknown,
    }
}

/// How a field walk ended.
enum Walk {
    Done,
    Stopped,
}

/// Fields of both releases that carry the same values: see [`restructured`].
struct Span {
    /// Fields taken on each side.
    old: usize,
    new: usize,
    /// Values and bytes they carry on QEMU's wire.
    leaves: usize,
    bytes: u64,
    /// Whether they line up in the native format too (`None`: a QEMU dump, which tells
    /// QEMU's wire only).
    native: Option<bool>,
}

/// The most values a restructured span is lined up over (schemas are input: an array length
/// may be absurd).
const MAX_LEAVES: usize = 4096;

/// One value on a wire, for lining up restructured fields.
#[derive(Debug, PartialEq, Eq)]
struct Leaf {
    /// The words of its name, sorted: `tx_fifo[0]` and `fifo[0].tx` both give `0 fifo tx`.
    words: Vec<String>,
    /// Bytes on QEMU's wire.
    size: u64,
    /// The wire type, when the schema has it.
    wire_type: Option<String>,
}

/// Which wire [`leaves`] lists values for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wire {
    /// QEMU's: arrays element by element, nothing between structs; types compared when both
    /// schemas have them.
    Qemu { typed: bool },
    /// This project's native format: an array of primitives is one block and every struct
    /// ends with its subsections' end marker.
    Native,
}

/// The words of a name, each index bound to the word before it, sorted: `tx_fifo[0]`,
/// `fifo[0].tx` and `tx_fifo_0` all give `fifo#0 tx`, while `ch[1].reg[2]` and
/// `reg[1].ch[2]` stay apart.
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        match words.last_mut() {
            Some(last) if w.bytes().all(|b| b.is_ascii_digit()) => {
                last.push('#');
                last.push_str(w);
            }
            _ => words.push(w.to_ascii_lowercase()),
        }
    }
    words.sort();
    words
}

/// Field entries and struct elements [`restructured`] visits at most per mismatch (schemas
/// are input: nested arrays of empty structs would otherwise multiply).
const MAX_VISITS: usize = 16 * MAX_LEAVES;

/// Appends the values `f` puts on `wire`, named under `prefix`; false when the schema does
/// not tell them (padding, a variable length, a test function, a nested struct with
/// subsections or, in the native format, immutable fields), or when there are too many or
/// `budget` (visits left) runs out.
fn leaves(
    f: &FieldEntry,
    prefix: &str,
    wire: Wire,
    budget: &mut usize,
    out: &mut Vec<Leaf>,
) -> bool {
    let Some(left) = budget.checked_sub(1) else {
        return false;
    };
    *budget = left;
    if f.field_exists || f.is_padding() || variable(f) {
        return false;
    }
    let name = format!("{prefix}{}", f.field);
    let count = f.array_len.unwrap_or(1);
    if count > MAX_LEAVES as u64 {
        return false;
    }
    let leaf = |name: &str, size: u64, wire_type: Option<String>| Leaf {
        words: words(name),
        size,
        wire_type: wire_type.filter(|_| wire != Wire::Qemu { typed: false }),
    };
    match &f.description {
        Some(nested) => {
            let native_extra = nested.not_on_wire.iter().any(|n| native_carries(n.kind()));
            if !nested.subsections.is_empty() || (wire == Wire::Native && native_extra) {
                return false;
            }
            for i in 0..count {
                let Some(left) = budget.checked_sub(1) else {
                    return false;
                };
                *budget = left;
                let prefix = match f.array_len {
                    Some(_) => format!("{name}[{i}]."),
                    None => format!("{name}."),
                };
                for inner in &nested.fields {
                    let gated = inner.version_id > nested.version_id;
                    if gated || !leaves(inner, &prefix, wire, budget, out) || out.len() > MAX_LEAVES
                    {
                        return false;
                    }
                }
                if wire == Wire::Native {
                    out.push(leaf("", 1, Some("end of subsections".to_owned())));
                }
            }
        }
        None => match (wire, f.array_len) {
            (Wire::Native, Some(n)) => {
                let block = f.wire_type.as_ref().map(|t| format!("{t}[{n}]"));
                out.push(leaf(&name, total(f), block));
            }
            (Wire::Qemu { .. }, Some(n)) => out
                .extend((0..n).map(|i| leaf(&format!("{name}[{i}]"), f.size, f.wire_type.clone()))),
            (_, None) => out.push(leaf(&name, f.size, f.wire_type.clone())),
        },
    }
    out.len() <= MAX_LEAVES
}

/// Fields from the current ones on that were regrouped without changing QEMU's wire: the
/// same values, of the same sizes (and types, when both schemas have them), in the same order
/// and with the same words in their names (indexes bound to their words), e.g. QEMU's 16
/// `uint16` fields `tx_fifo[0]`, `rx_fifo[0]`, ... `rx_fifo[7]` and a `fifo: [Slot; 8]` whose
/// `Slot` has `tx` and `rx`; all of them sent from the same version on. A single field on
/// each side is a rename, not a regrouping. Between two of this project's schemas, also
/// whether the native format lines up.
fn restructured(cx: &WalkCx<'_>, s: &Side<'_>, d: &Side<'_>) -> Option<Span> {
    let (old, new) = (s.levels.last()?, d.levels.last()?);
    let (mut i, mut j) = (old.next, new.next);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let wire = Wire::Qemu { typed: cx.extended };
    let since = old.fields.get(i)?.version_id;
    let mut budget = MAX_VISITS;
    let mut compared = 0;
    loop {
        let (f, limit, out, next) = if a.len() <= b.len() {
            (old.fields.get(i)?, cx.sent_limit, &mut a, &mut i)
        } else {
            (new.fields.get(j)?, cx.read_limit, &mut b, &mut j)
        };
        let same_version = f.version_id == since && f.version_id <= limit;
        if !same_version || !leaves(f, "", wire, &mut budget, out) {
            return None;
        }
        *next += 1;
        let common = a.len().min(b.len());
        if a[compared..common] != b[compared..common] {
            return None;
        }
        compared = common;
        if a.len() == b.len() && !a.is_empty() {
            break;
        }
    }
    let (old_n, new_n) = (i - old.next, j - new.next);
    if old_n == 1 && new_n == 1 {
        return None;
    }
    let native = cx.extended.then(|| {
        let mut budget = MAX_VISITS;
        let mut native_leaves = |level: &Level<'_>, n: usize| {
            let mut out = Vec::new();
            let fields = &level.fields[level.next..level.next + n];
            let all = fields
                .iter()
                .all(|f| leaves(f, "", Wire::Native, &mut budget, &mut out));
            all.then_some(out)
        };
        let (na, nb) = (native_leaves(old, old_n), native_leaves(new, new_n));
        na.is_some() && na == nb && !immutable_inside(old, old_n) && !immutable_inside(new, new_n)
    });
    Some(Span {
        old: old_n,
        new: new_n,
        leaves: a.len(),
        bytes: a.iter().fold(0u64, |sum, l| sum.saturating_add(l.size)),
        native,
    })
}

/// Whether the native format carries an immutable field between the `n` fields from
/// `level`'s current one (it interleaves them in declaration order).
fn immutable_inside(level: &Level<'_>, n: usize) -> bool {
    let fields = &level.fields[level.next..level.next + n];
    let (Some(lo), Some(hi)) = (fields[0].pos, fields[n - 1].pos) else {
        // Without positions the order of immutable fields is unknown: assume the worst.
        return level
            .desc
            .not_on_wire
            .iter()
            .any(|f| native_carries(f.kind()));
    };
    level
        .desc
        .not_on_wire
        .iter()
        .any(|f| native_carries(f.kind()) && f.pos.is_some_and(|p| p > lo && p < hi))
}

/// The fields of a span, for a message: `a`, `a`, `b`, or `a` to `z` (26 fields); a nested
/// struct with its description's name, `fifo` (8 × `slot`).
fn span_names(fields: &[FieldEntry]) -> String {
    let name = |f: &FieldEntry| match (&f.description, f.array_len) {
        (Some(d), Some(n)) => format!("`{}` ({n} × `{}`)", f.field, d.name),
        (Some(d), None) => format!("`{}` (`{}`)", f.field, d.name),
        (None, _) => format!("`{}`", f.field),
    };
    match fields {
        [first, .., last] if fields.len() > 3 => {
            format!(
                "{} to {} ({} fields)",
                name(first),
                name(last),
                fields.len()
            )
        }
        _ => fields.iter().map(name).collect::<Vec<_>>().join(", "),
    }
}

/// What a walk needs to know about the description pair.
struct WalkCx<'a> {
    sec: &'a str,
    /// QEMU's scope for field renames: the older description's name.
    scope: &'a str,
    /// The version of the older release's stream for these fields; `None` for a nested struct.
    stream: Option<u32>,
    /// The older release sends a field when its `version_id` is at most this (its version).
    sent_limit: u32,
    /// The newer release reads a field when its `version_id` is at most this: the stream's
    /// version for a section or subsection, its own version for a nested struct.
    read_limit: u32,
    /// The newer release's version of the description (for the suggested `since`).
    new_version: u32,
    scope_kind: Scope,
    extended: bool,
}

impl Checker {
    fn push(&mut self, severity: Severity, rule: Rule, path: String, message: String) {
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
            let why = match scope {
                Scope::Nested => {
                    "QEMU's checker rejects it, and the name is how tools match the struct \
                     across releases"
                }
                _ => {
                    "the name is on the wire, so the new release does not recognize the old \
                     release's section and the load fails"
                }
            };
            self.error(
                Rule::DescriptionRenamed,
                path,
                format!(
                    "description `{}` was renamed to `{}`: {why}; keep the name `{}` \
                     (`#[vmstate(name = \"{}\")]`)",
                    old.name, new.name, old.name, old.name
                ),
            );
            return;
        }
        let ext = extended(old) && extended(new);
        let cx = WalkCx {
            sec,
            scope: &old.name,
            stream,
            sent_limit: old.version_id,
            read_limit: stream.unwrap_or(new.version_id),
            new_version: new.version_id,
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
        for o in &old.subsections {
            let sub_path = format!("{path}/Subsections/{}", o.name);
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
        if ext {
            self.extras(sec, &path, old, new, stream);
        }
    }

    /// The checks of the fields that are not on QEMU's wire, and of the hooks.
    fn extras(&mut self, sec: &str, path: &str, old: &Desc, new: &Desc, stream: Option<u32>) {
        self.native_only_fields(path, old, new, stream.unwrap_or(new.version_id));
        self.native_order(path, old, new);
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
        for o in old.not_on_wire.iter().filter(in_old_stream) {
            let p = format!("{path}/NotOnWire/{}", o.field);
            match find_field(new, &o.field) {
                None => self.error(
                    Rule::FieldRemoved,
                    p,
                    format!(
                        "{} was removed: native streams of the old release carry it, so they \
                         would be misread from there on; keep the field",
                        what(o)
                    ),
                ),
                Some(n) if native_carries(n.kind()) && n.version_id > read_limit => self.error(
                    Rule::FieldVersionChanged,
                    p,
                    format!(
                        "{} is read only from version {} on in the new release, but native \
                         streams of the old release carry it: the new release would skip its \
                         bytes and read every later field from the wrong place; keep reading \
                         it in every version the old release sends",
                        what(o),
                        n.version_id
                    ),
                ),
                _ => {}
            }
        }
        for n in new.not_on_wire.iter().filter(|f| native_only(f)) {
            if find_field(old, &n.field).is_none() && n.version_id <= read_limit {
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
    fn native_order(&mut self, path: &str, old: &Desc, new: &Desc) {
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
    fn checks(&mut self, path: &str, o: &FieldEntry, n: &FieldEntry) {
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

    fn max_len(&mut self, path: &str, o: &FieldEntry, n: &FieldEntry) {
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

    /// QEMU's `check_fields`: walks the wire fields of both descriptions in step.
    fn walk(&mut self, cx: &WalkCx<'_>, old: &Desc, new: &Desc, path: &str) {
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
            // Fields gated by a version above the stream's are neither sent nor read (unless
            // the other release has a field of that name here: see `pair`).
            if !names_match(cx.scope, &sf.field, &df.field) {
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
            if !both_padding && names_match(cx.scope, &sf.field, &df.field) {
                let dp = d.path(df);
                s.bump();
                d.bump();
                self.pair(cx, sf, df, &dp);
                continue;
            }
            if !both_padding {
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
                self.removed(sf, p);
                s.bump();
                continue;
            }
            if sf.is_padding() || df.is_padding() {
                let Some(r) = self.run_start(&s, &d, sf, df) else {
                    return;
                };
                s.bump();
                d.bump();
                if r.old.end == r.new.end {
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
            if let Some(span) = restructured(cx, s, d) {
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
                self.removed(sf, p);
                s.bump();
                Walk::Done
            }
            (false, false) => {
                let keep = if variable(sf) {
                    "keep the old field".to_owned()
                } else {
                    format!(
                        "keep the old field (or `vmstate_core::Unused<{}>` padding in its place)",
                        total(sf)
                    )
                };
                self.error(
                    Rule::FieldRenamed,
                    s.path(sf),
                    format!(
                        "field `{}` was renamed to `{}`: QEMU's checker rejects the rename and \
                         a stream of the old release would be read into a field of another \
                         meaning; keep the name `{}`, or if this is a new field, {keep} and add \
                         `{}` with `since` and a version bump, or in a subsection",
                        sf.field, df.field, sf.field, df.field
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

    /// Fields that hold the same values on QEMU's wire under another grouping: a warning,
    /// or an error when the native format does not line up.
    fn restructured(&mut self, s: &Side<'_>, d: &Side<'_>, span: &Span) {
        let (Some(old), Some(new)) = (s.levels.last(), d.levels.last()) else {
            return;
        };
        let old_fields = &old.fields[old.next..old.next + span.old];
        let new_fields = &new.fields[new.next..new.next + span.new];
        let what = format!(
            "{} became {}",
            span_names(old_fields),
            span_names(new_fields)
        );
        let values = format!(
            "the same {} values ({} bytes) in the same order, and their names have the same words",
            span.leaves, span.bytes
        );
        let path = s.path(&old_fields[0]);
        if span.native == Some(false) {
            self.error(
                Rule::FieldsRestructured,
                path,
                format!(
                    "{what}: QEMU's wire carries {values}, but this project's native format \
                     does not line up (an array of primitives is one block there, and every \
                     struct ends with a marker), so native streams would be misread; keep the \
                     old grouping"
                ),
            );
            return;
        }
        self.push(
            Severity::Warning,
            Rule::FieldsRestructured,
            path,
            format!(
                "{what}: the stream carries {values}, so the streams line up; QEMU's checker \
                 reports a rename here (add the names to its `changed_names` to run it)"
            ),
        );
    }

    /// A pair of wire fields with the same name.
    fn pair(&mut self, cx: &WalkCx<'_>, s: &FieldEntry, d: &FieldEntry, dp: &str) {
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
                     release would read every later field from the wrong place",
                    d.field
                ),
            );
        }
        if s.field_exists && !d.field_exists && sent && read {
            self.push(
                Severity::Warning,
                Rule::FieldVersionChanged,
                dp.to_owned(),
                format!(
                    "field `{}` was sent behind an `exists` test in the old release and is \
                     always read in the new: a stream of the old release whose test failed \
                     lacks it, and the new release would read every later field from the wrong \
                     place; keep a test that is true whenever the old one was",
                    d.field
                ),
            );
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
        } else if s.version_id > d.version_id && cx.scope_kind != Scope::Nested {
            // (A nested struct is sent at its sender's version and read at its reader's:
            // there is no stream of a version in between.)
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
            if total(s) != total(d) {
                self.error(
                    Rule::FieldSizeChanged,
                    dp.to_owned(),
                    format!(
                        "field `{}` changed size from {} to {} bytes: the new release would \
                         read the old release's stream misaligned from here on; keep the old \
                         type",
                        d.field,
                        total(s),
                        total(d)
                    ),
                );
            }
            return;
        }
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
            if s.size != d.size || lens_differ {
                size_ok = false;
                let show = |f: &FieldEntry, len: Option<u64>| match len {
                    Some(n) if n != 1 || lens_differ => match f.size.checked_mul(n) {
                        Some(total) => format!("{n} × {} = {total}", f.size),
                        None => format!("{n} × {} (more than 2^64)", f.size),
                    },
                    _ => f.size.to_string(),
                };
                let (a, b) = match lens {
                    Some((a, b)) => (show(s, Some(a)), show(d, Some(b))),
                    None => (show(s, None), show(d, None)),
                };
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
        if let Some(od) = &s.description {
            match &d.description {
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
        }
    }

    /// An immutable field whose type changed: the native format carries its value.
    fn immutable_type(&mut self, o: &FieldEntry, n: &FieldEntry, path: &str) {
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
        // A varint reads any narrower unsigned (or signed) varint's value alike.
        let widened = match (classify(&a), classify(&b)) {
            (TypeClass::Unsigned(_), TypeClass::Unsigned(_))
            | (TypeClass::Signed(_), TypeClass::Signed(_)) => {
                native(o) == Native::Var && native(n) == Native::Var && n.size >= o.size
            }
            _ => false,
        };
        if !widened {
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
        self.error(
            Rule::FieldTypeChanged,
            path.to_owned(),
            format!(
                "field `{}` changed type from `{a}` to `{b}` (same size): {why}; keep `{a}`, or \
                 add a new field (with `since` and a version bump, or in a subsection) and \
                 convert in `post_load`",
                d.field
            ),
        );
    }

    /// A wire field of the old release that the new release keeps off the wire.
    fn kind_left_wire(&mut self, cx: &WalkCx<'_>, s: &FieldEntry, n: &FieldEntry, path: String) {
        if self.same_struct_elsewhere(cx, s, n, &path) {
            return;
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
    fn kind_joined_wire(&mut self, cx: &WalkCx<'_>, o: &FieldEntry, d: &FieldEntry, path: String) {
        if self.same_struct_elsewhere(cx, o, d, &path) {
            return;
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

    /// A nested struct of the same kind on QEMU's wire in one release and not in the other:
    /// its only QEMU content is subsections, which one side lacks (or a schema written before
    /// such structs were listed on the wire). Compared as a nested struct, its fields and
    /// subsections decide.
    fn same_struct_elsewhere(
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
    fn gate_fix(&self, cx: &WalkCx<'_>) -> String {
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
        self.error(
            Rule::FieldAdded,
            path,
            format!(
                "field `{}` was added{place} without a version gate: {stream} lacks it, so the \
                 new release would read the following bytes into it; {}",
                d.field,
                self.gate_fix(cx)
            ),
        );
    }

    fn removed(&mut self, s: &FieldEntry, path: String) {
        let what = if s.is_padding() {
            format!("padding `unused` ({} bytes)", total(s))
        } else {
            format!("field `{}`", s.field)
        };
        let fix = if variable(s) {
            "keep the field: its length varies, so padding cannot stand for it".to_owned()
        } else if s.is_padding() {
            "keep the padding".to_owned()
        } else if field_extended(s) {
            format!(
                "a removed field must keep padding: replace it with `vmstate_core::Unused<{}>`, \
                 or with `vmstate_core::Removed<{}>` if native streams carried it",
                total(s),
                rust_name(s)
            )
        } else {
            format!(
                "a removed field must keep padding: replace it with `vmstate_core::Unused<{}>`",
                total(s)
            )
        };
        self.error(
            Rule::FieldRemoved,
            path,
            format!(
                "{what} was removed: the old release's stream still carries it, so the new \
                 release would read every later field from the wrong bytes; {fix}"
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
            self.removed(f, path);
        }
    }

    fn run_start(
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
            end: total(f),
            path: side.path(f),
        };
        let pad = |f: &FieldEntry| if f.is_padding() { total(f) } else { 0 };
        Some(Run {
            old: taken(sf, s),
            new: taken(df, d),
            old_padding: pad(sf),
            new_padding: pad(df),
            old_items: vec![Item::new(sf, s.path(sf))],
            new_items: vec![Item::new(df, d.path(df))],
        })
    }

    /// A padding run that lines up on QEMU's wire, in bytes: is it sent alike, and does it
    /// line up in the native format too?
    fn run_done(&mut self, r: &Run) {
        if !self.run_conditional(r) {
            self.run_native(r);
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

    /// A padding run that lines up on QEMU's wire: does it in the native format too?
    fn run_native(&mut self, r: &Run) {
        let items = || r.old_items.iter().chain(&r.new_items);
        if !items().all(|i| i.extended) || items().any(|i| i.native == Native::Unknown) {
            return;
        }
        if items().all(|i| i.native == Native::Raw) {
            return;
        }
        if let ([a], [b]) = (&r.old_items[..], &r.new_items[..]) {
            if a.native == Native::Var && b.native == Native::Var {
                return;
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
    }

    /// Takes `f`, the next field of the side that is behind in a padding run.
    fn run_step(
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
        let (me, other, my_padding) = if old_behind {
            (&mut r.old, &r.new, &mut r.old_padding)
        } else {
            (&mut r.new, &r.old, &mut r.new_padding)
        };
        let start = me.end;
        if !f.is_padding() && (!other.padding || displaced) {
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
            self.error(
                Rule::PaddingMismatch,
                at,
                format!(
                    "the `unused` padding does not line up with the fields it replaces: \
                     {clash}; make the padding exactly as large as the removed fields \
                     (`vmstate_core::Unused<{needed}>` here{})",
                    if cx.extended {
                        ", or one `vmstate_core::Removed<T>` per removed field, with its type"
                    } else {
                        ""
                    }
                ),
            );
            return Walk::Stopped;
        }
        let item = Item::new(f, path.clone());
        *me = Taken {
            padding: f.is_padding(),
            name: f.field.clone(),
            end: start.saturating_add(total(f)),
            path,
        };
        if old_behind {
            r.old_items.push(item);
        } else {
            r.new_items.push(item);
        }
        if f.is_padding() {
            *my_padding = my_padding.saturating_add(total(f));
        }
        if old_behind {
            s.bump();
        } else {
            d.bump();
        }
        Walk::Done
    }

    /// One side ran out of fields in the middle of a padding run.
    fn run_left_over(&mut self, r: &Run) {
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

/// How to keep a field's version gate as the older release had it.
fn keep_since(since: u32) -> String {
    match since {
        0 => "drop its `since` (the old release sends it in every version)".to_owned(),
        n => format!("keep `since = {n}`"),
    }
}

fn find<'a>(list: &'a [FieldEntry], name: &str) -> Option<&'a FieldEntry> {
    list.iter().find(|f| f.field == name)
}
