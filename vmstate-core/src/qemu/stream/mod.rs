//! QEMU's migration stream: read it into items, and write it back byte for byte.
//!
//! ```text
//! be32 "QEVM", be32 3
//! [0x07 configuration: be32 len, machine name, subsections]
//! sections: 0x01 START / 0x04 FULL: be32 id, u8 len + idstr, be32 instance, be32 version, data
//!           0x02 PART / 0x03 END:   be32 id, data
//!           each followed by the footer 0x7e + be32 id
//! commands: 0x08 be16 command, be16 len, data (e.g. POSTCOPY_ADVISE with dirty-bitmaps on,
//!           SWITCHOVER_START after the RAM in QEMU 10.0)
//! 0x00 EOF
//! [0x06 vmdesc: be32 len, JSON]
//! [anything: QEMU stops reading after the vmdesc]
//! ```
//!
//! Device sections carry no lengths, so the reader takes each FULL section's size from the
//! vmdesc JSON at the end of the stream (as QEMU's `analyze-migration.py` does) and checks
//! that the footer is where the size says (a section whose footer is elsewhere disagrees
//! with its vmdesc entry: refused with both sizes). A stream written with
//! `suppress-vmdesc=on` has no vmdesc: each FULL device section then ends at the first
//! footer with its id that is followed by more of a stream. That is a guess: guest data
//! inside a section (CPU registers, device buffers) can imitate a footer and a section
//! header, so such a stream is fit to be looked at, not to be edited ([`Stream::has_vmdesc`]). Its page size is the configuration's
//! `target-page-bits`, or the size with which the stream reads (refused if two sizes read it
//! differently); without footers either, it cannot be read. RAM sections are walked record
//! by record: their content is kept, not interpreted.

use crate::error::{Error, ErrorKind};
use crate::wire::Cursor;
use std::collections::HashMap;
use std::ops::Range;

mod commands;
mod ram;
mod resize;
pub(crate) mod vmdesc;

use commands::{command, Postcopy};
use ram::{walk_dirty_bitmap, RamBlocks};
use vmdesc::{
    device_size, find_vmdesc, footer_bytes, goes_on, json_values, size_by_footer, SizeUnknown,
    MAX_VMDESC_VALUES,
};

/// `QEVM`.
pub const MAGIC: u32 = 0x5145_564d;
/// The only stream version modern QEMU writes.
pub const FILE_VERSION: u32 = 3;

/// Section type bytes.
pub mod tag {
    /// End of the sections.
    pub const EOF: u8 = 0x00;
    /// First chunk of an iterative section.
    pub const SECTION_START: u8 = 0x01;
    /// Middle chunk of an iterative section.
    pub const SECTION_PART: u8 = 0x02;
    /// Last chunk of an iterative section.
    pub const SECTION_END: u8 = 0x03;
    /// A device's whole state.
    pub const SECTION_FULL: u8 = 0x04;
    /// A subsection inside a device's data.
    pub const SUBSECTION: u8 = 0x05;
    /// The vmdesc JSON trailer.
    pub const VMDESCRIPTION: u8 = 0x06;
    /// The configuration section.
    pub const CONFIGURATION: u8 = 0x07;
    /// A command to the destination (`QEMU_VM_COMMAND`).
    pub const COMMAND: u8 = 0x08;
    /// The footer after every section.
    pub const SECTION_FOOTER: u8 = 0x7e;
}

/// The kind of a section.
///
/// ```
/// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
/// # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
/// # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
/// # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
/// #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
/// # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 5]);
/// # bytes.push(qemu::tag::EOF);
/// let stream = Stream::parse(bytes).unwrap();
/// let kinds: Vec<SectionKind> = stream.sections().map(|s| s.kind).collect();
/// assert_eq!(kinds, [SectionKind::Full]); // a device's whole state; no RAM here
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// `0x01`.
    Start,
    /// `0x02`.
    Part,
    /// `0x03`.
    End,
    /// `0x04`.
    Full,
}

impl SectionKind {
    /// The type byte.
    ///
    /// ```
    /// use vmstate_core::qemu::{tag, SectionKind};
    /// assert_eq!(SectionKind::Full.tag(), tag::SECTION_FULL);
    /// assert_eq!(SectionKind::Start.tag(), 0x01);
    /// ```
    pub fn tag(self) -> u8 {
        match self {
            SectionKind::Start => tag::SECTION_START,
            SectionKind::Part => tag::SECTION_PART,
            SectionKind::End => tag::SECTION_END,
            SectionKind::Full => tag::SECTION_FULL,
        }
    }
}

/// One section of the stream.
///
/// ```
/// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
/// # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
/// # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
/// # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
/// #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
/// # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 5]);
/// # bytes.push(qemu::tag::EOF);
/// let stream = Stream::parse(bytes).unwrap();
/// let s = stream.device("pl031", 0).unwrap();
/// assert_eq!(stream.bytes()[s.range.start], qemu::tag::SECTION_FULL);
/// assert_eq!(&stream.bytes()[s.data.clone()], [0, 0, 0, 5]);
/// assert!(s.footer);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// START, PART, END or FULL.
    pub kind: SectionKind,
    /// The section id (the footer repeats it).
    pub section_id: u32,
    /// The device's idstr; for PART/END, the idstr of the START with the same id.
    pub idstr: String,
    /// The instance id (START/FULL only; PART/END repeat the START's).
    pub instance_id: u32,
    /// The description's version (START/FULL only; PART/END repeat the START's).
    pub version_id: u32,
    /// Bytes of the whole section in the stream, from its type byte through its footer.
    pub range: Range<usize>,
    /// Bytes of its data.
    pub data: Range<usize>,
    /// Whether a footer follows the data (QEMU's `send-section-footer`, on by default).
    pub footer: bool,
}

/// One top-level item of the stream, in order.
///
/// ```
/// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
/// # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
/// # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
/// # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
/// #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
/// # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 5]);
/// # bytes.push(qemu::tag::EOF);
/// use vmstate_core::qemu::Item;
/// let stream = Stream::parse(bytes).unwrap();
/// let listed: Vec<&str> = stream.items().iter().map(|item| match item {
///     Item::Section(s) => s.idstr.as_str(),
///     Item::Eof => "EOF",
///     _ => "other",
/// }).collect();
/// assert_eq!(listed, ["pl031", "EOF"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Item {
    /// The configuration section: the machine type and the bytes of its subsections.
    Configuration {
        /// The machine type (e.g. `integratorcp`), lossily decoded for display.
        machine: String,
        /// The bytes of the machine type as the stream has them (written back unchanged).
        name: Range<usize>,
        /// The raw subsections after the name.
        subsections: Range<usize>,
    },
    /// A section.
    Section(Section),
    /// The end of the sections.
    Eof,
    /// The vmdesc JSON.
    Vmdesc(Range<usize>),
    /// Bytes after the vmdesc, which QEMU never reads (kept, so a rewrite keeps them).
    Trailing(Range<usize>),
    /// A command to the destination (`QEMU_VM_COMMAND`), such as the `POSTCOPY_ADVISE` that a
    /// source with the `postcopy-ram` or `dirty-bitmaps` capability sends first.
    Command {
        /// The command number (QEMU's `enum qemu_vm_cmd`).
        command: u16,
        /// The command's name in QEMU.
        name: &'static str,
        /// The whole item, from its type byte through its data (written back unchanged).
        range: Range<usize>,
    },
}

/// A parsed QEMU migration stream. It borrows nothing: the bytes are kept, and items refer
/// to them by range.
///
/// ```
/// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
/// # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
/// # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
/// # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
/// #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
/// # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 5]);
/// # bytes.push(qemu::tag::EOF);
/// let stream = Stream::parse(bytes.clone()).unwrap();
/// assert_eq!(stream.encode(&[]), bytes); // written back byte for byte
///
/// // Replace the data of section 0 (in `sections()` order).
/// let patched = Stream::parse(stream.encode(&[(0, vec![0, 0, 0, 9])])).unwrap();
/// assert_eq!(patched.data(patched.sections().next().unwrap()), [0, 0, 0, 9]);
/// ```
#[derive(Debug, Clone)]
pub struct Stream {
    bytes: Vec<u8>,
    items: Vec<Item>,
    page_size: u64,
}

fn fmt_err(msg: String, offset: usize) -> Error {
    Error::at(ErrorKind::Format(msg), offset)
}

/// A name read from the stream, as an error message shows it: control characters escaped
/// and cut to 64 characters (a corrupt length makes a "name" of whatever bytes follow).
pub(super) fn shown(name: &str) -> String {
    let escaped: String = name.escape_debug().collect();
    match escaped.char_indices().nth(64) {
        Some((cut, _)) => format!("{}...", &escaped[..cut]),
        None => escaped,
    }
}

/// The stream parser's reader: the codecs' bounds-checked cursor, with errors that name the
/// part of the stream being read.
struct Reader<'a> {
    cur: Cursor<'a>,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Error> {
        self.cur.take(n).map_err(|e| e.in_named(what.to_owned()))
    }
    fn u8(&mut self, what: &str) -> Result<u8, Error> {
        Ok(self.take(1, what)?[0])
    }
    fn be16(&mut self, what: &str) -> Result<u16, Error> {
        Ok(u16::from_be_bytes(
            self.take(2, what)?.try_into().expect("2"),
        ))
    }
    fn be32(&mut self, what: &str) -> Result<u32, Error> {
        Ok(u32::from_be_bytes(
            self.take(4, what)?.try_into().expect("4"),
        ))
    }
    fn be64(&mut self, what: &str) -> Result<u64, Error> {
        Ok(u64::from_be_bytes(
            self.take(8, what)?.try_into().expect("8"),
        ))
    }
    fn short_str(&mut self, what: &str) -> Result<String, Error> {
        let len = self.u8(what)? as usize;
        self.cur.name(len).map_err(|e| e.in_named(what.to_owned()))
    }
    fn peek(&self) -> Option<u8> {
        self.cur.input.get(self.cur.pos).copied()
    }
    fn peek_be64(&self) -> Option<u64> {
        let bytes = self.cur.input.get(self.cur.pos..self.cur.pos + 8)?;
        Some(u64::from_be_bytes(bytes.try_into().expect("8")))
    }
}

impl Stream {
    /// Parses a whole stream.
    ///
    /// ```
    /// let err = vmstate_core::qemu::Stream::parse(b"not a stream".to_vec()).unwrap_err();
    /// assert!(err.to_string().contains("not a QEMU migration stream"));
    /// ```
    pub fn parse(bytes: Vec<u8>) -> Result<Stream, Error> {
        let vmdesc = find_vmdesc(&bytes);
        let json: Option<serde_json::Value> = match &vmdesc {
            Some(r) => {
                // Parsed whole, a JSON value takes tens of times its bytes: bounded first.
                if json_values(&bytes[r.clone()]) > MAX_VMDESC_VALUES {
                    return Err(fmt_err(
                        format!(
                            "the vmdesc JSON holds more than {MAX_VMDESC_VALUES} values, more \
                             than this reader takes (QEMU describes a machine in a few thousand)"
                        ),
                        r.start,
                    ));
                }
                Some(
                    serde_json::from_slice(&bytes[r.clone()])
                        .map_err(|e| fmt_err(format!("vmdesc JSON is malformed: {e}"), r.start))?,
                )
            }
            None => None,
        };
        let page_size = match json.as_ref().map(|j| &j["page_size"]) {
            None | Some(serde_json::Value::Null) => 0,
            Some(v) => match v.as_u64().filter(|n| n.is_power_of_two()) {
                Some(n) => n,
                None => {
                    let at = vmdesc.as_ref().map_or(0, |r| r.start);
                    return Err(fmt_err(
                        format!("vmdesc page_size {v} is not a power of two"),
                        at,
                    ));
                }
            },
        };
        let devices: Vec<&serde_json::Value> = json
            .as_ref()
            .and_then(|j| j["devices"].as_array())
            .map(|d| d.iter().collect())
            .unwrap_or_default();
        let mut stream = Stream {
            bytes: Vec::new(),
            items: Vec::new(),
            page_size,
        };
        if vmdesc.is_some() {
            // QEMU's destination refuses a `target-page-bits` other than its own, whose pages
            // the vmdesc's `page_size` gives.
            match config_page_bits(&bytes) {
                Some((bits, at)) if !(10..=20).contains(&bits) => {
                    return Err(fmt_err(
                        format!("configuration: unsupported target-page-bits {bits}"),
                        at,
                    ))
                }
                Some((bits, at)) if page_size != 0 && 1u64 << bits != page_size => {
                    return Err(fmt_err(
                        format!(
                            "configuration: target-page-bits {bits} ({} bytes) disagree with \
                             the vmdesc's page_size {page_size}",
                            1u64 << bits
                        ),
                        at,
                    ))
                }
                _ => {}
            }
            stream.items = stream.parse_items(&bytes, &devices, vmdesc)?;
            stream.bytes = bytes;
            return Ok(stream);
        }
        // No vmdesc (QEMU's `suppress-vmdesc`): the page size is the configuration's
        // `target-page-bits` when it sends them; else every size a target uses is tried, and
        // the stream must read the same way with each that reads it at all (page contents are
        // guest data: a guest could make a wrong size parse).
        let configured = match config_page_bits(&bytes) {
            Some((bits, _)) if (10..=20).contains(&bits) => Some(1u64 << bits),
            Some((bits, at)) => {
                return Err(fmt_err(
                    format!("configuration: unsupported target-page-bits {bits}"),
                    at,
                ))
            }
            None => None,
        };
        let sizes: Vec<u64> = match configured {
            Some(size) => vec![size],
            None => PAGE_SIZES.to_vec(),
        };
        let mut read: Option<(u64, Vec<Item>)> = None;
        let mut last_error: Option<Error> = None;
        for page_size in sizes {
            stream.page_size = page_size;
            match stream.parse_items(&bytes, &devices, None) {
                Ok(items) => match &read {
                    Some((first, earlier)) if *earlier != items => {
                        return Err(fmt_err(
                            format!("the stream has no vmdesc trailer and reads differently with {first}- and {page_size}-byte pages: its page size is ambiguous"),
                            0,
                        ))
                    }
                    Some(_) => {}
                    None => read = Some((page_size, items)),
                },
                // The failure that got furthest is the most telling.
                Err(e) => {
                    if last_error.as_ref().is_none_or(|l| e.offset() > l.offset()) {
                        last_error = Some(e);
                    }
                }
            }
        }
        match read {
            Some((page_size, items)) => {
                stream.page_size = page_size;
                stream.items = items;
                stream.bytes = bytes;
                Ok(stream)
            }
            None => Err(last_error.expect("at least one page size tried")),
        }
    }

    fn parse_items(
        &self,
        bytes: &[u8],
        devices: &[&serde_json::Value],
        vmdesc: Option<Range<usize>>,
    ) -> Result<Vec<Item>, Error> {
        let mut r = Reader {
            cur: Cursor::new(bytes, 0),
        };
        let magic = r.be32("stream header").map_err(|_| {
            fmt_err(
                "not a QEMU migration stream: shorter than its header".into(),
                0,
            )
        })?;
        if magic != MAGIC {
            return Err(fmt_err(format!("not a QEMU migration stream: magic {magic:#010x}, expected 0x5145564d (\"QEVM\")"), 0));
        }
        let version = r.be32("stream header")?;
        if version != FILE_VERSION {
            return Err(fmt_err(
                format!("unsupported QEMU stream version {version} (only 3 is supported)"),
                4,
            ));
        }
        let mut items = Vec::new();
        // Whether RAM blocks carry their addresses (`x-ignore-shared`): the configuration
        // says; without one (`send-configuration=off`), the block list tells.
        let mut ignore_shared = None;
        // START sections by id (the first of an id wins, as a search from the front would).
        let mut starts: HashMap<u32, (String, u32, u32)> = HashMap::new();
        let mut next_device = 0usize;
        let mut ram = RamBlocks::default();
        let mut footers: Option<bool> = None;
        let mut postcopy = Postcopy::Off;
        // Sections and commands read so far (the configuration and the EOF marker aside).
        let mut kept = 0usize;
        loop {
            let at = r.cur.pos;
            let t = r.u8("section type").map_err(|_| {
                let cut = ErrorKind::Truncated {
                    needed: 1,
                    available: 0,
                };
                Error::at(cut, at).in_named("the section type or EOF marker".into())
            })?;
            match t {
                // QEMU reads the configuration before the sections, and knows no such
                // section type after it.
                tag::CONFIGURATION if !items.is_empty() => {
                    return Err(fmt_err(
                        "a configuration section after the stream's first item (QEMU reads \
                         one, first)"
                            .into(),
                        at,
                    ));
                }
                tag::CONFIGURATION => {
                    let len = r.be32("configuration")? as usize;
                    let name = r.take(len, "configuration machine name")?;
                    let machine = String::from_utf8_lossy(name).into_owned();
                    let sub_start = r.cur.pos;
                    ignore_shared = Some(parse_config_subsections(&mut r)?.ignore_shared);
                    items.push(Item::Configuration {
                        machine,
                        name: sub_start - len..sub_start,
                        subsections: sub_start..r.cur.pos,
                    });
                }
                tag::SECTION_START | tag::SECTION_FULL | tag::SECTION_PART | tag::SECTION_END => {
                    let section_id = r.be32("section id")?;
                    let (kind, idstr, instance_id, version_id) = match t {
                        tag::SECTION_START | tag::SECTION_FULL => {
                            let idstr = r.short_str("section idstr")?;
                            let instance_id = r.be32("instance id")?;
                            let version_id = r.be32("version id")?;
                            if t == tag::SECTION_START {
                                starts.entry(section_id).or_insert((
                                    idstr.clone(),
                                    instance_id,
                                    version_id,
                                ));
                                (SectionKind::Start, idstr, instance_id, version_id)
                            } else {
                                // Two sections of one idstr and instance are read, as QEMU
                                // reads them (each into the first device registered so):
                                // QEMU 7.2 writes two `slirp` sections at instance 0 for a
                                // guest with two `-nic user` backends. What a reader of a
                                // device's state makes of a second copy is its own choice.
                                (SectionKind::Full, idstr, instance_id, version_id)
                            }
                        }
                        _ => {
                            // PART and END continue the START with the same id.
                            let Some((idstr, instance_id, version_id)) =
                                starts.get(&section_id).cloned()
                            else {
                                return Err(fmt_err(
                                    format!("section part for unknown section id {section_id}"),
                                    at,
                                ));
                            };
                            let kind = if t == tag::SECTION_PART {
                                SectionKind::Part
                            } else {
                                SectionKind::End
                            };
                            (kind, idstr, instance_id, version_id)
                        }
                    };
                    let data_start = r.cur.pos;
                    // The versions QEMU's `ram_load` and `dirty_bitmap_load` accept.
                    let known_version = match idstr.as_str() {
                        "ram" => Some(4),
                        "dirty-bitmap" => Some(1),
                        _ => None,
                    };
                    if let Some(known) = known_version.filter(|&v| v != version_id) {
                        return Err(fmt_err(
                            format!(
                                "section `{idstr}` version {version_id}: QEMU reads only version {known}"
                            ),
                            at,
                        ));
                    }
                    // QEMU registers both at instance 0 and finds no other.
                    if known_version.is_some() && instance_id != 0 {
                        return Err(fmt_err(
                            format!(
                                "section `{idstr}` instance {instance_id}: QEMU has only instance 0"
                            ),
                            at,
                        ));
                    }
                    if idstr == "ram" {
                        self.walk_ram(&mut r, ignore_shared, &mut ram)?;
                    } else if idstr == "dirty-bitmap" && kind != SectionKind::Full {
                        walk_dirty_bitmap(&mut r)?;
                    } else if kind == SectionKind::Full {
                        let size = if vmdesc.is_some() {
                            device_size(devices, &mut next_device, &idstr, instance_id, version_id)
                                .map_err(SizeUnknown::from)
                        } else if footers == Some(false) {
                            Err(
                                "the stream has neither a vmdesc trailer nor section footers"
                                    .to_owned()
                                    .into(),
                            )
                        } else {
                            size_by_footer(bytes, data_start, section_id, &starts)
                        };
                        let size = size.map_err(|unknown| {
                            let at_section = format!(
                                "section `{}` instance {instance_id}: its size is unknown: {}",
                                shown(&idstr),
                                unknown.why
                            );
                            match unknown.cut {
                                // Cut short: a receiver tells it by the kind.
                                Some((needed, available, end)) => {
                                    Error::at(ErrorKind::Truncated { needed, available }, end)
                                        .in_context(at_section)
                                }
                                None => fmt_err(at_section, at),
                            }
                        })?;
                        if let (Some(v), false) = (&vmdesc, footers == Some(false)) {
                            // The stream before its trailer, where the EOF marker ends it.
                            let before_trailer = &bytes[..v.start.saturating_sub(5)];
                            sized_as_its_footer_says(
                                before_trailer,
                                data_start,
                                size,
                                section_id,
                                &starts,
                                footers == Some(true),
                            )
                            .map_err(|why| {
                                fmt_err(
                                    format!(
                                        "section `{}` instance {instance_id}: {why}",
                                        shown(&idstr)
                                    ),
                                    at,
                                )
                            })?;
                        }
                        r.take(size, &idstr)?;
                    } else {
                        return Err(fmt_err(
                            format!(
                                "iterative section `{}` is not supported (only `ram` and `dirty-bitmap`)",
                                shown(&idstr)
                            ),
                            at,
                        ));
                    }
                    let data = data_start..r.cur.pos;
                    // Footers are on or off for the whole stream (QEMU's
                    // `send-section-footer`), as the first section shows.
                    let with_footer = *footers.get_or_insert(r.peek() == Some(tag::SECTION_FOOTER));
                    if with_footer {
                        footer(&mut r, section_id, &idstr)?;
                    }
                    kept = one_more_item(kept, at)?;
                    items.push(Item::Section(Section {
                        kind,
                        section_id,
                        idstr,
                        instance_id,
                        version_id,
                        range: at..r.cur.pos,
                        data,
                        footer: with_footer,
                    }));
                }
                tag::COMMAND => {
                    let item = command(&mut r, at)?;
                    if let Item::Command { name, .. } = item {
                        postcopy = postcopy.after(name).map_err(|e| fmt_err(e, at))?;
                    }
                    kept = one_more_item(kept, at)?;
                    items.push(item);
                }
                tag::EOF => {
                    items.push(Item::Eof);
                    break;
                }
                other => return Err(fmt_err(format!("unknown section type {other:#04x}"), at)),
            }
        }
        if let Some(v) = vmdesc {
            let trailer = v.start - 5;
            if r.cur.pos > trailer {
                return Err(fmt_err(
                    "the sections run into the vmdesc trailer: the stream is malformed".into(),
                    trailer,
                ));
            }
            if r.cur.pos < trailer {
                return Err(fmt_err(
                    format!(
                        "{} unexpected bytes after the EOF marker",
                        trailer - r.cur.pos
                    ),
                    r.cur.pos,
                ));
            }
            items.push(Item::Vmdesc(v.clone()));
            r.cur.pos = v.end;
            if v.end < bytes.len() {
                items.push(Item::Trailing(v.end..bytes.len()));
                r.cur.pos = bytes.len();
            }
        }
        if r.cur.pos != bytes.len() {
            return Err(Error::at(
                ErrorKind::TrailingBytes {
                    count: bytes.len() - r.cur.pos,
                },
                r.cur.pos,
            ));
        }
        Ok(items)
    }

    /// The stream's bytes.
    ///
    /// ```
    /// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
    /// # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    /// # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    /// # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
    /// #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
    /// # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 5]);
    /// # bytes.push(qemu::tag::EOF);
    /// let stream = Stream::parse(bytes).unwrap();
    /// assert_eq!(&stream.bytes()[..4], b"QEVM");
    /// ```
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The items, in stream order.
    ///
    /// ```
    /// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
    /// # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    /// # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    /// # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
    /// #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
    /// # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 5]);
    /// # bytes.push(qemu::tag::EOF);
    /// use vmstate_core::qemu::Item;
    /// let stream = Stream::parse(bytes).unwrap();
    /// assert_eq!(stream.items().len(), 2);
    /// assert_eq!(stream.items()[1], Item::Eof);
    /// ```
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The target page size: the vmdesc's; without a vmdesc, the configuration's or the size
    /// with which the stream reads (0 when a vmdesc gives none).
    ///
    /// ```
    /// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
    /// # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    /// # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    /// # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
    /// #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
    /// # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 5]);
    /// # bytes.push(qemu::tag::EOF);
    /// # let json = br#"{"page_size": 4096, "devices": [{"name": "pl031", "instance_id": 0,
    /// #     "fields": [{"name": "lr", "size": 4}]}]}"#;
    /// # let with_vmdesc = |mut bytes: Vec<u8>| {
    /// #     bytes.push(qemu::tag::VMDESCRIPTION);
    /// #     bytes.extend_from_slice(&(json.len() as u32).to_be_bytes());
    /// #     bytes.extend_from_slice(json);
    /// #     bytes
    /// # };
    /// let stream = Stream::parse(with_vmdesc(bytes)).unwrap();
    /// assert_eq!(stream.page_size(), 4096); // the vmdesc's `page_size`
    /// ```
    pub fn page_size(&self) -> u64 {
        self.page_size
    }

    /// The machine type the configuration section names (`integratorcp`), if the stream has
    /// one (QEMU's `send-configuration`, on by default).
    ///
    /// ```
    /// use vmstate_core::qemu::{self, Stream};
    /// let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    /// bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    /// bytes.push(qemu::tag::CONFIGURATION);
    /// bytes.extend_from_slice(&12u32.to_be_bytes());
    /// bytes.extend_from_slice(b"integratorcp");
    /// bytes.push(qemu::tag::EOF);
    /// assert_eq!(Stream::parse(bytes).unwrap().machine(), Some("integratorcp"));
    /// ```
    pub fn machine(&self) -> Option<&str> {
        self.items.iter().find_map(|i| match i {
            Item::Configuration { machine, .. } => Some(machine.as_str()),
            _ => None,
        })
    }

    /// The sections, in stream order.
    pub fn sections(&self) -> impl Iterator<Item = &Section> {
        self.items.iter().filter_map(|i| match i {
            Item::Section(s) => Some(s),
            _ => None,
        })
    }

    /// The first FULL section with this idstr and instance (QEMU loads every one, in order,
    /// into the one device, so where two differ the later wins).
    pub fn device(&self, idstr: &str, instance_id: u32) -> Option<&Section> {
        self.sections().find(|s| {
            s.kind == SectionKind::Full && s.idstr == idstr && s.instance_id == instance_id
        })
    }

    /// The FULL sections of each `wanted` device (idstr and instance), each with its index
    /// into [`Stream::sections`], in stream order: one pass over the stream for any number
    /// of devices. A device wanted twice gets its sections at its first place only.
    pub(crate) fn full_sections_of(&self, wanted: &[(&str, u32)]) -> Vec<Vec<(usize, &Section)>> {
        let mut place: HashMap<(&str, u32), usize> = HashMap::with_capacity(wanted.len());
        for (at, key) in wanted.iter().enumerate() {
            place.entry(*key).or_insert(at);
        }
        let mut found = vec![Vec::new(); wanted.len()];
        for (at, s) in self.sections().enumerate() {
            if s.kind != SectionKind::Full {
                continue;
            }
            if let Some(&i) = place.get(&(s.idstr.as_str(), s.instance_id)) {
                found[i].push((at, s));
            }
        }
        found
    }

    /// The data bytes of a section.
    pub fn data(&self, s: &Section) -> &[u8] {
        &self.bytes[s.data.clone()]
    }

    /// How many bytes follow the vmdesc trailer (QEMU never reads them), if any do.
    ///
    /// ```
    /// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
    /// # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    /// # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    /// # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
    /// #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
    /// # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 5]);
    /// # bytes.push(qemu::tag::EOF);
    /// # let json = br#"{"page_size": 4096, "devices": [{"name": "pl031", "instance_id": 0,
    /// #     "fields": [{"name": "lr", "size": 4}]}]}"#;
    /// # let with_vmdesc = |mut bytes: Vec<u8>| {
    /// #     bytes.push(qemu::tag::VMDESCRIPTION);
    /// #     bytes.extend_from_slice(&(json.len() as u32).to_be_bytes());
    /// #     bytes.extend_from_slice(json);
    /// #     bytes
    /// # };
    /// let mut bytes = with_vmdesc(bytes);
    /// bytes.extend_from_slice(b"junk");
    /// let stream = Stream::parse(bytes.clone()).unwrap();
    /// assert_eq!(stream.trailing_bytes(), Some(4));
    /// assert_eq!(stream.encode(&[]), bytes); // kept on a rewrite
    /// ```
    pub fn trailing_bytes(&self) -> Option<usize> {
        self.items.iter().find_map(|i| match i {
            Item::Trailing(r) => Some(r.len()),
            _ => None,
        })
    }

    /// Whether the stream has a vmdesc trailer: without one, device sections were delimited
    /// by their footers, which guest data inside a section can imitate.
    ///
    /// ```
    /// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
    /// # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    /// # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    /// # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
    /// #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
    /// # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 5]);
    /// # bytes.push(qemu::tag::EOF);
    /// # let json = br#"{"page_size": 4096, "devices": [{"name": "pl031", "instance_id": 0,
    /// #     "fields": [{"name": "lr", "size": 4}]}]}"#;
    /// # let with_vmdesc = |mut bytes: Vec<u8>| {
    /// #     bytes.push(qemu::tag::VMDESCRIPTION);
    /// #     bytes.extend_from_slice(&(json.len() as u32).to_be_bytes());
    /// #     bytes.extend_from_slice(json);
    /// #     bytes
    /// # };
    /// // Without a vmdesc, the sections were delimited by their footers: fit to inspect only.
    /// assert!(!Stream::parse(bytes.clone()).unwrap().has_vmdesc());
    /// assert!(Stream::parse(with_vmdesc(bytes)).unwrap().has_vmdesc());
    /// ```
    pub fn has_vmdesc(&self) -> bool {
        self.items.iter().any(|i| matches!(i, Item::Vmdesc(_)))
    }

    /// The vmdesc JSON, if the stream has one.
    ///
    /// ```
    /// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
    /// # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    /// # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    /// # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
    /// #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
    /// # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 5]);
    /// # bytes.push(qemu::tag::EOF);
    /// # let json = br#"{"page_size": 4096, "devices": [{"name": "pl031", "instance_id": 0,
    /// #     "fields": [{"name": "lr", "size": 4}]}]}"#;
    /// # let with_vmdesc = |mut bytes: Vec<u8>| {
    /// #     bytes.push(qemu::tag::VMDESCRIPTION);
    /// #     bytes.extend_from_slice(&(json.len() as u32).to_be_bytes());
    /// #     bytes.extend_from_slice(json);
    /// #     bytes
    /// # };
    /// let stream = Stream::parse(with_vmdesc(bytes)).unwrap();
    /// let vmdesc = stream.vmdesc().unwrap();
    /// assert_eq!(vmdesc["devices"][0]["fields"][0]["size"], 4);
    /// ```
    pub fn vmdesc(&self) -> Option<serde_json::Value> {
        self.items.iter().find_map(|i| match i {
            Item::Vmdesc(r) => serde_json::from_slice(&self.bytes[r.clone()]).ok(),
            _ => None,
        })
    }

    /// The stream with the data of device sections replaced, each named by its idstr and
    /// instance id as [`Stream::device`] finds it: [`Stream::encode`], checked. Data of
    /// another size than the section's (a subsection sent that was not, a request queued)
    /// rewrites the section's vmdesc entry, which gives readers its size, as `encode` says.
    /// Refused, with nothing written: a stream without a vmdesc (its sections are found by
    /// their footers, which new data could imitate; as `vmstate qemu rewrite` refuses it), a
    /// device the stream has no FULL section for or has several (QEMU loads each, the last
    /// winning), one named twice, and a result that does not read back as the same sections.
    ///
    /// ```
    /// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
    /// # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
    /// # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
    /// # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
    /// #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
    /// # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 5]);
    /// # bytes.push(qemu::tag::EOF);
    /// # let json = br#"{"page_size": 4096, "devices": [{"name": "pl031", "instance_id": 0,
    /// #     "fields": [{"name": "lr", "size": 4}]}]}"#;
    /// # bytes.push(qemu::tag::VMDESCRIPTION);
    /// # bytes.extend_from_slice(&(json.len() as u32).to_be_bytes());
    /// # bytes.extend_from_slice(json);
    /// let stream = Stream::parse(bytes).unwrap(); // a stream with a vmdesc, as QEMU's
    /// let patched = stream.replace_devices(&[("pl031", 0, vec![0, 0, 0, 9])]).unwrap();
    /// let patched = Stream::parse(patched).unwrap();
    /// assert_eq!(patched.data(patched.device("pl031", 0).unwrap()), [0, 0, 0, 9]);
    ///
    /// // Data of another size: the vmdesc entry gives the new size.
    /// let longer = stream.replace_devices(&[("pl031", 0, vec![0, 0, 0, 9, 1])]).unwrap();
    /// let longer = Stream::parse(longer).unwrap();
    /// assert_eq!(longer.data(longer.device("pl031", 0).unwrap()), [0, 0, 0, 9, 1]);
    /// assert_eq!(longer.vmdesc().unwrap()["devices"][0]["fields"][0]["size"], 5);
    ///
    /// assert!(stream.replace_devices(&[("pl031", 1, vec![0; 4])]).is_err());
    /// ```
    pub fn replace_devices(&self, replace: &[(&str, u32, Vec<u8>)]) -> Result<Vec<u8>, Error> {
        self.replace_devices_described(replace, &[])
    }

    /// [`Stream::replace_devices`], with the vmdesc entry of the `i`th device's section, if
    /// its size changes, `described[i]` where that is `Some` (a device's own description of
    /// its data).
    pub(crate) fn replace_devices_described(
        &self,
        replace: &[(&str, u32, Vec<u8>)],
        described: &[Option<serde_json::Value>],
    ) -> Result<Vec<u8>, Error> {
        let refuse = |why: String| Err(Error::new(ErrorKind::Format(why)));
        if !self.has_vmdesc() {
            return refuse(
                "the stream has no vmdesc: its sections are found by their footers, which new \
                 data could imitate, so it is not rewritten"
                    .to_owned(),
            );
        }
        let wanted: Vec<(&str, u32)> = replace.iter().map(|(i, n, _)| (*i, *n)).collect();
        let sections = self.full_sections_of(&wanted);
        let mut by_index: Vec<(usize, Vec<u8>)> = Vec::with_capacity(replace.len());
        let mut replaced = std::collections::HashSet::new();
        for ((idstr, instance_id, data), found) in replace.iter().zip(&sections) {
            let what = || format!("device `{}` instance {instance_id}", shown(idstr));
            // Before the lookup: a device named twice has its sections at its first place.
            if !replaced.insert((*idstr, *instance_id)) {
                let twice = format!("{}: replaced twice", what());
                return Err(Error::new(ErrorKind::Misuse(twice)));
            }
            let (index, _) = match found.as_slice() {
                [only] => *only,
                [_, _, ..] => {
                    return refuse(format!(
                        "{}: the stream has several FULL sections for it (QEMU loads each)",
                        what()
                    ))
                }
                [] => {
                    return refuse(format!(
                        "{}: the stream has no FULL section (a device's section) for it",
                        what()
                    ))
                }
            };
            by_index.push((index, data.clone()));
        }
        let entries: HashMap<usize, serde_json::Value> = (by_index.iter().map(|(i, _)| *i))
            .zip(described)
            .filter_map(|(index, entry)| Some((index, entry.clone()?)))
            .collect();
        // What the parser makes of the result must be these sections with the new data (a
        // RAM section's data is walked as RAM, for one).
        let out = self.encode_described(&by_index, &entries);
        let again = Stream::parse(out.clone()).map_err(|e| {
            Error::new(ErrorKind::Format(format!(
                "the rewritten stream would not read back: {e}"
            )))
        })?;
        let data =
            |s: &Stream| -> Vec<Vec<u8>> { s.sections().map(|x| s.data(x).to_vec()).collect() };
        let mut expected = data(self);
        for (index, new) in &by_index {
            expected[*index].clone_from(new);
        }
        if data(&again) != expected {
            return refuse("the rewritten stream would read back as other sections".to_owned());
        }
        Ok(out)
    }

    /// Writes the stream again from its items, replacing the data of the sections named in
    /// `replace` (by index into [`Stream::sections`], which counts every section, RAM's
    /// included: not the section id). With nothing replaced the output is the input, byte
    /// for byte. A FULL section given data of another size has its vmdesc entry rewritten
    /// to give that size (readers take each section's size from it; QEMU does not read it):
    /// an entry of one field (virtio's opaque `virtio`) keeps that field at the new size, any
    /// other becomes one buffer of the data (the rest of the vmdesc is written again, the
    /// same values). Unchecked: an index past the last section is ignored, and data is
    /// written as given; [`Stream::replace_devices`] checks that the result reads back.
    pub fn encode(&self, replace: &[(usize, Vec<u8>)]) -> Vec<u8> {
        self.encode_described(replace, &HashMap::new())
    }

    /// [`Stream::encode`], with the vmdesc entries of resized sections given by `entries`
    /// (by section index) where it has them.
    fn encode_described(
        &self,
        replace: &[(usize, Vec<u8>)],
        entries: &HashMap<usize, serde_json::Value>,
    ) -> Vec<u8> {
        let replace: HashMap<usize, &[u8]> = (replace.iter())
            .rev() // where two entries name one index, the first wins
            .map(|(i, d)| (*i, d.as_slice()))
            .collect();
        let vmdesc = self.resized_vmdesc(&replace, entries);
        let mut out = Vec::with_capacity(self.bytes.len());
        out.extend_from_slice(&MAGIC.to_be_bytes());
        out.extend_from_slice(&FILE_VERSION.to_be_bytes());
        let mut section_index = 0;
        for item in &self.items {
            match item {
                Item::Configuration {
                    name, subsections, ..
                } => {
                    out.push(tag::CONFIGURATION);
                    out.extend_from_slice(&(name.len() as u32).to_be_bytes());
                    out.extend_from_slice(&self.bytes[name.clone()]);
                    out.extend_from_slice(&self.bytes[subsections.clone()]);
                }
                Item::Section(s) => {
                    let data = (replace.get(&section_index).copied())
                        .unwrap_or(&self.bytes[s.data.clone()]);
                    write_section(&mut out, s, data);
                    section_index += 1;
                }
                Item::Eof => out.push(tag::EOF),
                Item::Vmdesc(r) => {
                    let json = vmdesc
                        .as_deref()
                        .map_or(&self.bytes[r.clone()], str::as_bytes);
                    out.push(tag::VMDESCRIPTION);
                    out.extend_from_slice(&(json.len() as u32).to_be_bytes());
                    out.extend_from_slice(json);
                }
                Item::Trailing(r) | Item::Command { range: r, .. } => {
                    out.extend_from_slice(&self.bytes[r.clone()])
                }
            }
        }
        out
    }
}

/// Appends a section: header, `data`, and its footer if it has one.
///
/// ```
/// use vmstate_core::qemu::{self, Section, SectionKind};
/// let s = Section { kind: SectionKind::Full, section_id: 3, idstr: "pl031".into(),
///     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
/// let mut out = Vec::new();
/// qemu::write_section(&mut out, &s, &[0, 0, 0, 5]);
/// assert_eq!(out[..6], [qemu::tag::SECTION_FULL, 0, 0, 0, 3, 5]); // type, id, idstr length
/// assert_eq!(out[out.len() - 5..], [qemu::tag::SECTION_FOOTER, 0, 0, 0, 3]);
/// ```
///
/// # Panics
///
/// If a section with a header (`Start`, `Full`) has an idstr longer than 255 bytes, which
/// QEMU's wire cannot carry (one length byte; QEMU's own idstrs are at most 255 bytes), and
/// which a stream written anyway would misread. A parsed stream's idstrs always fit.
#[track_caller]
pub fn write_section(out: &mut Vec<u8>, s: &Section, data: &[u8]) {
    let header = matches!(s.kind, SectionKind::Start | SectionKind::Full);
    let idstr_len = u8::try_from(s.idstr.len());
    if header && idstr_len.is_err() {
        panic!(
            "qemu::write_section: idstr `{}` is {} bytes, and QEMU's wire carries at most 255",
            shown(&s.idstr),
            s.idstr.len()
        );
    }
    out.push(s.kind.tag());
    out.extend_from_slice(&s.section_id.to_be_bytes());
    if let (true, Ok(len)) = (header, idstr_len) {
        out.push(len);
        out.extend_from_slice(s.idstr.as_bytes());
        out.extend_from_slice(&s.instance_id.to_be_bytes());
        out.extend_from_slice(&s.version_id.to_be_bytes());
    }
    out.extend_from_slice(data);
    if s.footer {
        out.push(tag::SECTION_FOOTER);
        out.extend_from_slice(&s.section_id.to_be_bytes());
    }
}

fn footer(r: &mut Reader, section_id: u32, idstr: &str) -> Result<(), Error> {
    let at = r.cur.pos;
    let mark = r.u8("section footer")?;
    if mark != tag::SECTION_FOOTER {
        return Err(fmt_err(
            format!(
                "missing section footer for `{}`: found {mark:#04x}",
                shown(idstr)
            ),
            at,
        ));
    }
    let id = r.be32("section footer")?;
    if id != section_id {
        return Err(fmt_err(
            format!(
                "mismatched section id in footer for `{}`: read {id}, expected {section_id}",
                shown(idstr)
            ),
            at,
        ));
    }
    Ok(())
}

/// With a vmdesc, a section's size is what its fields there add up to; where the stream has
/// footers (`footers_on`, or may: the first section tells), this section's footer follows
/// that many bytes of `bytes` (the stream up to its vmdesc trailer). When it does not but is
/// found elsewhere, the section and its vmdesc entry disagree, which is said here: read on,
/// the bytes would be misread from there (a footer's byte taken for the EOF marker,
/// "unexpected bytes after the EOF marker"). A first section followed by what may follow a
/// section (the EOF marker, a section header) is a stream without footers, read on as such
/// (its data may hold bytes like its footer).
fn sized_as_its_footer_says(
    bytes: &[u8],
    data_start: usize,
    size: usize,
    section_id: u32,
    starts: &HashMap<u32, (String, u32, u32)>,
    footers_on: bool,
) -> Result<(), String> {
    let end = data_start.saturating_add(size);
    if bytes.get(end..end.saturating_add(5)) == Some(&footer_bytes(section_id)[..]) {
        return Ok(());
    }
    if data_start > bytes.len() || !footers_on && goes_on(bytes, end, starts) {
        // Past the trailer (said when the stream is read on), or no footers.
        return Ok(());
    }
    match size_by_footer(bytes, data_start, section_id, starts) {
        Ok(found) if found != size => Err(format!(
            "its vmdesc entry's fields take {size} bytes, but its footer comes after {found}: \
             the section and its vmdesc entry disagree (a section cut or padded, or another \
             stream's vmdesc)"
        )),
        // No footer elsewhere: a stream without footers, read on as such.
        _ => Ok(()),
    }
}

/// What the configuration section's subsections say that reading the stream needs.
#[derive(Default)]
struct Config {
    /// The `x-ignore-shared` capability: RAM block records carry an address.
    ignore_shared: bool,
    /// `target-page-bits`, when sent.
    page_bits: Option<(u32, usize)>,
}

/// Walks the configuration section's subsections.
fn parse_config_subsections(r: &mut Reader) -> Result<Config, Error> {
    let mut config = Config::default();
    while r.peek() == Some(tag::SUBSECTION) {
        let at = r.cur.pos;
        r.u8("subsection")?;
        let name = r.short_str("configuration subsection name")?;
        let version_at = r.cur.pos;
        let version = r.be32("configuration subsection version")?;
        // QEMU's three are at version 1 (and minimum version 1) since they were added.
        let known = ["target-page-bits", "capabilities", "uuid"];
        let is_known = (name.strip_prefix("configuration/")).is_some_and(|n| known.contains(&n));
        if is_known && version != 1 {
            return Err(fmt_err(
                format!("configuration subsection `{name}` at version {version} (QEMU's is 1)"),
                version_at,
            ));
        }
        match name.as_str() {
            "configuration/target-page-bits" => {
                config.page_bits = Some((r.be32("target-page-bits")?, r.cur.pos - 4));
            }
            "configuration/capabilities" => {
                let count = r.be32("capabilities count")?;
                // QEMU lists only the capabilities that change the stream, so the
                // destination must have them too (`should_validate_capability`).
                for _ in 0..count {
                    let cap_at = r.cur.pos;
                    match r.short_str("capability")?.as_str() {
                        "x-ignore-shared" => config.ignore_shared = true,
                        "mapped-ram" => {
                            return Err(fmt_err(
                                "the `mapped-ram` capability (RAM pages at fixed offsets of a \
                                 file, QEMU 9.0 and later) is not supported"
                                    .into(),
                                cap_at,
                            ))
                        }
                        other => {
                            return Err(fmt_err(
                                format!(
                                    "unknown migration capability `{}` (the stream needs a \
                                     reader that has it)",
                                    shown(other)
                                ),
                                cap_at,
                            ))
                        }
                    }
                }
            }
            "configuration/uuid" => {
                r.take(16, "uuid")?;
            }
            other => {
                return Err(fmt_err(
                    format!("unknown configuration subsection `{}`", shown(other)),
                    at,
                ))
            }
        }
    }
    Ok(config)
}

/// Page sizes tried for a stream that says neither in a vmdesc nor in its configuration:
/// ARM's smallest (the Integrator/CP's), then those of other targets.
const PAGE_SIZES: [u64; 4] = [1024, 4096, 8192, 16384];

/// The `target-page-bits` of the configuration section and their offset, if the stream
/// starts with one that sends them (whatever else is wrong is left to the parse).
fn config_page_bits(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut r = Reader {
        cur: Cursor::new(bytes, 0),
    };
    r.take(8, "stream header").ok()?;
    if r.u8("section type").ok()? != tag::CONFIGURATION {
        return None;
    }
    let len = r.be32("configuration").ok()? as usize;
    r.take(len, "configuration machine name").ok()?;
    parse_config_subsections(&mut r).ok()?.page_bits
}

/// `kept` sections and commands and one more, the one at `at`; an error past [`MAX_ITEMS`].
fn one_more_item(kept: usize, at: usize) -> Result<usize, Error> {
    if kept == MAX_ITEMS {
        return Err(fmt_err(
            format!(
                "more than {MAX_ITEMS} sections and commands, more than a stream of any machine \
                 holds; refused rather than listed"
            ),
            at,
        ));
    }
    Ok(kept + 1)
}

/// The most sections and commands a stream is read with (2,097,152). Each is kept, in about
/// 100 bytes, and may take as little as 5 bytes of the stream (a repeated command), so a
/// forged stream of 64 MiB would otherwise take 2 GB. A machine's stream has a section per
/// device and a part of each iterative section per round of a live migration: QEMU 7.2 sent
/// 130,000-150,000 RAM and dirty-bitmap parts for an Integrator/CP guest with a dirty bitmap
/// of a 64 MiB drive.
pub const MAX_ITEMS: usize = 1 << 21;
