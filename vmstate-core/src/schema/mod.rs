//! Schemas: descriptions as JSON in the shape of QEMU's `-dump-vmstate`, and the
//! compatibility checker that compares two of them.
//!
//! A schema file maps a device key (QEMU's QOM type name for ported devices, so a diff
//! against QEMU's own dump lines up) to its description:
//!
//! ```json
//! {"integrator_core": {"Name": "integrator_core", "version_id": 1, "minimum_version_id": 1,
//!   "Description": {"name": "integratorcm", "version_id": 1, "minimum_version_id": 1,
//!     "Fields": [{"field": "cm_osc", "version_id": 0, "field_exists": false, "size": 4,
//!                 "rust_type": "u32", "kind": "migrated"}, ...],
//!     "Subsections": [],
//!     "NotOnWire": [{"field": "memsz", "kind": "immutable", ...}, ...]}},
//!  "vmschkmachine": {"Name": "integratorcp"}}
//! ```
//!
//! `Fields` and `Subsections` hold exactly what QEMU's wire carries, so QEMU's
//! `vmstate-static-checker.py` reads these files; the keys it does not know (`rust_type`,
//! `kind`, `hook`, `max_len`, `len`, `validate`, `variants`, `array_len`, `type`, `pos`,
//! `replaces`, `hooks`, `NotOnWire`) carry what only this project knows. That checker reports a description key
//! the other file lacks as a missing entry, so as its source it needs
//! [`Schema::qemu_only`]'s shape. Arrays of arrays are described as one flat array
//! (`array_len` = n1 × n2), as QEMU describes its 2-D arrays; schemas written before that
//! called them `array`, and the checker compares only their total size.
//!
//! ```
//! use vmstate_core::schema::{self, Schema};
//! use vmstate_core::VmState;
//!
//! #[derive(VmState)]
//! #[vmstate(name = "icp_control")]
//! struct IcpControl { intreg_state: u32 }
//!
//! let mut current = Schema::new(Some("integratorcp"));
//! current.add("icp-ctrl-regs", IcpControl::DESCRIPTION);
//! let json = current.to_json(); // what a golden file holds
//!
//! let golden = Schema::from_json(&json).unwrap();
//! assert_eq!(golden.devices["icp-ctrl-regs"].description.fields[0].field, "intreg_state");
//! assert!(schema::check(&golden, &current).is_compatible());
//! ```

pub mod check;
mod decode;
mod golden;
mod json;
pub mod report;

pub use check::{check, check_back};
pub use decode::{decode, decode_with_budget, Format, MAX_VALUES};
pub use golden::{assert_compatible, assert_compatible_both_ways, BLESS_VAR};
pub use report::{Finding, Report, Rule, Severity};

use crate::describe::{Description, FieldDesc, FieldKind, Primitive, Shape};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The key under which QEMU's dumps name the machine type.
pub const MACHINE_KEY: &str = "vmschkmachine";

/// A set of device descriptions, keyed by device (QOM type) name.
///
/// ```
/// use vmstate_core::schema::Schema;
/// let s = Schema::from_json(r#"{"vmschkmachine": {"Name": "integratorcp"}}"#).unwrap();
/// assert_eq!(s.machine.as_deref(), Some("integratorcp"));
/// assert!(s.devices.is_empty());
/// assert_eq!(s, Schema::new(Some("integratorcp")));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// The machine type, if the file names one (`vmschkmachine`).
    pub machine: Option<String>,
    /// The devices, by key.
    pub devices: BTreeMap<String, DeviceEntry>,
}

/// One device: QEMU's top-level entry.
///
/// ```
/// use vmstate_core::{schema::Schema, VmState};
/// #[derive(VmState)]
/// #[vmstate(name = "icp_control", version = 2, minimum_version = 1)]
/// struct IcpControl { intreg_state: u32 }
///
/// let mut s = Schema::new(None);
/// s.add("icp-ctrl-regs", IcpControl::DESCRIPTION);
/// let entry = &s.devices["icp-ctrl-regs"];
/// assert_eq!((entry.name.as_str(), entry.version_id, entry.minimum_version_id), ("icp-ctrl-regs", 2, 1));
/// assert_eq!(entry.description.name, "icp_control"); // the section name
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceEntry {
    /// The device key (repeated from the map key).
    #[serde(rename = "Name")]
    pub name: String,
    /// The description's version.
    pub version_id: u32,
    /// The description's minimum version.
    pub minimum_version_id: u32,
    /// The description.
    #[serde(rename = "Description")]
    pub description: Desc,
}

/// A description (QEMU's `VMStateDescription`), also used for subsections and nested structs.
///
/// ```
/// use vmstate_core::{schema::Desc, VmState};
/// #[derive(VmState)]
/// #[vmstate(name = "cm", version = 2)]
/// struct Cm { #[vmstate(immutable)] memsz: u32, ctrl: u32 }
///
/// let d = Desc::from_description(Cm::DESCRIPTION);
/// assert_eq!((d.name.as_str(), d.version_id), ("cm", 2));
/// assert_eq!(d.fields[0].field, "ctrl"); // on QEMU's wire
/// assert_eq!(d.not_on_wire[0].field, "memsz"); // immutable: native streams only
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desc {
    /// The section (or subsection) name.
    pub name: String,
    /// Version.
    pub version_id: u32,
    /// Minimum version.
    pub minimum_version_id: u32,
    /// The fields QEMU's wire carries, in order.
    #[serde(rename = "Fields", default)]
    pub fields: Vec<FieldEntry>,
    /// The subsections.
    #[serde(rename = "Subsections", default, skip_serializing_if = "Vec::is_empty")]
    pub subsections: Vec<Desc>,
    /// Fields that are described but not on QEMU's wire (derived, immutable, skipped, and
    /// nested structs of those). Not in QEMU's dumps.
    #[serde(rename = "NotOnWire", default, skip_serializing_if = "Vec::is_empty")]
    pub not_on_wire: Vec<FieldEntry>,
    /// The Rust type. Not in QEMU's dumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_type: Option<String>,
    /// The container hooks. Not in QEMU's dumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hooks: Option<BTreeMap<String, String>>,
}

/// One field.
///
/// ```
/// use vmstate_core::{schema::Desc, VmState};
/// #[derive(VmState)]
/// struct Fifo { data: [u16; 8] }
///
/// let f = &Desc::from_description(Fifo::DESCRIPTION).fields[0];
/// assert_eq!((f.field.as_str(), f.size, f.array_len), ("data", 2, Some(8)));
/// assert_eq!(f.wire_type.as_deref(), Some("uint16"));
/// assert_eq!(f.rust_type.as_deref(), Some("[u16; 8]"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEntry {
    /// The field's name (`unused` for padding, as in QEMU).
    pub field: String,
    /// The version the field appeared in (0: always there).
    pub version_id: u32,
    /// Whether a test function decides if it is sent.
    pub field_exists: bool,
    /// Bytes on QEMU's wire per element (QEMU's `size`).
    pub size: u64,
    /// A nested struct's description.
    #[serde(
        rename = "Description",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Box<Desc>>,
    /// The Rust type. Not in QEMU's dumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_type: Option<String>,
    /// `migrated`, `derived`, `derived_by_owner`, `immutable`, `skipped`. Not in QEMU's dumps
    /// (which hold migrated fields only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The function that recomputes a derived field (or a nested struct's owner-derived
    /// fields). Not in QEMU's dumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<String>,
    /// The bound of a `Vec`/`String`. Not in QEMU's dumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u64>,
    /// For a `Vec`/`String` whose length travels in another field of the same description
    /// (`len = "..."`, QEMU's `VMSTATE_VARRAY_*`): that field's name; the sequence then has
    /// no length of its own on the wire. Not in QEMU's dumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<String>,
    /// The checks of a loaded value: `validate` and `range` as written, and an `equal`
    /// field's `equal to the destination's` (several: joined by `; `). Not in QEMU's dumps, nor in this project's schemas written before the key was
    /// (2026-11): against those, every check reads as new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate: Option<String>,
    /// For a derived enum (or an array or `Vec` of one): each variant's name and
    /// discriminant, the only values a load accepts. Not in QEMU's dumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variants: Option<BTreeMap<String, Discriminant>>,
    /// The number of elements of an array (`size` is per element). Not in QEMU 7.2's dumps;
    /// newer QEMUs write it as `num`, which is read here too.
    #[serde(default, alias = "num", skip_serializing_if = "Option::is_none")]
    pub array_len: Option<u64>,
    /// The wire type (`uint32`, `bool`, `struct`, `unused`, `varray:uint32`, `string`,
    /// `buffer` for `#[vmstate(buffer)]` bytes (one element of `size` bytes), a hand-written
    /// type's name, `removed:uint32` / `removed:uint32[4]` for `Removed<T>` padding, or
    /// `varray:removed:uint32` for a `Vec<Removed<T>>`). Arrays of arrays are one flat array of the innermost type,
    /// as QEMU describes its 2-D arrays. Not in QEMU's dumps.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub wire_type: Option<String>,
    /// The field's position among all the struct's fields (`Fields` and `NotOnWire` split
    /// them; the native format interleaves immutable ones in this order). Not in QEMU's dumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pos: Option<u32>,
    /// Padding's own name (`name = "..."`, else the Rust field's), which `field` (QEMU's
    /// `unused`) does not keep: typically the field it stands for. Not in QEMU's dumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

impl FieldEntry {
    /// The field's kind; QEMU's dumps hold migrated fields only.
    ///
    /// ```
    /// use vmstate_core::schema::FieldEntry;
    /// // A field of QEMU's own dump: no `kind`, so migrated.
    /// let f: FieldEntry = serde_json::from_str(
    ///     r#"{"field": "cm_osc", "version_id": 0, "field_exists": false, "size": 4}"#,
    /// ).unwrap();
    /// assert_eq!(f.kind(), "migrated");
    /// ```
    pub fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or("migrated")
    }

    /// Whether this is padding for a removed field: by its wire type where the schema
    /// says one (a real field may be called `unused`, as QEMU's pl041 register is), else
    /// by QEMU's name for padding, `unused`.
    ///
    /// ```
    /// use vmstate_core::{schema::Desc, Unused, VmState};
    /// #[derive(VmState)]
    /// struct Timer { count: u32, unused: Unused<8>, #[vmstate(name = "unused")] reg: u32 }
    ///
    /// let fields = Desc::from_description(Timer::DESCRIPTION).fields;
    /// let padding: Vec<bool> = fields.iter().map(|f| f.is_padding()).collect();
    /// assert_eq!(padding, [false, true, false]); // told by type, not by name
    /// ```
    pub fn is_padding(&self) -> bool {
        match self.wire_type.as_deref() {
            Some(t) => t == "unused" || t.starts_with("removed:"),
            None => self.field == "unused",
        }
    }

    /// Total bytes on QEMU's wire (size × array_len).
    ///
    /// ```
    /// use vmstate_core::{schema::Desc, VmState};
    /// #[derive(VmState)]
    /// struct Fifo { data: [u16; 8], head: u8 }
    ///
    /// let fields = Desc::from_description(Fifo::DESCRIPTION).fields;
    /// assert_eq!(fields[0].total_size(), 16);
    /// assert_eq!(fields[1].total_size(), 1);
    /// ```
    pub fn total_size(&self) -> u64 {
        self.size.saturating_mul(self.array_len.unwrap_or(1))
    }
}

impl Schema {
    /// An empty schema for `machine`.
    pub fn new(machine: Option<&str>) -> Self {
        Schema {
            machine: machine.map(str::to_owned),
            devices: BTreeMap::new(),
        }
    }

    /// Adds a device under `key` (QEMU's QOM type name for a port, or any unique name).
    ///
    /// ```
    /// use vmstate_core::{schema::Schema, VmState};
    /// #[derive(VmState)]
    /// #[vmstate(name = "icp_control")]
    /// struct IcpControl { intreg_state: u32 }
    ///
    /// let mut s = Schema::new(Some("integratorcp"));
    /// s.add("icp-ctrl-regs", IcpControl::DESCRIPTION);
    /// let json = s.to_json();
    /// assert!(json.contains("\"intreg_state\""));
    /// assert_eq!(Schema::from_json(&json).unwrap(), s);
    /// ```
    pub fn add(&mut self, key: &str, d: &Description) -> &mut Self {
        self.devices.insert(
            key.to_owned(),
            DeviceEntry {
                name: key.to_owned(),
                version_id: d.version,
                minimum_version_id: d.minimum_version,
                description: Desc::from_description(d),
            },
        );
        self
    }

    /// The schema with only what QEMU's own dumps hold: each description's name, versions,
    /// `Fields` and `Subsections`, each field's name, version, `field_exists`, size, array
    /// length (newer QEMUs' `num`; QEMU's checker does not read it in this spelling) and nested
    /// description. QEMU's `vmstate-static-checker.py` reports every description key that the
    /// other file lacks as a missing entry, so it needs this shape when this project's file is
    /// its source (`-s`); this crate's checker reads both shapes, with less to compare in this
    /// one (no immutable, derived or skipped fields, no Rust types, hooks or bounds).
    ///
    /// ```
    /// use vmstate_core::{schema::Schema, VmState};
    /// #[derive(VmState)]
    /// #[vmstate(name = "icp_control", post_load = "Self::sync")]
    /// struct IcpControl {
    ///     intreg_state: u32,
    ///     #[vmstate(skip)]
    ///     host_only: u8,
    /// }
    /// impl IcpControl { fn sync(&mut self) {} }
    ///
    /// let mut s = Schema::new(Some("integratorcp"));
    /// s.add("icp-ctrl-regs", IcpControl::DESCRIPTION);
    /// let json = s.qemu_only().to_json();
    /// assert!(json.contains("\"intreg_state\""));
    /// for ours in ["host_only", "NotOnWire", "rust_type", "hooks", "kind"] {
    ///     assert!(!json.contains(ours), "{ours}");
    /// }
    /// ```
    pub fn qemu_only(&self) -> Schema {
        fn strip(d: &mut Desc) {
            d.not_on_wire.clear();
            d.rust_type = None;
            d.hooks = None;
            for f in &mut d.fields {
                f.rust_type = None;
                f.kind = None;
                f.hook = None;
                f.max_len = None;
                f.len = None;
                f.validate = None;
                f.variants = None;
                f.wire_type = None;
                f.pos = None;
                f.replaces = None;
                if let Some(nested) = &mut f.description {
                    strip(nested);
                }
            }
            d.subsections.iter_mut().for_each(strip);
        }
        let mut s = self.clone();
        for dev in s.devices.values_mut() {
            strip(&mut dev.description);
        }
        s
    }

    /// The schema as JSON on one line.
    ///
    /// ```
    /// use vmstate_core::{schema::Schema, VmState};
    /// #[derive(VmState)]
    /// struct Uart { lcr: u8 }
    ///
    /// let mut s = Schema::new(None);
    /// s.add("uart", Uart::DESCRIPTION);
    /// let line = s.to_json_compact();
    /// assert!(!line.contains('\n'));
    /// assert_eq!(Schema::from_json(&line).unwrap(), s);
    /// ```
    pub fn to_json_compact(&self) -> String {
        self.to_value().to_string()
    }

    fn to_value(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for (k, v) in &self.devices {
            map.insert(
                k.clone(),
                serde_json::to_value(v).expect("schema serializes"),
            );
        }
        if let Some(m) = &self.machine {
            map.insert(MACHINE_KEY.to_owned(), serde_json::json!({ "Name": m }));
        }
        serde_json::Value::Object(map)
    }

    /// The schema as pretty JSON.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(&self.to_value()).expect("json");
        out.push('\n');
        out
    }

    /// Reads a schema: one of this project's, or QEMU's own `-dump-vmstate` output. A key
    /// given twice in one object (a device, a field's property) is refused, not resolved to
    /// the last one as JSON readers do.
    ///
    /// ```
    /// use vmstate_core::schema::Schema;
    /// let e = Schema::from_json(r#"{"vmschkmachine": {"Name": "a"}, "vmschkmachine": {"Name": "b"}}"#)
    ///     .unwrap_err();
    /// assert!(e.to_string().contains("key `vmschkmachine` appears twice"));
    /// ```
    pub fn from_json(text: &str) -> Result<Schema, SchemaError> {
        if text.len() > MAX_SCHEMA_BYTES {
            return Err(SchemaError(too_large(text.len())));
        }
        // Editors on some hosts save UTF-8 with a byte-order mark; JSON does not allow one.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value = json::parse_unique_keys(text).map_err(|e| {
            SchemaError(match e.classify() {
                serde_json::error::Category::Data => e.to_string(),
                _ => format!("not JSON: {e}"),
            })
        })?;
        let obj = value
            .as_object()
            .ok_or_else(|| SchemaError("a schema is a JSON object of devices".into()))?;
        let mut schema = Schema::default();
        for (key, entry) in obj {
            if key == MACHINE_KEY {
                let Some(name) = entry.get("Name").and_then(|n| n.as_str()) else {
                    return Err(SchemaError(format!(
                        "`{MACHINE_KEY}` must be {{\"Name\": \"<machine type>\"}}, not {}",
                        shown_json(entry)
                    )));
                };
                schema.machine = Some(name.to_owned());
                continue;
            }
            schema
                .devices
                .insert(key.clone(), device_entry(key, entry)?);
        }
        Ok(schema)
    }

    /// One device's entry of a schema's JSON text, read and checked as [`from_json`]
    /// reads each (for a machine stream's trailer, of which a load needs a few entries).
    ///
    /// [`from_json`]: Schema::from_json
    pub(crate) fn entry_from_json(key: &str, text: &str) -> Result<DeviceEntry, SchemaError> {
        let value = json::parse_unique_keys(text)
            .map_err(|e| SchemaError(format!("device `{key}`: {e}")))?;
        device_entry(key, &value)
    }
}

/// The device entry `entry` under `key`, within the limits a schema keeps to.
fn device_entry(key: &str, entry: &serde_json::Value) -> Result<DeviceEntry, SchemaError> {
    name_within_limits("a device", key).map_err(SchemaError)?;
    let dev: DeviceEntry = serde_path_to_error::deserialize(entry).map_err(|e| {
        let at = e.path().to_string();
        let at = if at == "." {
            String::new()
        } else {
            format!(" at `{at}`")
        };
        SchemaError(format!("device `{key}`{at}: {}", e.inner()))
    })?;
    within_limits(&dev.description)
        .and_then(|()| versions_in_order(&dev))
        .map_err(|why| SchemaError(format!("device `{key}`: {why}")))?;
    Ok(dev)
}

/// The largest schema file read: eight times QEMU's largest dumps (a 600-device x86 machine
/// is under 2 MB). A parsed file takes about 25 times its size in memory.
pub const MAX_SCHEMA_BYTES: usize = 16 << 20;

/// Why a file of `len` bytes is not read as a schema.
///
/// ```
/// let why = vmstate_core::schema::too_large(20 << 20);
/// assert!(why.starts_with("20971520 bytes is more than a schema file may have"));
/// ```
pub fn too_large(len: usize) -> String {
    format!("{len} bytes is {}", too_large_reason())
}

/// The reason of [`too_large`], for input whose length is not known (a pipe, a device).
///
/// ```
/// assert!(vmstate_core::schema::too_large_reason().starts_with("more than"));
/// ```
pub fn too_large_reason() -> String {
    format!(
        "more than a schema file may have ({MAX_SCHEMA_BYTES} bytes; QEMU's largest \
         -dump-vmstate files are a few MB)"
    )
}

/// A JSON value for an error message, cut to 60 characters.
fn shown_json(v: &serde_json::Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// A schema file that cannot be read.
///
/// ```
/// use vmstate_core::schema::{Schema, SchemaError};
/// let err = Schema::from_json("[1, 2]").unwrap_err();
/// assert_eq!(err, SchemaError("a schema is a JSON object of devices".into()));
/// assert_eq!(err.to_string(), err.0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError(pub String);

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SchemaError {}

/// The most fields (on and off the wire) one description of a schema file may have: ten
/// times QEMU's largest descriptions (x86's `cpu` has a few hundred). The checker compares
/// some of a description's fields with all the others.
pub const MAX_FIELDS: usize = 4096;
/// The longest name (a device's key, a description's, a field's or a variant's) a schema file
/// may have, in bytes: QEMU's wire allows 255 for a section's or subsection's name. Each
/// finding of the checker and each value `inspect` shows repeats names.
pub const MAX_NAME_BYTES: usize = 1024;
/// The most subsections one description of a schema file may have.
pub const MAX_SUBSECTIONS: usize = 256;

/// A name of at most [`MAX_NAME_BYTES`]; `what` says whose, for the error.
fn name_within_limits(what: &str, name: &str) -> Result<(), String> {
    if name.len() > MAX_NAME_BYTES {
        let start: String = name.chars().take(40).collect();
        return Err(format!(
            "{what}'s name `{start}...` is {} bytes long (at most {MAX_NAME_BYTES})",
            name.len()
        ));
    }
    Ok(())
}

/// A schema file is input: descriptions far beyond any device's are refused when read, so
/// the checker and the decoder never search through them.
fn within_limits(d: &Desc) -> Result<(), String> {
    name_within_limits("a description", &d.name)?;
    let fields = d.fields.len() + d.not_on_wire.len();
    if fields > MAX_FIELDS {
        return Err(format!(
            "description `{}` has {fields} fields (at most {MAX_FIELDS})",
            d.name
        ));
    }
    let mut off_wire = std::collections::HashSet::new();
    for f in d.fields.iter().chain(&d.not_on_wire) {
        name_within_limits("a field", &f.field)
            .map_err(|why| format!("description `{}`: {why}", d.name))?;
        for variant in f.variants.iter().flat_map(|v| v.keys()) {
            name_within_limits("a variant", variant)
                .map_err(|why| format!("field `{}`: {why}", f.field))?;
        }
    }
    // The derive gives every field on no wire or the native one only its own name. Migrated
    // fields may share one, as QEMU's do, and those that put no bytes on QEMU's wire (an
    // empty array or struct) are listed here, as is such padding.
    let own_name = |f: &&FieldEntry| !f.is_padding() && f.kind() != "migrated";
    for f in d.not_on_wire.iter().filter(own_name) {
        if !off_wire.insert(f.field.as_str()) {
            return Err(format!(
                "description `{}` lists field `{}` twice in NotOnWire",
                d.name, f.field
            ));
        }
    }
    if d.subsections.len() > MAX_SUBSECTIONS {
        return Err(format!(
            "description `{}` has {} subsections (at most {MAX_SUBSECTIONS})",
            d.name,
            d.subsections.len()
        ));
    }
    // Two subsections of one name are read: the derive refuses them, but QEMU 11.1's `sd-card`
    // has them (its RPMB state under the EXT_CSD state's name), and the checker reports them
    // (`Rule::SubsectionNameShared`); a decode takes the first, as a load does.
    d.inner().try_for_each(within_limits)
}

/// No description (the entry, or anything in it) may have a minimum version above its
/// version, and the entry's versions are its description's: neither QEMU nor the derive can
/// write anything else, and the checker would report such an entry incompatible with itself.
fn versions_in_order(entry: &DeviceEntry) -> Result<(), String> {
    fn in_order(what: &str, version: u32, minimum: u32) -> Result<(), String> {
        if minimum > version {
            return Err(format!(
                "{what} has minimum_version_id {minimum} above its version_id {version}"
            ));
        }
        Ok(())
    }
    fn desc(d: &Desc) -> Result<(), String> {
        in_order(
            &format!("description `{}`", d.name),
            d.version_id,
            d.minimum_version_id,
        )?;
        d.inner().try_for_each(desc)
    }
    in_order("the entry", entry.version_id, entry.minimum_version_id)?;
    // Both are printed from one description (QEMU's `vmsd`, this project's `Description`).
    let d = &entry.description;
    if (entry.version_id, entry.minimum_version_id) != (d.version_id, d.minimum_version_id) {
        return Err(format!(
            "the entry's version_id {} and minimum_version_id {} differ from its \
             Description's {} and {}",
            entry.version_id, entry.minimum_version_id, d.version_id, d.minimum_version_id
        ));
    }
    desc(d)
}

impl Desc {
    /// The descriptions directly inside this one: its nested structs' (on the wire or not),
    /// then its subsections.
    fn inner(&self) -> impl Iterator<Item = &Desc> {
        let nested = self.fields.iter().chain(&self.not_on_wire);
        let nested = nested.filter_map(|f| f.description.as_deref());
        nested.chain(&self.subsections)
    }

    /// The schema form of a static description.
    pub fn from_description(d: &Description) -> Desc {
        let mut fields = Vec::new();
        let mut not_on_wire = Vec::new();
        let mut subsections = Vec::new();
        for (pos, f) in d.fields.iter().enumerate() {
            let entry = |f| field_entry(f, pos as u32);
            match f.kind {
                FieldKind::Subsection { .. } => {
                    if let Shape::Struct(sub) = f.shape {
                        subsections.push(Desc::from_description(sub));
                    }
                }
                FieldKind::Migrated if f.shape.qemu_size() != Some(0) => fields.push(entry(f)),
                _ => not_on_wire.push(entry(f)),
            }
        }
        let mut hooks = BTreeMap::new();
        for (k, v) in [
            ("pre_save", d.hooks.pre_save),
            ("pre_load", d.hooks.pre_load),
            ("post_load", d.hooks.post_load),
            ("validate", d.hooks.validate),
        ] {
            if let Some(v) = v {
                hooks.insert(k.to_owned(), v.to_owned());
            }
        }
        Desc {
            name: d.name.to_owned(),
            version_id: d.version,
            minimum_version_id: d.minimum_version,
            fields,
            subsections,
            not_on_wire,
            rust_type: Some(d.rust_type.to_owned()),
            hooks: (!hooks.is_empty()).then_some(hooks),
        }
    }
}

fn field_entry(f: &FieldDesc, pos: u32) -> FieldEntry {
    // Arrays of arrays are one flat array, as QEMU describes its 2-D arrays (`num` = n1 x n2)
    // and as both wire formats lay them out.
    let (mut elem, mut array_len) = (f.shape, None::<u64>);
    while let Shape::Array { elem: inner, len } = elem {
        array_len = Some(array_len.unwrap_or(1).saturating_mul(*len as u64));
        elem = *inner;
    }
    let (wire_type, description) = match elem {
        Shape::Primitive(p) | Shape::Enum { repr: p, .. } => (p.qemu_name().to_owned(), None),
        Shape::Struct(d) => (
            "struct".to_owned(),
            Some(Box::new(Desc::from_description(d))),
        ),
        Shape::Seq {
            elem: Shape::Struct(d),
            ..
        } => (
            "varray:struct".to_owned(),
            Some(Box::new(Desc::from_description(d))),
        ),
        Shape::Seq { elem, .. } => (format!("varray:{}", flat_type(elem)), None),
        Shape::Str { .. } => ("string".to_owned(), None),
        Shape::Unused { .. } => ("unused".to_owned(), None),
        // Its type, so a decoder can skip it in the native format (varints).
        Shape::Removed { of } => (format!("removed:{}", removed_type(of)), None),
        Shape::Custom { name, .. } => ((*name).to_owned(), None),
        Shape::Array { .. } => unreachable!("arrays of arrays are flattened above"),
    };
    let hook = match f.kind {
        FieldKind::Derived { hook } => hook.map(str::to_owned),
        _ => f.derives.map(str::to_owned),
    };
    // A sequence sized by another field is QEMU's `VMSTATE_VARRAY_*`, whose size is its
    // element's, or for bytes its `VMSTATE_VBUFFER_*`, which has none (a sequence with a
    // length of its own has no counterpart there).
    // (Removed bytes are bytes: a `Vec<Removed<u8>>` stands where a `Vec<u8>` was.)
    let bytes = |e: &Shape| match e {
        Shape::Removed { of } => **of == Shape::Primitive(Primitive::U8),
        _ => *e == Shape::Primitive(Primitive::U8),
    };
    let size = match (elem, f.len) {
        (Shape::Seq { elem, .. }, Some(_)) if !bytes(elem) => elem.qemu_size(),
        _ => elem.qemu_size(),
    };
    let is_padding = matches!(f.shape, Shape::Unused { .. } | Shape::Removed { .. });
    // QEMU's `VMSTATE_BUFFER`: the bytes as one element.
    let (wire_type, size, array_len) = if f.buffer {
        let bytes = array_len
            .unwrap_or(1)
            .saturating_mul(size.unwrap_or(0) as u64);
        ("buffer".to_owned(), bytes, None)
    } else {
        (wire_type, size.unwrap_or(0) as u64, array_len)
    };
    FieldEntry {
        field: if is_padding {
            "unused".to_owned()
        } else {
            f.name.to_owned()
        },
        version_id: f.since,
        field_exists: f.exists.is_some(),
        size,
        description,
        rust_type: Some(f.rust_type.to_owned()),
        kind: Some(f.kind.as_str().to_owned()),
        hook,
        max_len: f.max_len.map(|m| m as u64),
        len: f.len.map(str::to_owned),
        validate: f.validate.map(str::to_owned),
        variants: enum_variants(elem),
        array_len,
        wire_type: Some(wire_type),
        pos: Some(pos),
        replaces: is_padding.then(|| f.name.to_owned()),
    }
}

/// The variants of an enum, or of the elements of an array or `Vec` of one.
fn enum_variants(shape: &Shape) -> Option<BTreeMap<String, Discriminant>> {
    match shape {
        Shape::Enum { repr, variants } => Some(
            (variants.iter())
                .map(|(n, v)| ((*n).to_owned(), Discriminant::of(*v, *repr)))
                .collect(),
        ),
        Shape::Seq { elem, .. } | Shape::Array { elem, .. } => enum_variants(elem),
        _ => None,
    }
}

/// An enum variant's discriminant in a schema, kept as its decimal text. It is written as a
/// JSON number when it fits 64 bits and as a string beyond (serde_json, without its
/// arbitrary-precision feature, reads no wider numbers).
///
/// ```
/// use vmstate_core::schema::Discriminant;
/// let d: Discriminant = serde_json::from_str("-1").unwrap();
/// assert_eq!(d.to_string(), "-1");
/// let max = "\"340282366920938463463374607431768211455\"";
/// let big: Discriminant = serde_json::from_str(max).unwrap();
/// assert_eq!(serde_json::to_string(&big).unwrap(), max);
/// let seven: Discriminant = serde_json::from_str("\"07\"").unwrap();
/// assert_eq!(seven.to_string(), "7");
/// assert!(serde_json::from_str::<Discriminant>("\"seven\"").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Discriminant(String);

impl Discriminant {
    /// The discriminant of an enum whose `repr` is `repr`, stored as `value` (as
    /// [`Shape::Enum`] holds it: an unsigned `repr`'s values above `i128::MAX` wrapped).
    fn of(value: i128, repr: crate::Primitive) -> Self {
        use crate::Primitive::{U128, U16, U32, U64, U8};
        match repr {
            U8 | U16 | U32 | U64 | U128 => Discriminant((value as u128).to_string()),
            _ => Discriminant(value.to_string()),
        }
    }

    /// What a `repr` `width` bits wide puts on the wire for this value, signed or not: its
    /// low `width` bits (two's complement).
    pub(crate) fn bits(&self, width: u32) -> Option<u128> {
        let all = match self.0.parse::<i128>() {
            Ok(v) => v as u128,
            Err(_) => self.0.parse::<u128>().ok()?,
        };
        Some(match width {
            1..128 => all & ((1u128 << width) - 1),
            _ => all,
        })
    }

    /// The canonical text of the integer written as `text`, if it fits 128 bits.
    fn parse(text: &str) -> Option<Self> {
        let canonical = match text.parse::<i128>() {
            Ok(v) => v.to_string(),
            Err(_) => text.parse::<u128>().ok()?.to_string(),
        };
        Some(Discriminant(canonical))
    }
}

impl std::fmt::Display for Discriminant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Discriminant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Ok(v) = self.0.parse::<i64>() {
            s.serialize_i64(v)
        } else if let Ok(v) = self.0.parse::<u64>() {
            s.serialize_u64(v)
        } else {
            s.serialize_str(&self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Discriminant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Discriminant;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an integer, or one beyond 64 bits as a decimal string")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Discriminant, E> {
                Ok(Discriminant(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Discriminant, E> {
                Ok(Discriminant(v.to_string()))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Discriminant, E> {
                Discriminant::parse(v).ok_or_else(|| {
                    E::invalid_value(serde::de::Unexpected::Str(v), &"a 128-bit integer")
                })
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// The type of a vector's elements (`varray:`): `uint32`, or `uint32[4]` for an array
/// (arrays of arrays flattened).
fn flat_type(shape: &Shape) -> String {
    flattened(shape, false)
}

/// The type a removed value of `shape` skips: [`flat_type`], with removed values inside it
/// (`Removed<[Removed<u32>; 2]>`) taken as the values they replace, which have their bytes.
fn removed_type(shape: &Shape) -> String {
    flattened(shape, true)
}

fn flattened(shape: &Shape, unwrap_removed: bool) -> String {
    let (mut elem, mut len) = (shape, None::<usize>);
    loop {
        match elem {
            Shape::Array {
                elem: inner,
                len: n,
            } => {
                len = Some(len.unwrap_or(1).saturating_mul(*n));
                elem = inner;
            }
            Shape::Removed { of } if unwrap_removed => elem = of,
            _ => break,
        }
    }
    match len {
        Some(n) => format!("{}[{n}]", elem_name(elem)),
        None => elem_name(elem),
    }
}

fn elem_name(shape: &Shape) -> String {
    match shape {
        Shape::Primitive(p) | Shape::Enum { repr: p, .. } => p.qemu_name().to_owned(),
        Shape::Custom { name, .. } => (*name).to_owned(),
        // A vector of removed values (`varray:removed:uint32`).
        Shape::Removed { of } => format!("removed:{}", removed_type(of)),
        _ => "unknown".to_owned(),
    }
}
