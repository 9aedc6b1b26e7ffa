//! Machine streams: a whole board in one native stream, loadable all-or-nothing.
//!
//! ```text
//! magic      8 bytes "VMSTMACH"
//! version    u32 little-endian: the format version (2: native sections end each struct's
//!            subsections with a marker; version 1 did not)
//! sections   per device instance: 0x01, instance id (postcard varint), then the device's
//!            native section (name, version, length, fields, CRC-32)
//! end        0x00
//! trailer    u32 LE length, the schema JSON of every section (keyed by section name), CRC-32
//!            of the JSON (u32 LE): enough to decode the stream without the program that
//!            wrote it, like QEMU's vmdesc
//! ```
//!
//! ```
//! use devices::{board::map, icp_pic::reg, IntegratorCp};
//!
//! let mut src = IntegratorCp::new(32);
//! src.write(map::SIC + reg::IRQ_ENABLESET, 0x3).unwrap();
//! let bytes = devices::machine::save(&src).unwrap();
//!
//! let mut dst = IntegratorCp::new(32);
//! devices::machine::load(&mut dst, &bytes).unwrap();
//! assert_eq!(dst.sic.irq_enabled, 0x3);
//! ```

use crate::board::IntegratorCp;
use std::ops::Range;
use vmstate_core::schema::Schema;
use vmstate_core::{Error, ErrorKind, Scalar};

/// The stream's first bytes.
pub const MAGIC: &[u8; 8] = b"VMSTMACH";
/// The most sections a machine stream may hold (a board has a handful; each costs memory to
/// list before any is loaded).
pub const MAX_SECTIONS: usize = 65_536;
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 2;
const TAG_SECTION: u8 = 0x01;
const TAG_END: u8 = 0x00;

/// One section of a machine stream, located.
///
/// ```
/// let bytes = devices::machine::save(&devices::IntegratorCp::new(32)).unwrap();
/// let sic = &devices::machine::parse(&bytes).unwrap().sections[2];
/// assert_eq!((sic.name.as_str(), sic.instance_id, sic.version), ("icp_pic", 1, 1));
/// // `range` is a whole native section.
/// let frame = vmstate_core::read_frame(&bytes[sic.range.clone()], sic.range.start).unwrap();
/// assert_eq!(frame.name, "icp_pic");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineSection {
    /// The description's name.
    pub name: String,
    /// The instance id.
    pub instance_id: u32,
    /// The section's version.
    pub version: u32,
    /// Bytes of the native section (from its name through its checksum).
    pub range: Range<usize>,
}

/// A parsed machine stream.
///
/// ```
/// let bytes = devices::machine::save(&devices::IntegratorCp::new(32)).unwrap();
/// let stream = devices::machine::parse(&bytes).unwrap();
/// assert_eq!(stream.sections[0].name, "integratorcm");
/// // The embedded schema describes every section without the program that wrote it.
/// assert_eq!(stream.schema.machine.as_deref(), Some("integratorcp"));
/// assert!(stream.schema.devices.contains_key("pl031"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MachineStream {
    /// The sections, in order.
    pub sections: Vec<MachineSection>,
    /// The embedded schema.
    pub schema: Schema,
}

fn format_error(msg: String, at: usize) -> Error {
    Error::at(ErrorKind::Format(msg), at)
}

/// Saves every device of `board` into one machine stream.
///
/// ```
/// let board = devices::IntegratorCp::new(32);
/// let bytes = devices::machine::save(&board).unwrap();
/// let parsed = devices::machine::parse(&bytes).unwrap();
/// assert_eq!(parsed.sections.len(), 5);
/// ```
pub fn save(board: &IntegratorCp) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    for (name, instance, dev) in board.devices() {
        out.push(TAG_SECTION);
        instance.put_native(&mut out);
        dev.save_native(&mut out)
            .map_err(|e| e.in_named(format!("{name}:{instance}")))?;
    }
    out.push(TAG_END);
    let json = schema_trailer();
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(json.as_bytes());
    out.extend_from_slice(&crc32(json.as_bytes()).to_le_bytes());
    Ok(out)
}

/// The schema JSON of the board's devices. The descriptions are static, so it is built
/// once per process (call it early to keep it out of a timed save).
///
/// ```
/// use vmstate_core::schema::Schema;
/// let schema = Schema::from_json(devices::machine::schema_trailer()).unwrap();
/// let keys: Vec<&str> = schema.devices.keys().map(String::as_str).collect();
/// assert_eq!(keys, ["icp_control", "icp_pic", "integratorcm", "pl031"]);
/// ```
pub fn schema_trailer() -> &'static str {
    static TRAILER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TRAILER.get_or_init(|| {
        let board = IntegratorCp::new(32);
        let mut schema = Schema::new(Some("integratorcp"));
        for (name, _, dev) in board.devices() {
            schema.add(name, dev.description());
        }
        schema.to_json_compact()
    })
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(bytes);
    h.finalize()
}

/// Reads a machine stream's structure and its schema; every section's checksum is verified.
///
/// ```
/// let mut bytes = devices::machine::save(&devices::IntegratorCp::new(32)).unwrap();
/// assert_eq!(devices::machine::parse(&bytes).unwrap().sections.len(), 5);
/// bytes[40] ^= 0xff; // inside the first section
/// let err = devices::machine::parse(&bytes).unwrap_err();
/// assert!(err.to_string().contains("checksum"), "{err}");
/// ```
pub fn parse(bytes: &[u8]) -> Result<MachineStream, Error> {
    let (sections, json) = layout(bytes)?;
    let at = json.start;
    let text = std::str::from_utf8(&bytes[json])
        .map_err(|_| format_error("schema trailer is not UTF-8".into(), at))?;
    let schema =
        Schema::from_json(text).map_err(|e| format_error(format!("schema trailer: {e}"), at))?;
    Ok(MachineStream { sections, schema })
}

/// The sections and the range of the schema JSON; checksums verified, the JSON not parsed
/// (a load does not need it).
fn layout(bytes: &[u8]) -> Result<(Vec<MachineSection>, Range<usize>), Error> {
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err(format_error(
            "not a vmstate machine stream (bad magic)".into(),
            0,
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(format_error(format!("machine stream format version {version} is not supported (this build reads {FORMAT_VERSION})"), 8));
    }
    let mut pos = 12;
    let mut sections: Vec<MachineSection> = Vec::new();
    // (name, instance) to the offset of its section.
    let mut seen = std::collections::HashMap::new();
    loop {
        let tag = *bytes
            .get(pos)
            .ok_or_else(|| format_error("stream ends before its end marker".into(), pos))?;
        pos += 1;
        match tag {
            TAG_END => break,
            TAG_SECTION => {
                if sections.len() == MAX_SECTIONS {
                    return Err(format_error(
                        format!("more than {MAX_SECTIONS} sections: not a board's stream"),
                        pos - 1,
                    ));
                }
                let (instance_id, used) = u32::get_native(&bytes[pos..]).map_err(|k| {
                    Error::at(k, pos).in_named(format!("section #{}: instance id", sections.len()))
                })?;
                pos += used;
                let frame = vmstate_core::read_frame(&bytes[pos..], pos)
                    .map_err(|e| e.in_named(format!("section #{}", sections.len())))?;
                // The instance id lies outside the section's checksum: a corrupted one
                // shows as a second section for a device (or as a device with none).
                if let Some(first) = seen.insert((frame.name, instance_id), pos) {
                    return Err(format_error(
                        format!(
                            "duplicate section `{}` instance {instance_id} (the first is at byte {first})",
                            frame.name
                        ),
                        pos,
                    ));
                }
                sections.push(MachineSection {
                    name: frame.name.to_owned(),
                    instance_id,
                    version: frame.version,
                    range: pos..pos + frame.len,
                });
                pos += frame.len;
            }
            other => {
                return Err(format_error(
                    format!("unknown section tag {other:#04x}"),
                    pos - 1,
                ))
            }
        }
    }
    let len_at = pos;
    let len = bytes
        .get(pos..pos + 4)
        .ok_or_else(|| format_error("schema trailer missing".into(), pos))?;
    let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
    pos += 4;
    let json = bytes.get(pos..pos.saturating_add(len)).ok_or_else(|| {
        format_error(
            format!("schema trailer truncated: {len} bytes announced"),
            len_at,
        )
    })?;
    pos += len;
    let crc = bytes
        .get(pos..pos + 4)
        .ok_or_else(|| format_error("schema trailer checksum missing".into(), pos))?;
    let stored = u32::from_le_bytes(crc.try_into().expect("4 bytes"));
    if stored != crc32(json) {
        return Err(Error::at(
            ErrorKind::BadChecksum {
                stored,
                computed: crc32(json),
            },
            pos,
        )
        .in_named("schema trailer".into()));
    }
    pos += 4;
    if pos != bytes.len() {
        return Err(Error::at(
            ErrorKind::TrailingBytes {
                count: bytes.len() - pos,
            },
            pos,
        ));
    }
    Ok((sections, len_at + 4..len_at + 4 + len))
}

/// Loads a machine stream into `board`, all or nothing: sections are matched to devices by
/// name and instance (an unknown section, or a device with no section, is refused by name),
/// every section is checked before any device changes, and if a device's load still fails
/// (a hook or validation), every device is restored to its state before the load.
///
/// ```
/// use devices::{board::map, icp_pic::reg, machine, IntegratorCp};
///
/// let mut src = IntegratorCp::new(32);
/// src.write(map::PIC + reg::IRQ_ENABLESET, 0x100).unwrap();
/// src.write(map::SIC + reg::IRQ_ENABLESET, 0x3).unwrap();
/// let mut bytes = machine::save(&src).unwrap();
/// let pl031 = machine::parse(&bytes).unwrap().sections[3].clone();
/// bytes[pl031.range.end - 1] ^= 0xff; // corrupt the RTC section's checksum
///
/// let mut dst = IntegratorCp::new(32);
/// assert!(machine::load(&mut dst, &bytes).is_err());
/// assert_eq!(dst.pic.irq_enabled, 0); // all or nothing: no device changed
/// ```
pub fn load(board: &mut IntegratorCp, bytes: &[u8]) -> Result<(), Error> {
    let (sections, _) = layout(bytes)?;
    for s in &sections {
        let dev = board.section(&s.name, s.instance_id).ok_or_else(|| {
            format_error(
                format!(
                    "unknown section `{}` instance {}: the destination has no such device",
                    s.name, s.instance_id
                ),
                s.range.start,
            )
        })?;
        dev.check_native(&bytes[s.range.clone()], s.range.start)
            .map_err(|e| e.in_named(format!("section `{}` instance {}", s.name, s.instance_id)))?;
    }
    for (name, instance, _) in board.devices() {
        if !sections
            .iter()
            .any(|s| s.name == name && s.instance_id == instance)
        {
            return Err(format_error(format!("missing section for device `{name}` instance {instance}: the stream does not carry it"), bytes.len()));
        }
    }
    // Everything decodes; only a hook, a validation or an `exists` test asked again of the
    // loaded state can still fail. Keep each device's state to put it back if one does.
    let mut snapshot = Vec::new();
    for (name, instance, dev) in board.devices() {
        let mut section = Vec::new();
        dev.save_native(&mut section)?;
        snapshot.push((name, instance, section));
    }
    for s in &sections {
        let dev = board
            .section_mut(&s.name, s.instance_id)
            .expect("matched above");
        if let Err(e) = dev.load_native(&bytes[s.range.clone()], s.range.start) {
            for (name, instance, section) in &snapshot {
                let dev = board.section_mut(name, *instance).expect("same board");
                let _ = dev.load_native(section, 0);
            }
            return Err(e.in_named(format!("section `{}` instance {}", s.name, s.instance_id)));
        }
    }
    Ok(())
}
