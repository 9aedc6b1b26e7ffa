//! Machine streams: several devices' native sections in one stream, loaded all or nothing.
//!
//! ```text
//! magic      8 bytes "VMSTMACH"
//! version    u32 little-endian: the format version (3; 2 is read too: its trailer's CRC-32
//!            covers the JSON only; 1 is refused, its native sections had no end marker
//!            after each struct's subsections)
//! sections   per device instance: 0x01, instance id (postcard varint), then the device's
//!            native section (name, version, length, fields, CRC-32)
//! end        0x00
//! trailer    u32 LE length, the schema JSON of every section (keyed by section name), CRC-32
//!            (u32 LE) of every section's instance id bytes, in order, and then of the JSON:
//!            the schema is enough to decode the stream without the program that wrote it,
//!            like QEMU's vmdesc, and no instance id (outside its section's checksum) can
//!            change unnoticed
//! ```
//!
//! A device is a [`Section`], which every [`VmState`] type is; each is named by its
//! description's name and an instance id, so two UARTs are `uart` 0 and `uart` 1.
//!
//! ```
//! use vmstate_core::machine::{self, Section};
//! use vmstate_core::VmState;
//!
//! #[derive(VmState, Default, Debug, PartialEq)]
//! #[vmstate(name = "uart")]
//! struct Uart { lcr: u8 }
//! #[derive(VmState, Default, Debug, PartialEq)]
//! #[vmstate(name = "rtc")]
//! struct Rtc { load: u32 }
//!
//! let (uart0, uart1, rtc) = (Uart { lcr: 3 }, Uart { lcr: 7 }, Rtc { load: 99 });
//! let bytes = machine::save(Some("my-vm"), &[(0, &uart0), (1, &uart1), (0, &rtc)]).unwrap();
//!
//! let (mut u0, mut u1, mut r) = (Uart::default(), Uart::default(), Rtc::default());
//! machine::load(&mut [(0, &mut u0), (1, &mut u1), (0, &mut r)], &bytes).unwrap();
//! assert_eq!((u0.lcr, u1.lcr, r.load), (3, 7, 99));
//!
//! // A destination without `uart` 1 refuses the stream, and nothing changes.
//! let mut other = Uart::default();
//! let err = machine::load(&mut [(0, &mut other), (0, &mut r)], &bytes).unwrap_err();
//! assert!(err.to_string().contains("unknown section `uart` instance 1"), "{err}");
//! assert_eq!(other, Uart::default());
//! ```

use crate::schema::{Desc, Report, Schema, MACHINE_KEY};
use crate::{Description, Error, ErrorKind, Scalar, VmState};
use std::collections::HashMap;
use std::ops::Range;

mod stream_schema;

/// The stream's first bytes.
pub const MAGIC: &[u8; 8] = b"VMSTMACH";
/// The most sections a machine stream may hold (each costs memory to list before any is
/// loaded).
pub const MAX_SECTIONS: usize = 65_536;
/// The format version this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 3;
/// The oldest format version this build reads: version 2, whose trailer's checksum does not
/// cover the instance ids.
const OLDEST_FORMAT_VERSION: u32 = 2;
const TAG_SECTION: u8 = 0x01;
const TAG_END: u8 = 0x00;

/// A device as a machine stream sees it: its description and its native section. Object
/// safe, so that devices of different types go in one list; implemented for every
/// [`VmState`] type.
///
/// ```
/// use vmstate_core::machine::Section;
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Debug, PartialEq)]
/// #[vmstate(name = "pic")]
/// struct Pic { enabled: u32 }
///
/// let src: &dyn Section = &Pic { enabled: 0x100 };
/// let mut section = Vec::new();
/// src.save_native(&mut section).unwrap();
/// let mut dst = Pic { enabled: 0 };
/// dst.check_native(&section, 0).unwrap(); // would load; `dst` is unchanged
/// assert_eq!(dst.enabled, 0);
/// dst.load_native(&section, 0).unwrap();
/// assert_eq!((dst.enabled, src.description().name), (0x100, "pic"));
/// ```
pub trait Section {
    /// The migration description.
    fn description(&self) -> &'static Description;
    /// Appends the native section.
    fn save_native(&self, out: &mut Vec<u8>) -> Result<(), Error>;
    /// Checks that `bytes` holds exactly one native section this device would decode, without
    /// changing the device: as the load decodes it, with the checks of decoded values (field
    /// `validate` and `range`, immutable and `equal` fields, lengths, a `Vec`'s struct
    /// elements, built and loaded whole). What needs the loaded device itself, a container
    /// `validate` (the device's own or a nested struct's) and the hooks, runs in the load
    /// only. `base` is the offset of `bytes[0]`, for messages.
    fn check_native(&self, bytes: &[u8], base: usize) -> Result<(), Error>;
    /// Loads the native section that fills `bytes` (atomic).
    fn load_native(&mut self, bytes: &[u8], base: usize) -> Result<(), Error>;
    /// [`Self::load_native`], returning what undoes the load: a [`load`] of several devices
    /// undoes the ones loaded before a device whose load fails. A `VmState` device keeps the
    /// values the load replaced, and its undo is exact. This default, for a `Section`
    /// written by hand, saves the device first and undoes by loading that section again,
    /// which is not exact for what a load builds afresh (the skipped fields of a `Vec`'s
    /// struct elements, a file descriptor in each, come back as their defaults). So a type
    /// that hands the other methods to `VmState` devices (an enum of a VMM's devices) hands
    /// this one on too:
    ///
    /// ```
    /// use vmstate_core::machine::{self, Section, UndoLoad};
    /// use vmstate_core::{Description, Error, VmState};
    ///
    /// #[derive(VmState, Default, PartialEq)]
    /// struct Queue { ready: bool, #[vmstate(skip)] eventfd: i32 }
    /// #[derive(VmState, Default)]
    /// struct Blk { #[vmstate(max_len = 8)] queues: Vec<Queue> }
    /// #[derive(VmState, Default)]
    /// struct Rtc { time: u64, #[vmstate(range = "0..60")] alarm: u8 }
    ///
    /// enum Dev { Blk(Blk), Rtc(Rtc) }
    ///
    /// impl Dev {
    ///     fn inner(&self) -> &dyn Section {
    ///         match self { Dev::Blk(d) => d, Dev::Rtc(d) => d }
    ///     }
    ///     fn inner_mut(&mut self) -> &mut dyn Section {
    ///         match self { Dev::Blk(d) => d, Dev::Rtc(d) => d }
    ///     }
    /// }
    ///
    /// impl Section for Dev {
    ///     fn description(&self) -> &'static Description { self.inner().description() }
    ///     fn save_native(&self, out: &mut Vec<u8>) -> Result<(), Error> { self.inner().save_native(out) }
    ///     fn check_native(&self, bytes: &[u8], base: usize) -> Result<(), Error> {
    ///         self.inner().check_native(bytes, base)
    ///     }
    ///     fn load_native(&mut self, bytes: &[u8], base: usize) -> Result<(), Error> {
    ///         self.inner_mut().load_native(bytes, base)
    ///     }
    ///     fn load_native_undoable<'s>(&'s mut self, bytes: &[u8], base: usize)
    ///         -> Result<Box<dyn UndoLoad + 's>, Error> {
    ///         self.inner_mut().load_native_undoable(bytes, base)
    ///     }
    /// }
    ///
    /// let blk = Blk { queues: vec![Queue { ready: true, eventfd: 0 }] };
    /// let bytes = machine::save(None, &[(0, &blk), (0, &Rtc { time: 5, alarm: 0 })]).unwrap();
    /// // The RTC's section is refused after the block device loaded: it is put back exactly,
    /// // its queue's host eventfd included.
    /// let mut bad = bytes.clone();
    /// let mut rtc = Vec::new();
    /// Rtc { time: 5, alarm: 0 }.save_native(&mut rtc).unwrap();
    /// let mut wrong = Vec::new();
    /// Rtc { time: 5, alarm: 61 }.save_native(&mut wrong).unwrap();
    /// let at = bad.windows(rtc.len()).position(|w| w == &rtc[..]).unwrap();
    /// bad.splice(at..at + rtc.len(), wrong);
    /// let mut dst = [Dev::Blk(Blk { queues: vec![Queue { ready: false, eventfd: 17 }] }), Dev::Rtc(Rtc::default())];
    /// let [a, b] = &mut dst;
    /// assert!(machine::load(&mut [(0, a as &mut dyn Section), (0, b)], &bad).is_err());
    /// let Dev::Blk(blk) = &dst[0] else { unreachable!() };
    /// assert_eq!((blk.queues[0].ready, blk.queues[0].eventfd), (false, 17));
    /// ```
    fn load_native_undoable<'s>(
        &'s mut self,
        bytes: &[u8],
        base: usize,
    ) -> Result<Box<dyn UndoLoad + 's>, Error> {
        let mut before = Vec::new();
        self.save_native(&mut before)?;
        self.load_native(bytes, base)?;
        Ok(Box::new(Reload {
            device: self,
            before,
            reload: |device, before| device.load_native(before, 0),
        }))
    }
}

/// Undoes one device's load in a [`load`] of several: what
/// [`Section::load_native_undoable`] returns (and a QEMU stream's
/// [`Device::load_qemu_undoable`](crate::qemu::Device::load_qemu_undoable)).
pub trait UndoLoad {
    /// Puts the device back as it was before the load; its hooks run again on that state.
    /// An error says, after the device's name, what state the device is left in and why
    /// ("keeps the loaded state: ...").
    fn undo(self: Box<Self>) -> Result<(), String>;
}

/// The undo of a `VmState` device: the device and the values its load replaced (by either
/// codec).
pub(crate) struct Replaced<'s, T: VmState> {
    pub(crate) device: &'s mut T,
    pub(crate) before: T::Staged,
}

impl<T: VmState> UndoLoad for Replaced<'_, T> {
    fn undo(self: Box<Self>) -> Result<(), String> {
        let Replaced { device, mut before } = *self;
        crate::undo_commit(device, &mut before).map_err(|why| {
            let why = why.in_field(T::DESCRIPTION.name);
            format!("has its values from before again, but its hooks failed on them: {why}")
        })
    }
}

/// The undo of a device written by hand (a [`Section`], or a QEMU stream's
/// [`Device`](crate::qemu::Device)): what it saved before the load, loaded again by `reload`
/// (which the device's own checks may refuse).
pub(crate) struct Reload<'s, D: ?Sized> {
    pub(crate) device: &'s mut D,
    pub(crate) before: Vec<u8>,
    pub(crate) reload: fn(&mut D, &[u8]) -> Result<(), Error>,
}

impl<D: ?Sized> UndoLoad for Reload<'_, D> {
    fn undo(self: Box<Self>) -> Result<(), String> {
        (self.reload)(self.device, &self.before).map_err(|why| {
            format!("keeps the loaded state: its section from before does not load again: {why}")
        })
    }
}

impl<T: VmState> Section for T {
    fn description(&self) -> &'static Description {
        T::DESCRIPTION
    }
    fn save_native(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        crate::save_section(self, out)
    }
    fn check_native(&self, bytes: &[u8], base: usize) -> Result<(), Error> {
        crate::check_section(self, bytes, base)
    }
    fn load_native(&mut self, bytes: &[u8], base: usize) -> Result<(), Error> {
        crate::from_bytes_at(self, bytes, base)
    }
    fn load_native_undoable<'s>(
        &'s mut self,
        bytes: &[u8],
        base: usize,
    ) -> Result<Box<dyn UndoLoad + 's>, Error> {
        let before = crate::native::from_bytes_keeping(self, bytes, base)?;
        Ok(Box::new(Replaced {
            device: self,
            before,
        }))
    }
}

/// One section of a machine stream, located.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] #[vmstate(name = "pic")] struct Pic { enabled: u32 }
/// let bytes = vmstate_core::machine::save(None, &[(1, &Pic { enabled: 1 })]).unwrap();
/// let pic = &vmstate_core::machine::parse(&bytes).unwrap().sections[0];
/// assert_eq!((pic.name.as_str(), pic.instance_id, pic.version), ("pic", 1, 1));
/// // `range` is a whole native section.
/// let frame = vmstate_core::read_frame(&bytes[pic.range.clone()], pic.range.start).unwrap();
/// assert_eq!(frame.name, "pic");
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
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] #[vmstate(name = "pic")] struct Pic { enabled: u32 }
/// let bytes = vmstate_core::machine::save(Some("my-vm"), &[(0, &Pic { enabled: 1 })]).unwrap();
/// let stream = vmstate_core::machine::parse(&bytes).unwrap();
/// assert_eq!(stream.sections[0].name, "pic");
/// // The embedded schema describes every section without the program that wrote it.
/// assert_eq!(stream.schema.machine.as_deref(), Some("my-vm"));
/// assert!(stream.schema.devices.contains_key("pic"));
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

/// The stream ends at `at`, where `part` needs `needed` bytes: [`ErrorKind::Truncated`], as
/// a section cut short is, so that a caller tells a transfer cut short by the kind.
fn truncated(part: &str, needed: usize, bytes: &[u8], at: usize) -> Error {
    let available = bytes.len().saturating_sub(at);
    Error::at(ErrorKind::Truncated { needed, available }, at).in_named(part.to_owned())
}

/// Saves `devices`, each with its instance id, into one machine stream whose trailer
/// describes them (machine type `machine`, if any).
///
/// # Errors
///
/// A device's save error, naming its section as a load's error does (``section `uart`
/// instance 1: uart.fifo: ...``).
pub fn save(machine: Option<&str>, devices: &[(u32, &dyn Section)]) -> Result<Vec<u8>, Error> {
    save_with_schema(devices, &schema_json(machine, devices))
}

/// [`save`] with the trailer's schema JSON given ([`schema_json`]): the descriptions are
/// static, so a caller that saves often builds it once.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] #[vmstate(name = "pic")] struct Pic { enabled: u32 }
/// use vmstate_core::machine;
/// let pic = Pic { enabled: 1 };
/// let json = machine::schema_json(Some("my-vm"), &[(0, &pic)]);
/// let bytes = machine::save_with_schema(&[(0, &pic)], &json).unwrap();
/// assert_eq!(bytes, machine::save(Some("my-vm"), &[(0, &pic)]).unwrap());
/// ```
///
/// # Errors
///
/// A device's save error, naming it.
pub fn save_with_schema(devices: &[(u32, &dyn Section)], json: &str) -> Result<Vec<u8>, Error> {
    device_index(devices.iter().map(|(i, d)| (*i, d.description())))?;
    // (A load does not read the trailer, so it still takes such a device from older streams.)
    refuse_machine_key(devices.iter().map(|(_, d)| d.description()))?;
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    // The trailer's checksum covers the instance ids, which no section's checksum does.
    let mut trailer_crc = crc32fast::Hasher::new();
    for &(instance, dev) in devices {
        out.push(TAG_SECTION);
        let id_at = out.len();
        instance.put_native(&mut out);
        trailer_crc.update(&out[id_at..]);
        // Named as a load's errors name a section (the error's path names the device again).
        let name = dev.description().name;
        dev.save_native(&mut out)
            .map_err(|e| e.in_context(format!("section `{name}` instance {instance}")))?;
    }
    out.push(TAG_END);
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(json.as_bytes());
    trailer_crc.update(json.as_bytes());
    out.extend_from_slice(&trailer_crc.finalize().to_le_bytes());
    Ok(out)
}

/// The schema JSON of a machine stream's trailer: every device's description, keyed by its
/// name (once for several instances).
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] #[vmstate(name = "pic")] struct Pic { enabled: u32 }
/// let (a, b) = (Pic { enabled: 1 }, Pic { enabled: 2 });
/// let json = vmstate_core::machine::schema_json(None, &[(0, &a), (1, &b)]);
/// let schema = vmstate_core::schema::Schema::from_json(&json).unwrap();
/// assert_eq!(schema.devices.len(), 1);
/// ```
pub fn schema_json(machine: Option<&str>, devices: &[(u32, &dyn Section)]) -> String {
    let mut schema = Schema::new(machine);
    for (_, dev) in devices {
        let d = dev.description();
        schema.add(d.name, d);
    }
    schema.to_json_compact()
}

/// Reads a machine stream's structure and its schema; every section's checksum is verified.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] #[vmstate(name = "pic")] struct Pic { enabled: u32 }
/// let mut bytes = vmstate_core::machine::save(None, &[(0, &Pic { enabled: 1 })]).unwrap();
/// assert_eq!(vmstate_core::machine::parse(&bytes).unwrap().sections.len(), 1);
/// bytes[23] ^= 0x01; // the field's byte, inside the section
/// let err = vmstate_core::machine::parse(&bytes).unwrap_err();
/// assert!(err.to_string().contains("checksum"), "{err}");
/// ```
///
/// # Errors
///
/// What is wrong with the stream, and where.
pub fn parse(bytes: &[u8]) -> Result<MachineStream, Error> {
    let (sections, json) = layout(bytes)?;
    let schema = trailer_schema(bytes, json)?;
    Ok(MachineStream { sections, schema })
}

/// The schema JSON at `json` in `bytes`, parsed.
fn trailer_schema(bytes: &[u8], json: Range<usize>) -> Result<Schema, Error> {
    let at = json.start;
    let text = std::str::from_utf8(&bytes[json])
        .map_err(|_| format_error("schema trailer is not UTF-8".into(), at))?;
    Schema::from_json(text).map_err(|e| format_error(format!("schema trailer: {e}"), at))
}

/// The sections and the range of the schema JSON; checksums verified, the JSON not parsed
/// (a load does not need it).
fn layout(bytes: &[u8]) -> Result<(Vec<MachineSection>, Range<usize>), Error> {
    // Cut inside the magic or the format version: a stream cut short, as anywhere else.
    let magic_so_far = &bytes[..bytes.len().min(MAGIC.len())];
    if bytes.len() < 12 && MAGIC.starts_with(magic_so_far) {
        return Err(truncated("stream header", 12, bytes, 0));
    }
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err(format_error(
            "not a vmstate machine stream (bad magic)".into(),
            0,
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(format_error(format!("machine stream format version {version} is not supported (this build reads {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION})"), 8));
    }
    // Version 3's trailer checksum covers the instance ids first.
    let mut trailer_crc = crc32fast::Hasher::new();
    let mut pos = 12;
    let mut sections: Vec<MachineSection> = Vec::new();
    // (name, instance) to the offset of its section.
    let mut seen = std::collections::HashMap::new();
    loop {
        let tag = *bytes
            .get(pos)
            .ok_or_else(|| truncated("end marker", 1, bytes, pos))?;
        pos += 1;
        match tag {
            TAG_END => break,
            TAG_SECTION => {
                if sections.len() == MAX_SECTIONS {
                    return Err(format_error(
                        format!("more than {MAX_SECTIONS} sections: not a machine's stream"),
                        pos - 1,
                    ));
                }
                let (instance_id, used) = u32::get_native(&bytes[pos..]).map_err(|k| {
                    Error::at(k, pos)
                        .in_context(format!("section #{}: instance id", sections.len()))
                })?;
                if version >= 3 {
                    trailer_crc.update(&bytes[pos..pos + used]);
                }
                pos += used;
                let frame = crate::read_frame(&bytes[pos..], pos).map_err(|e| {
                    let n = sections.len();
                    e.in_context(match crate::native::unchecked_section_name(&bytes[pos..]) {
                        Some(name) => format!("section #{n} (`{name}` instance {instance_id})"),
                        None => format!("section #{n}"),
                    })
                })?;
                // The instance id lies outside the section's checksum (the trailer's covers
                // it, checked last): a corrupted one may show here as a second section for
                // a device.
                if let Some(first) = seen.insert((frame.name, instance_id), pos) {
                    let duplicate = ErrorKind::DuplicateSection {
                        name: frame.name.to_owned(),
                        instance: instance_id,
                        first,
                    };
                    return Err(Error::at(duplicate, pos));
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
        .ok_or_else(|| truncated("schema trailer length", 4, bytes, pos))?;
    let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
    pos += 4;
    let json = bytes
        .get(pos..pos.saturating_add(len))
        .ok_or_else(|| truncated("schema trailer", len, bytes, pos))?;
    pos += len;
    let crc = bytes
        .get(pos..pos + 4)
        .ok_or_else(|| truncated("schema trailer checksum", 4, bytes, pos))?;
    let stored = u32::from_le_bytes(crc.try_into().expect("4 bytes"));
    trailer_crc.update(json);
    let computed = trailer_crc.finalize();
    if stored != computed {
        let covers = if version >= 3 {
            "schema trailer (with the instance ids)"
        } else {
            "schema trailer"
        };
        return Err(
            Error::at(ErrorKind::BadChecksum { stored, computed }, pos).in_named(covers.into())
        );
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

/// The bytes of the machine stream at the front of `reader`, and no more (a file, or a
/// socket the stream came over, as [`crate::read_section`] reads a section): then
/// [`load`] or [`parse`] them. Where the stream ends early or is malformed, what was read
/// is returned, and they say what is wrong and where; a failing read is
/// [`ErrorKind::Io`].
///
/// ```
/// # use vmstate_core::machine;
/// # use vmstate_core::VmState;
/// # #[derive(VmState, Default)] #[vmstate(name = "uart")] struct Uart { lcr: u8 }
/// let stream = machine::save(None, &[(0, &Uart { lcr: 3 })]).unwrap();
/// let two = [stream.clone(), stream.clone()].concat();
/// let mut reader = &two[..];
/// assert_eq!(machine::read_stream(&mut reader).unwrap(), stream);
/// let mut uart = Uart::default();
/// machine::load(&mut [(0, &mut uart)], &machine::read_stream(&mut reader).unwrap()).unwrap();
/// assert_eq!(uart.lcr, 3);
/// ```
pub fn read_stream<R: std::io::Read>(mut reader: R) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    append_stream(&mut reader, &mut bytes).map_err(|e| Error::new(ErrorKind::Io(e)))?;
    Ok(bytes)
}

/// [`read_stream`]'s reading: stops where the stream ends or stops making sense.
fn append_stream<R: std::io::Read>(reader: &mut R, bytes: &mut Vec<u8>) -> std::io::Result<()> {
    use crate::native::{append_section, read_up_to, read_varint};
    if !read_up_to(reader, bytes, 12)? || &bytes[..8] != MAGIC {
        return Ok(());
    }
    for _ in 0..=MAX_SECTIONS {
        if !read_up_to(reader, bytes, 1)? {
            return Ok(());
        }
        match bytes[bytes.len() - 1] {
            TAG_SECTION => {
                if read_varint(reader, bytes)?.is_none() || !append_section(reader, bytes)? {
                    return Ok(());
                }
            }
            TAG_END => {
                // The schema trailer: its length, the JSON and its checksum.
                if read_up_to(reader, bytes, 4)? {
                    let len =
                        u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().expect("4 bytes"));
                    read_up_to(reader, bytes, u64::from(len) + 4)?;
                }
                return Ok(());
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

/// Loads a machine stream into `devices`, all or nothing: sections are matched to devices by
/// name and instance (an unknown section, [`ErrorKind::UnknownSection`], or a device with no
/// section, [`ErrorKind::MissingSection`], is refused by name),
/// and every section is checked before any device changes. If a device's load still fails
/// (its container `validate` or a hook: `pre_load`, a derived function, `post_load`), the
/// device itself is left as it was (each load is atomic), and the devices loaded before it
/// are put back: each gets back the very values its load replaced, and its derived functions
/// and `post_load` run again on them, as when a device's own `post_load` fails. The devices
/// the load had not reached are not touched.
///
/// # Errors
///
/// The first problem found, naming the section; no device has changed then. The
/// exceptions, each named by the error, are devices put back after a later device failed: a
/// hand-written [`Section`] (not a `VmState` type), put back by loading its section from
/// before, which its own checks may refuse (it then keeps the loaded state); and a device
/// whose derived functions or `post_load` fail on its restored values (they are back; what
/// the hooks derive from them may not be). The device whose own load failed is put back as a
/// single load is, its hooks run again on the restored values (their failure is not
/// reported: the load's error is).
pub fn load(devices: &mut [(u32, &mut dyn Section)], bytes: &[u8]) -> Result<(), Error> {
    load_with(devices, bytes, LoadOptions::new()).map(drop)
}

/// [`load`], where a device that the stream does not carry keeps its state instead of
/// failing the load, as in QEMU (a device loads from its section when the stream has one):
/// for optional devices, such as one plugged in on the destination only. The devices the
/// stream carries load all or nothing, as with [`load`]; a section for a device the
/// destination lacks is still refused. Returns whether each device (in `devices`' order)
/// was loaded. A corrupted instance id is refused as by [`load`]: the trailer's checksum
/// covers the ids (in streams of format version 3; version 2's does not, and there a
/// corrupted id may load a section into another instance of its device).
///
/// ```
/// use vmstate_core::machine;
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Default, Debug, PartialEq)]
/// #[vmstate(name = "uart")]
/// struct Uart { lcr: u8 }
/// #[derive(VmState, Default, Debug, PartialEq)]
/// #[vmstate(name = "hotplug_nic")]
/// struct Nic { mac: [u8; 6] }
///
/// let bytes = machine::save(None, &[(0, &Uart { lcr: 3 })]).unwrap();
/// let (mut uart, mut nic) = (Uart::default(), Nic { mac: [2, 0, 0, 0, 0, 1] });
/// assert!(machine::load(&mut [(0, &mut uart), (0, &mut nic)], &bytes).is_err());
/// let loaded = machine::load_present(&mut [(0, &mut uart), (0, &mut nic)], &bytes).unwrap();
/// assert_eq!(loaded, [true, false]);
/// assert_eq!((uart.lcr, nic.mac), (3, [2, 0, 0, 0, 0, 1]));
/// ```
pub fn load_present(
    devices: &mut [(u32, &mut dyn Section)],
    bytes: &[u8],
) -> Result<Vec<bool>, Error> {
    load_with(devices, bytes, LoadOptions::new().present_only())
}

/// [`load_present`], dropping the sections named in `dropped`: the devices a newer release
/// of a VMM no longer has, whose state in an older release's stream it leaves behind (every
/// section's checksum is still verified, and the trailer's). Any other section the
/// destination lacks a device for is still refused ([`ErrorKind::UnknownSection`]): a
/// device is dropped by name, on purpose, not because a stream happens to carry it; every
/// instance of it (one instance of a device that the destination still has is not dropped:
/// that is the caller's mistake, [`ErrorKind::Misuse`], as is any device of `devices` named
/// in `dropped`).
///
/// ```
/// use vmstate_core::machine;
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Default)]
/// #[vmstate(name = "uart")]
/// struct Uart { lcr: u8 }
/// #[derive(VmState, Default)]
/// #[vmstate(name = "i8042")]
/// struct Kbd { status: u8 }
///
/// // Release 1 had a keyboard controller; release 2 removed it.
/// let old = machine::save(None, &[(0, &Uart { lcr: 3 }), (0, &Kbd { status: 1 })]).unwrap();
/// let mut uart = Uart::default();
/// assert!(machine::load_present(&mut [(0, &mut uart)], &old).is_err());
/// let loaded = machine::load_present_dropping(&mut [(0, &mut uart)], &old, &["i8042"]).unwrap();
/// assert_eq!((loaded, uart.lcr), (vec![true], 3));
/// ```
pub fn load_present_dropping(
    devices: &mut [(u32, &mut dyn Section)],
    bytes: &[u8],
    dropped: &[&str],
) -> Result<Vec<bool>, Error> {
    load_with(
        devices,
        bytes,
        LoadOptions::new().present_only().dropping(dropped),
    )
}

/// How [`load_with`] loads a machine stream. `LoadOptions::new()` (or `default()`) is
/// [`load`]: every device needs its section, every section its device, and the stream's
/// schema trailer is not read.
///
/// ```
/// use vmstate_core::machine::{self, LoadOptions};
/// use vmstate_core::{ErrorKind, VmState};
///
/// // Two builds that both call version 1 of `timer` their own.
/// #[derive(VmState, Default)]
/// #[vmstate(name = "timer")]
/// struct TimerA { count: u64, limit: u64 }
/// #[derive(VmState, Default)]
/// #[vmstate(name = "timer")]
/// struct TimerB { limit: u64, count: u64 }
///
/// let bytes = machine::save(None, &[(0, &TimerA { count: 5, limit: 100 })]).unwrap();
/// let mut timer = TimerB::default();
/// let err = machine::load_with(&mut [(0, &mut timer)], &bytes, LoadOptions::new().check_schema())
///     .unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::SchemaMismatch { .. }), "{err}");
/// assert_eq!((timer.count, timer.limit), (0, 0)); // nothing loaded
///
/// // Without the check, the sections' bytes alone load, swapped.
/// machine::load(&mut [(0, &mut timer)], &bytes).unwrap();
/// assert_eq!((timer.count, timer.limit), (100, 5));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    present_only: bool,
    dropped: &'a [&'a str],
    check_schema: bool,
}

impl<'a> LoadOptions<'a> {
    /// [`load`]'s options.
    ///
    /// ```
    /// # use vmstate_core::{machine::{self, LoadOptions}, VmState};
    /// # #[derive(VmState, Default)] #[vmstate(name = "uart")] struct Uart { lcr: u8 }
    /// let bytes = machine::save(None, &[(0, &Uart { lcr: 3 })]).unwrap();
    /// let mut uart = Uart::default();
    /// let loaded = machine::load_with(&mut [(0, &mut uart)], &bytes, LoadOptions::new()).unwrap();
    /// assert_eq!((loaded, uart.lcr), (vec![true], 3));
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A device that the stream does not carry keeps its state, as with [`load_present`].
    ///
    /// ```
    /// # use vmstate_core::{machine::{self, LoadOptions}, VmState};
    /// # #[derive(VmState, Default)] #[vmstate(name = "uart")] struct Uart { lcr: u8 }
    /// # #[derive(VmState, Default)] #[vmstate(name = "nic")] struct Nic { mac: [u8; 6] }
    /// let bytes = machine::save(None, &[(0, &Uart { lcr: 3 })]).unwrap();
    /// let (mut uart, mut nic) = (Uart::default(), Nic::default());
    /// let options = LoadOptions::new().present_only();
    /// let loaded = machine::load_with(&mut [(0, &mut uart), (0, &mut nic)], &bytes, options);
    /// assert_eq!(loaded.unwrap(), [true, false]);
    /// ```
    #[must_use]
    pub fn present_only(self) -> Self {
        LoadOptions {
            present_only: true,
            ..self
        }
    }

    /// Drops the sections of the devices named, as [`load_present_dropping`] does (which
    /// also sets [`present_only`](Self::present_only); this does not).
    ///
    /// ```
    /// # use vmstate_core::{machine::{self, LoadOptions}, VmState};
    /// # #[derive(VmState, Default)] #[vmstate(name = "uart")] struct Uart { lcr: u8 }
    /// # #[derive(VmState, Default)] #[vmstate(name = "i8042")] struct Kbd { status: u8 }
    /// let old = machine::save(None, &[(0, &Uart { lcr: 3 }), (0, &Kbd { status: 1 })]).unwrap();
    /// let mut uart = Uart::default();
    /// let options = LoadOptions::new().dropping(&["i8042"]);
    /// machine::load_with(&mut [(0, &mut uart)], &old, options).unwrap();
    /// assert_eq!(uart.lcr, 3);
    /// ```
    #[must_use]
    pub fn dropping(self, dropped: &'a [&'a str]) -> Self {
        LoadOptions { dropped, ..self }
    }

    /// Before any section is checked or loaded, compares the schema the stream carries for
    /// each section that a device takes with that device's description, as
    /// [`compare_schemas`] does, and refuses the load ([`ErrorKind::SchemaMismatch`], listing
    /// the findings) where the compatibility checker finds an error that the load would not
    /// refuse by itself. The sections' bytes cannot tell apart two builds that send one
    /// version: fields reordered or retyped without a version bump load misread. A field
    /// renamed is refused too, as the checker reports it: a rename cannot be told from one
    /// field replaced by another (keep the stream's name with the field's
    /// `#[vmstate(name = "...")]`).
    ///
    /// Left to the load, which refuses them exactly when a stream holds them: a version out
    /// of range, a subsection the destination lacks (a newer release's optional
    /// subsection, which its streams carry only when needed), a length above `max_len`, an
    /// enum value that names no variant. The checker's warnings do not refuse; some say
    /// that a value is not carried (a field moved into a subsection that the older
    /// release's streams lack, a field read from the other release's padding loads as
    /// zero): [`compare_schemas`] gives them, for a policy of one's own.
    ///
    /// Each device type is compared once. A stream of the same build describes each in the
    /// very JSON text the destination's description gives, so the trailer is only split into
    /// its devices' entries, and those compared as text; an entry is parsed, and the checker
    /// run, only where it differs, and entries for sections that no device takes are not
    /// read (a trailer over [`MAX_SCHEMA_BYTES`](crate::schema::MAX_SCHEMA_BYTES) is
    /// refused). Even so it costs more than loading small devices, the reason it is not the
    /// default: the Integrator/CP board's five devices load in about 2 µs, 23 µs with the
    /// check (`cargo bench -p devices --bench board`). It guards against a build's
    /// mistakes, not a hostile stream, which can carry any schema. Streams of format
    /// version 2 carry the same trailer and are checked alike.
    ///
    /// ```
    /// # use vmstate_core::{machine::{self, LoadOptions}, VmState};
    /// #[derive(VmState)]
    /// #[vmstate(name = "uart")]
    /// struct UartV1 { lcr: u8 }
    /// #[derive(VmState, Default)]
    /// #[vmstate(name = "uart", version = 2, minimum_version = 1)]
    /// struct UartV2 { lcr: u8, #[vmstate(since = 2)] scr: u8 }
    ///
    /// // A change the checker passes loads.
    /// let bytes = machine::save(None, &[(0, &UartV1 { lcr: 3 })]).unwrap();
    /// let mut uart = UartV2::default();
    /// let options = LoadOptions::new().check_schema();
    /// machine::load_with(&mut [(0, &mut uart)], &bytes, options).unwrap();
    /// assert_eq!(uart.lcr, 3);
    /// ```
    #[must_use]
    pub fn check_schema(self) -> Self {
        LoadOptions {
            check_schema: true,
            ..self
        }
    }
}

/// The checker's findings, errors and warnings, between the schema trailer of the machine
/// stream `bytes` and `descriptions` (the destination's device types), for each section
/// name that one of them takes, each once: what [`LoadOptions::check_schema`] looks at, for
/// a VMM that logs the warnings or refuses some of them too. The stream is the older
/// release, and only its native format is compared (a `u32` that became a `u64` is no
/// finding). Every checksum is verified; nothing is loaded.
///
/// ```
/// use vmstate_core::machine;
/// use vmstate_core::schema::Rule;
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(name = "timer")]
/// struct Timer { limit: u64 }
/// #[derive(VmState)]
/// #[vmstate(name = "timer")]
/// struct TimerChecked { #[vmstate(range = "..=1000")] limit: u64 }
///
/// let bytes = machine::save(None, &[(0, &Timer { limit: 5 })]).unwrap();
/// let report = machine::compare_schemas(&bytes, &[TimerChecked::DESCRIPTION]).unwrap();
/// assert_eq!((report.errors(), report.warnings()), (0, 1));
/// assert_eq!(report.findings[0].rule, Rule::CheckAdded);
/// // The same build: nothing to report.
/// assert!(machine::compare_schemas(&bytes, &[Timer::DESCRIPTION]).unwrap().findings.is_empty());
/// ```
///
/// # Errors
///
/// A stream that does not parse ([`parse`]'s errors), or whose trailer does not describe a
/// section that one of `descriptions` takes, or describes it malformed
/// ([`ErrorKind::Format`]).
pub fn compare_schemas(bytes: &[u8], descriptions: &[&Description]) -> Result<Report, Error> {
    // Types of one name told apart as a load tells them (each an instance of its own here).
    device_index((0..).zip(descriptions.iter().copied()))?;
    refuse_machine_key(descriptions.iter().copied())?;
    let (sections, json) = layout(bytes)?;
    let compared = stream_schema::compare(descriptions.iter().copied(), &sections, bytes, json)?;
    let findings = compared.into_iter().flat_map(|c| c.report.findings);
    Ok(Report {
        findings: findings.collect(),
    })
}

/// [`load`] with the [`LoadOptions`] given: returns whether each device (in `devices`'
/// order) was loaded. [`load`], [`load_present`] and [`load_present_dropping`] are its
/// common forms.
///
/// # Errors
///
/// As [`load`]'s, and [`ErrorKind::SchemaMismatch`] or a malformed trailer
/// ([`ErrorKind::Format`]) with [`LoadOptions::check_schema`]; no device has changed then.
pub fn load_with(
    devices: &mut [(u32, &mut dyn Section)],
    bytes: &[u8],
    options: LoadOptions<'_>,
) -> Result<Vec<bool>, Error> {
    let LoadOptions {
        present_only,
        dropped,
        check_schema,
    } = options;
    let index = device_index(devices.iter().map(|(i, d)| (*i, d.description())))?;
    // (Nothing to look for in the common case: no device dropped.)
    let listed_and_dropped = match dropped {
        [] => None,
        _ => (devices.iter()).find(|(_, d)| dropped.contains(&d.description().name)),
    };
    if let Some((_, dev)) = listed_and_dropped {
        return Err(Error::new(ErrorKind::Misuse(format!(
            "device `{}` is listed among the devices and among the sections dropped",
            dev.description().name
        ))));
    }
    let (mut sections, json) = layout(bytes)?;
    if !dropped.is_empty() {
        sections.retain(|s| !dropped.contains(&s.name.as_str()));
    }
    if check_schema {
        // (`device_index` above told the types apart.)
        refuse_machine_key(devices.iter().map(|(_, d)| d.description()))?;
        let descriptions = devices.iter().map(|(_, d)| d.description());
        let compared = stream_schema::compare(descriptions, &sections, bytes, json)?;
        stream_schema::refuse_mismatches(compared)?;
    }
    let mut order = Vec::with_capacity(sections.len());
    let mut carried = vec![false; devices.len()];
    for s in &sections {
        let Some(&at) = index.get(&(s.name.as_str(), s.instance_id)) else {
            let unknown = ErrorKind::UnknownSection {
                name: s.name.clone(),
                instance: s.instance_id,
            };
            return Err(Error::at(unknown, s.range.start));
        };
        devices[at]
            .1
            .check_native(&bytes[s.range.clone()], s.range.start)
            .map_err(|e| {
                e.in_context(format!("section `{}` instance {}", s.name, s.instance_id))
            })?;
        order.push(at);
        carried[at] = true;
    }
    for ((instance, dev), &carried) in devices.iter().zip(&carried) {
        if !present_only && !carried {
            let missing = ErrorKind::MissingSection {
                name: dev.description().name.to_owned(),
                instance: *instance,
            };
            return Err(Error::at(missing, bytes.len()));
        }
    }
    // Everything decodes and passes its field checks; a container `validate` or a hook can
    // still fail.
    let mut waiting: Vec<Option<&mut dyn Section>> =
        devices.iter_mut().map(|(_, d)| Some(&mut **d)).collect();
    load_in_turn(sections.iter().zip(&order), |(s, &at)| {
        let name = format!("`{}` instance {}", s.name, s.instance_id);
        // Each device has one section (`layout` refuses a second): it is still waiting.
        let result = match waiting[at].take() {
            Some(dev) => dev.load_native_undoable(&bytes[s.range.clone()], s.range.start),
            None => Err(format_error(
                "a second section for one device".into(),
                s.range.start,
            )),
        };
        result
            .map(|undo| (undo, name))
            .map_err(|e| e.in_context(format!("section `{}` instance {}", s.name, s.instance_id)))
    })?;
    Ok(carried)
}

/// Runs `load` on each of `steps` in turn, all or nothing: each load returns what undoes it
/// and the device's name for messages; when one fails, those before it are undone, last
/// first ([`undo_loads`]), and its error returned; when one panics (a hook's bug), they are
/// undone too before the panic goes on. [`load`]'s and a QEMU stream's
/// [`load_devices`](crate::qemu::load_devices)' last stage.
pub(crate) fn load_in_turn<'d, S>(
    steps: impl IntoIterator<Item = S>,
    mut load: impl FnMut(S) -> Result<(Box<dyn UndoLoad + 'd>, String), Error>,
) -> Result<(), Error> {
    let mut loaded = Vec::new();
    for step in steps {
        // `AssertUnwindSafe`: the devices a panic could leave half-loaded are put back below
        // (a derived one that panicked has put itself back: `commit_staged`).
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(step))) {
            Ok(Ok(done)) => loaded.push(done),
            Ok(Err(e)) => return Err(undo_loads(loaded, e)),
            Err(panic) => {
                // Put back as after an error; a panic of the hooks the undo runs again is
                // dropped: the first panic is the one that goes on.
                let _ = undo_each(loaded);
                std::panic::resume_unwind(panic)
            }
        }
    }
    Ok(())
}

/// Undoes the loads of a [`load_in_turn`] that failed with `error`, last first; each load
/// comes with the device's name for messages. Returns the error, naming any device that
/// is not back as it was (a hand-written one that keeps the loaded state, one whose hooks
/// failed on the restored state). A hook that panics over its restored state does not stop
/// the others' undo; its panic goes on once they are done.
fn undo_loads(loaded: Vec<(Box<dyn UndoLoad + '_>, String)>, error: Error) -> Error {
    let (left, panic) = undo_each(loaded);
    if let Some(panic) = panic {
        std::panic::resume_unwind(panic);
    }
    left.into_iter().fold(error, |error, (device, left)| {
        error.also(format!("{device} {left}"))
    })
}

/// A caught panic's payload.
type Panic = Box<dyn std::any::Any + Send>;

/// Undoes each of `loaded`, last first, whatever the others' undo does: the devices not back
/// as they were (name, why), and the first panic of an undo (its hooks run again).
fn undo_each(
    loaded: Vec<(Box<dyn UndoLoad + '_>, String)>,
) -> (Vec<(String, String)>, Option<Panic>) {
    let (mut left, mut panic) = (Vec::new(), None);
    for (undo, device) in loaded.into_iter().rev() {
        // `AssertUnwindSafe`: a device whose undo panicked is left as the panic left it, and
        // said so by the panic going on.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| undo.undo())) {
            Ok(Ok(())) => {}
            Ok(Err(why)) => left.push((device, why)),
            Err(payload) => {
                panic.get_or_insert(payload);
            }
        }
    }
    (left, panic)
}

/// What two types of one section name must have alike: the description, but for the names
/// of their padding (`replaces`), which no stream carries.
fn same_stream(d: &Description) -> Desc {
    fn forget_padding_names(d: &mut Desc) {
        for f in d.fields.iter_mut().chain(&mut d.not_on_wire) {
            f.replaces = None;
            if let Some(nested) = &mut f.description {
                forget_padding_names(nested);
            }
        }
        d.subsections.iter_mut().for_each(forget_padding_names);
    }
    let mut desc = Desc::from_description(d);
    forget_padding_names(&mut desc);
    desc
}

/// Refuses a device named as the key a schema trailer keeps for the machine type: its entry
/// could not be told from the machine's ([`save`], and a comparison of a trailer).
fn refuse_machine_key<'d>(
    descriptions: impl IntoIterator<Item = &'d Description>,
) -> Result<(), Error> {
    match descriptions.into_iter().find(|d| d.name == MACHINE_KEY) {
        None => Ok(()),
        Some(d) => Err(Error::new(ErrorKind::Misuse(format!(
            "device `{}` is named `{}`, which a machine stream's schema trailer keeps for the \
             machine type; rename it (`#[vmstate(name = \"...\")]`)",
            d.rust_type, d.name
        )))),
    }
}

/// The devices of a [`save`] or [`load`] by (name, instance). A device listed twice, or two
/// types that give one section name, are the caller's mistake: refused, naming them. Types
/// are told apart by their descriptions too: two of one Rust name (`a::Uart` and `b::Uart`,
/// `Fifo<4>` and `Fifo<8>`) whose descriptions differ could not share the trailer's one
/// schema of the name.
fn device_index<'d>(
    devices: impl Iterator<Item = (u32, &'d Description)>,
) -> Result<HashMap<(&'d str, u32), usize>, Error> {
    let mut index = HashMap::new();
    let mut types: HashMap<&'d str, &'d Description> = HashMap::new();
    for (at, (instance, d)) in devices.enumerate() {
        let first = *types.entry(d.name).or_insert(d);
        let clash = if std::ptr::eq(first, d) {
            None
        } else if first.rust_type != d.rust_type {
            Some(format!("{} and {}", first.rust_type, d.rust_type))
        } else if same_stream(first) != same_stream(d) {
            Some(format!("two `{}` described differently", d.rust_type))
        } else {
            None
        };
        if let Some(clash) = clash {
            // Two instantiations of one generic type (`Gpio<8>`, `Gpio<32>`) cannot be named
            // apart by an attribute: each needs a type of its own.
            let fix = if first.rust_type == d.rust_type {
                "rename one (`#[vmstate(name = \"...\")]`), or, for two instantiations of \
                 one generic type, wrap each in a struct of its own name (`#[derive(VmState)] \
                 #[vmstate(name = \"gpio8\")] struct Gpio8 { gpio: Gpio<8> }`)"
            } else {
                "rename one (`#[vmstate(name = \"...\")]`)"
            };
            return Err(Error::new(ErrorKind::Misuse(format!(
                "two device types give the section name `{}` ({clash}): a stream could not \
                 tell their sections apart; {fix}",
                d.name
            ))));
        }
        if index.insert((d.name, instance), at).is_some() {
            return Err(Error::new(ErrorKind::Misuse(format!(
                "device `{}` instance {instance} is listed twice",
                d.name
            ))));
        }
    }
    Ok(index)
}
