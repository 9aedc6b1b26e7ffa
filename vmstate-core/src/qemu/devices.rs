//! One's own devices in a QEMU stream: loaded from their FULL sections all or nothing, and
//! saved back into the stream in place of the sections they came from.
//!
//! A device is named by its section's idstr, which is its description's name for most
//! devices and `<bus path>/<name>` for devices on a bus (`0000:00:02.0/e1000`), with an
//! instance id, as QEMU names it. Every other section of the stream (RAM, the CPU, devices
//! one does not have) is left alone.
//!
//! ```
//! use vmstate_core::qemu::{self, Device, Stream};
//! use vmstate_core::VmState;
//!
//! #[derive(VmState, Default, Debug, PartialEq)]
//! #[vmstate(name = "pl031")]
//! struct Rtc { lr: u32 }
//! #[derive(VmState, Default, Debug, PartialEq)]
//! #[vmstate(name = "uart")]
//! struct Uart { cr: u32 }
//!
//! # use vmstate_core::qemu::{Section, SectionKind};
//! # let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
//! # bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
//! # let rtc = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
//! #     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
//! # qemu::write_section(&mut bytes, &rtc, &[0, 0, 0, 7]);
//! # bytes.push(qemu::tag::EOF);
//! # let json = br#"{"page_size": 4096, "devices": [{"name": "pl031", "instance_id": 0,
//! #     "fields": [{"name": "lr", "size": 4}]}]}"#;
//! # bytes.push(qemu::tag::VMDESCRIPTION);
//! # bytes.extend_from_slice(&(json.len() as u32).to_be_bytes());
//! # bytes.extend_from_slice(json);
//! let stream = Stream::parse(bytes).unwrap(); // a stream with `pl031` 0 and a vmdesc
//! let (mut rtc, mut uart) = (Rtc::default(), Uart::default());
//! let devices: &mut [(&str, u32, &mut dyn Device)] = &mut [("pl031", 0, &mut rtc)];
//! qemu::load_devices(&stream, devices).unwrap();
//! assert_eq!(rtc.lr, 7);
//!
//! // A device the stream lacks fails the load, and nothing changes; `load_present_devices`
//! // leaves such a device as it is, as QEMU does.
//! rtc.lr = 0;
//! let err = qemu::load_devices(&stream, &mut [("pl031", 0, &mut rtc), ("uart", 0, &mut uart)]);
//! assert!(err.unwrap_err().to_string().contains("missing section for device `uart` instance 0"));
//! assert_eq!(rtc.lr, 0);
//!
//! // Saved back: the stream with the device's new section data, every other byte as it was.
//! let saved = stream.save_devices(&[("pl031", 0, &Rtc { lr: 9 })]).unwrap();
//! let saved = Stream::parse(saved).unwrap();
//! assert_eq!(saved.data(saved.device("pl031", 0).unwrap()), [0, 0, 0, 9]);
//! ```

use super::stream::vmdesc::{one_buffer, vmdesc_size};
use super::stream::{shown, tag, Section, SectionKind, Stream};
use crate::machine::{self, Reload, Replaced, UndoLoad};
use crate::schema::{Desc, Format};
use crate::{Description, Error, ErrorKind, VmState};
use std::collections::HashSet;

/// A device as a QEMU stream sees it: a machine stream's [`Section`](machine::Section) that
/// also has QEMU's encoding of its section data. Object safe, so that devices of different
/// types go in one list; implemented for every [`VmState`] type.
///
/// ```
/// use vmstate_core::qemu::Device;
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Debug, PartialEq)]
/// #[vmstate(name = "icp_control")]
/// struct IcpControl { intreg_state: u32 }
///
/// let src: &dyn Device = &IcpControl { intreg_state: 8 };
/// let mut data = Vec::new();
/// src.save_qemu(&mut data).unwrap();
/// assert_eq!(data, [0, 0, 0, 8]);
/// let mut dst = IcpControl { intreg_state: 0 };
/// dst.check_qemu(&data, 1, 0).unwrap(); // would load; `dst` is unchanged
/// assert_eq!(dst.intreg_state, 0);
/// dst.load_qemu(&data, 1, 0).unwrap();
/// assert_eq!(dst.intreg_state, 8);
/// ```
pub trait Device: machine::Section {
    /// Appends the device's QEMU section data.
    fn save_qemu(&self, out: &mut Vec<u8>) -> Result<(), Error>;
    /// Checks that `data` is section data written with `version` that this device would
    /// load, without changing the device. `base` is the offset of `data[0]` in the stream,
    /// for messages.
    fn check_qemu(&self, data: &[u8], version: u32, base: usize) -> Result<(), Error>;
    /// Loads section data written with `version` (atomic).
    fn load_qemu(&mut self, data: &[u8], version: u32, base: usize) -> Result<(), Error>;
    /// [`Self::load_qemu`], returning what undoes the load. A `VmState` device keeps the
    /// values the load replaced, and its undo is exact. This default, for a `Device` written
    /// by hand, saves the device first and undoes by loading that data again, which is not
    /// exact for what a load builds afresh: a type that hands the other methods to `VmState`
    /// devices hands this one on too, as
    /// [`Section::load_native_undoable`](crate::machine::Section::load_native_undoable) shows.
    fn load_qemu_undoable<'s>(
        &'s mut self,
        data: &[u8],
        version: u32,
        base: usize,
    ) -> Result<Box<dyn UndoLoad + 's>, Error> {
        let mut before = Vec::new();
        self.save_qemu(&mut before)?;
        self.load_qemu(data, version, base)?;
        // Its data from before, at its own version.
        Ok(Box::new(Reload {
            device: self,
            before,
            reload: |device, before| {
                let version = device.description().version;
                device.load_qemu(before, version, 0)
            },
        }))
    }
}

impl<T: VmState> Device for T {
    fn save_qemu(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        super::save(self, out)
    }
    fn check_qemu(&self, data: &[u8], version: u32, base: usize) -> Result<(), Error> {
        super::check_bytes(self, data, version, base)
    }
    fn load_qemu(&mut self, data: &[u8], version: u32, base: usize) -> Result<(), Error> {
        super::from_bytes(self, data, version, base)
    }
    fn load_qemu_undoable<'s>(
        &'s mut self,
        data: &[u8],
        version: u32,
        base: usize,
    ) -> Result<Box<dyn UndoLoad + 's>, Error> {
        let before = super::from_bytes_keeping(self, data, version, base)?;
        Ok(Box::new(Replaced {
            device: self,
            before,
        }))
    }
}

/// Loads each device from its FULL section in `stream` (by idstr and instance id), all or
/// nothing: every section is decoded and checked before any device changes, and if a
/// device's container `validate` or hook then fails, the devices loaded before it are put
/// back. The devices load in the stream's order, as QEMU loads them. Sections of devices not
/// listed are ignored.
///
/// ```
/// # use vmstate_core::qemu::{self, Section, SectionKind, Stream};
/// # use vmstate_core::VmState;
/// #[derive(VmState, Default)]
/// #[vmstate(name = "icp_pic")]
/// struct Pic { level: u32, #[vmstate(range = "0..=1")] enabled: u32 }
///
/// // A stream with two PICs; the second one's `enabled` is out of its range.
/// let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
/// bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
/// for (instance, data) in [(0, [0, 0, 0, 5, 0, 0, 0, 1]), (1, [0, 0, 0, 6, 0, 0, 0, 2])] {
///     let s = Section { kind: SectionKind::Full, section_id: instance + 1, idstr: "icp_pic".into(),
///         instance_id: instance, version_id: 1, range: 0..0, data: 0..0, footer: true };
///     qemu::write_section(&mut bytes, &s, &data);
/// }
/// bytes.push(qemu::tag::EOF);
/// let stream = Stream::parse(bytes).unwrap();
///
/// let (mut pic0, mut pic1) = (Pic::default(), Pic::default());
/// let err = qemu::load_devices(&stream, &mut [("icp_pic", 0, &mut pic0), ("icp_pic", 1, &mut pic1)])
///     .unwrap_err();
/// assert!(err.to_string().starts_with("section 2 (`icp_pic` instance 1): icp_pic.enabled: value 2"), "{err}");
/// assert_eq!(pic0.level, 0); // all or nothing
/// qemu::load_devices(&stream, &mut [("icp_pic", 0, &mut pic0)]).unwrap();
/// assert_eq!(pic0.level, 5);
/// ```
///
/// # Errors
///
/// The first problem found, naming the section; no device has changed then. Refused by
/// name before any data is read: a device listed twice, a device whose description is not
/// the section's (a section's idstr is the description's name, or `<bus path>/<name>`), a
/// device the stream has no FULL section for ([`ErrorKind::MissingSection`]), or one it has
/// several for (QEMU would load each in turn: [`ErrorKind::DuplicateSection`]). The data
/// are then checked in the stream's order. As with
/// [`machine::load`], a device not back as it was after a later device failed is named: a
/// hand-written [`Device`] that fails to load its data from before, or one whose hooks fail
/// on its restored values.
pub fn load_devices(
    stream: &Stream,
    devices: &mut [(&str, u32, &mut dyn Device)],
) -> Result<(), Error> {
    load_devices_with(stream, devices, LoadOptions::new()).map(drop)
}

/// [`load_devices`], where a device the stream has no section for keeps its state, as in
/// QEMU: for optional devices, such as one plugged in on the destination only. The devices
/// the stream carries load all or nothing. Returns whether each device (in `devices`' order)
/// was loaded.
///
/// ```
/// # use vmstate_core::qemu::{self, Stream};
/// # use vmstate_core::VmState;
/// #[derive(VmState, Default)]
/// #[vmstate(name = "hotplug_nic")]
/// struct Nic { mac: [u8; 6] }
///
/// let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
/// bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
/// bytes.push(qemu::tag::EOF);
/// let stream = Stream::parse(bytes).unwrap(); // no device sections at all
/// let mut nic = Nic { mac: [2, 0, 0, 0, 0, 1] };
/// let loaded = qemu::load_present_devices(&stream, &mut [("hotplug_nic", 0, &mut nic)]).unwrap();
/// assert_eq!((loaded, nic.mac), (vec![false], [2, 0, 0, 0, 0, 1]));
/// ```
pub fn load_present_devices(
    stream: &Stream,
    devices: &mut [(&str, u32, &mut dyn Device)],
) -> Result<Vec<bool>, Error> {
    load_devices_with(stream, devices, LoadOptions::new().present_only())
}

/// How [`load_devices_with`] loads: by default as [`load_devices`] does.
///
/// ```
/// use vmstate_core::qemu::LoadOptions;
/// let options = LoadOptions::new().present_only().check_vmdesc();
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    present_only: bool,
    check_vmdesc: bool,
}

impl LoadOptions {
    /// Every device listed must have its section; the vmdesc is not read.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A device the stream has no section for keeps its state, as
    /// [`load_present_devices`] does.
    #[must_use]
    pub fn present_only(self) -> Self {
        LoadOptions {
            present_only: true,
            ..self
        }
    }

    /// Before any data is checked, compares what the stream's vmdesc says each device's
    /// section sent with the device's description ([`check_sent`](super::check_sent)), and
    /// refuses the load at the first difference ([`ErrorKind::VmdescMismatch`], nothing
    /// loaded), or where the stream has no vmdesc (QEMU leaves it out with
    /// `suppress-vmdesc=on` and of a postcopy migration) or lists a device's section twice.
    /// A section at a version the device does not load is left to the load, which refuses
    /// it by its version. QEMU's loader never reads the vmdesc: a source whose device has
    /// another layout at the same version, fields added without a version bump or two
    /// fields swapped, loads there whenever the sizes add up. A field QEMU renamed between
    /// releases is refused too (a rename cannot be told from a replacement); a port that
    /// loads several releases' streams names its fields as the release it checks against
    /// does. The vmdesc is the source's word, not a guard against a crafted stream, whose
    /// vmdesc can say anything: the load checks the data itself.
    ///
    /// ```
    /// use vmstate_core::qemu::{self, LoadOptions, Stream};
    /// use vmstate_core::{ErrorKind, VmState};
    ///
    /// #[derive(VmState, Default)]
    /// #[vmstate(name = "timer")]
    /// struct Timer { load: u32, control: u32 }
    /// #[derive(VmState, Default)]
    /// #[vmstate(name = "timer")]
    /// struct OtherBuild { control: u32, load: u32 } // the same size, the same version
    ///
    /// let bytes = qemu::write_stream(4096, &[("timer", 0, &OtherBuild { control: 1, load: 500 })]);
    /// let stream = Stream::parse(bytes.unwrap()).unwrap();
    /// let mut timer = Timer::default();
    ///
    /// let checked = LoadOptions::new().check_vmdesc();
    /// let err = qemu::load_devices_with(&stream, &mut [("timer", 0, &mut timer)], checked)
    ///     .unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::VmdescMismatch(_)));
    /// assert!(err.to_string().contains("timer: vmdesc check failed: QEMU's vmdesc lists `control` as field 0"), "{err}");
    /// assert_eq!(timer.load, 0); // nothing was loaded
    ///
    /// // Unchecked, the swapped fields load as QEMU would load them.
    /// qemu::load_devices(&stream, &mut [("timer", 0, &mut timer)]).unwrap();
    /// assert_eq!((timer.load, timer.control), (1, 500));
    /// ```
    #[must_use]
    pub fn check_vmdesc(self) -> Self {
        LoadOptions {
            check_vmdesc: true,
            ..self
        }
    }
}

/// [`load_devices`] with `options`: [`LoadOptions::present_only`] as
/// [`load_present_devices`], [`LoadOptions::check_vmdesc`] to compare the stream's vmdesc
/// with each device's description first. Returns whether each device (in `devices`' order)
/// was loaded.
///
/// # Errors
///
/// As [`load_devices`]', and [`ErrorKind::VmdescMismatch`] where the vmdesc is checked.
pub fn load_devices_with(
    stream: &Stream,
    devices: &mut [(&str, u32, &mut dyn Device)],
    options: LoadOptions,
) -> Result<Vec<bool>, Error> {
    let listed = devices
        .iter()
        .map(|(i, n, d)| (*i, *n, &**d as &dyn Device));
    let found = find_sections(stream, listed, !options.present_only)?;
    // In the stream's order, as QEMU meets them: each checked before any device changes.
    let mut order: Vec<(usize, &Section)> = (found.iter().enumerate())
        .filter_map(|(at, s)| s.map(|s| (at, s)))
        .collect();
    order.sort_by_key(|(_, s)| s.range.start);
    if options.check_vmdesc {
        check_vmdesc(stream, &order, devices)?;
    }
    for &(at, s) in &order {
        (devices[at]
            .2
            .check_qemu(stream.data(s), s.version_id, s.data.start))
        .map_err(|e| e.in_context(section_named(s)))?;
    }
    // Everything decodes and passes its field checks; a container `validate` or a hook can
    // still fail.
    let mut waiting: Vec<Option<&mut dyn Device>> =
        devices.iter_mut().map(|(_, _, d)| Some(&mut **d)).collect();
    machine::load_in_turn(&order, |&(at, s)| {
        let name = format!("`{}` instance {}", shown(&s.idstr), s.instance_id);
        // Each device is listed once (refused above): it is still waiting.
        let dev = waiting[at]
            .take()
            .ok_or_else(|| misuse(format!("{name} twice")))?;
        (dev.load_qemu_undoable(stream.data(s), s.version_id, s.data.start))
            .map(|undo| (undo, name))
            .map_err(|e| e.in_context(section_named(s)))
    })?;
    Ok(found.iter().map(Option::is_some).collect())
}

/// [`LoadOptions::check_vmdesc`]: each section in `order` against its device's description,
/// refused at the first difference.
fn check_vmdesc(
    stream: &Stream,
    order: &[(usize, &Section)],
    devices: &[(&str, u32, &mut dyn Device)],
) -> Result<(), Error> {
    let described: Vec<(&Section, &Description)> = (order.iter())
        .map(|&(at, s)| (s, devices[at].2.description()))
        .collect();
    match vmdesc_differences(stream, &described, true)?
        .into_iter()
        .next()
    {
        Some(difference) => Err(difference),
        None => Ok(()),
    }
}

/// Every difference between what the stream's vmdesc says `sections` sent and their
/// descriptions, one error per section in the order given (after the first, with `first`).
/// A section at a version its description does not load is not compared: the load refuses
/// it by its version, the clearer reason.
fn vmdesc_differences(
    stream: &Stream,
    sections: &[(&Section, &Description)],
    first: bool,
) -> Result<Vec<Error>, Error> {
    let refuse = super::sent::mismatch;
    if sections.is_empty() {
        return Ok(Vec::new());
    }
    let json = stream.items().iter().find_map(|item| match item {
        super::Item::Vmdesc(range) => Some(&stream.bytes()[range.clone()]),
        _ => None,
    });
    let Some(json) = json else {
        return Err(refuse(
            "the stream has no vmdesc to compare the devices' descriptions with (QEMU leaves \
             it out with `suppress-vmdesc=on` and of a postcopy migration)"
                .into(),
        ));
    };
    let keys: Vec<(&str, u32)> = (sections.iter())
        .map(|(s, _)| (s.idstr.as_str(), s.instance_id))
        .collect();
    let entries = super::sent::sent_entries(json, &keys)
        .map_err(|e| refuse(format!("the stream's vmdesc does not read: {e}")))?;
    let mut differences = Vec::new();
    for (&(s, description), sent) in sections.iter().zip(entries) {
        if crate::check_version(description, s.version_id).is_err() {
            continue;
        }
        let compared = match sent {
            Some(sent) => {
                super::check_sent(&Desc::from_description(description), &sent, s.version_id)
            }
            None => Err(refuse(
                "the stream's vmdesc lists no entry for the section".into(),
            )),
        };
        if let Err(e) = compared {
            differences.push(e.in_context(section_named(s)));
            if first {
                break;
            }
        }
    }
    Ok(differences)
}

/// Every section of `devices` (each a section's idstr and instance, and the description of
/// the device that would load it) whose vmdesc entry says another layout was sent: one
/// [`ErrorKind::VmdescMismatch`] each, in `devices`' order, as
/// [`LoadOptions::check_vmdesc`] would refuse the first. For a VMM's own policy (log them
/// all, refuse some); a device the stream has no FULL section for, or whose section is at a
/// version its description does not load, is not compared.
///
/// ```
/// use vmstate_core::qemu::{self, Stream};
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(name = "timer")]
/// struct Timer { load: u32, control: u32 }
/// #[derive(VmState)]
/// #[vmstate(name = "timer")]
/// struct OtherBuild { control: u32, load: u32 }
///
/// let other = OtherBuild { control: 1, load: 500 };
/// let bytes = qemu::write_stream(4096, &[("timer", 0, &other), ("timer", 1, &other)]);
/// let stream = Stream::parse(bytes.unwrap()).unwrap();
/// let devices = [("timer", 0, Timer::DESCRIPTION), ("timer", 1, Timer::DESCRIPTION)];
/// let differences = qemu::compare_vmdesc(&stream, &devices).unwrap();
/// assert_eq!(differences.len(), 2);
/// assert!(differences[1].to_string().starts_with("section 1 (`timer` instance 1): timer: "));
/// ```
///
/// # Errors
///
/// [`ErrorKind::VmdescMismatch`] for the whole stream: it has no vmdesc, or one that does not
/// read or lists a section twice; [`ErrorKind::Misuse`]: a device listed twice.
pub fn compare_vmdesc(
    stream: &Stream,
    devices: &[(&str, u32, &Description)],
) -> Result<Vec<Error>, Error> {
    let mut listed = HashSet::new();
    if let Some(&(idstr, instance, _)) = (devices.iter()).find(|(i, n, _)| !listed.insert((*i, *n)))
    {
        return Err(misuse(format!(
            "{} is listed twice",
            named(idstr, instance)
        )));
    }
    let sections: Vec<(&Section, &Description)> = (devices.iter())
        .filter_map(|&(idstr, instance, d)| Some((stream.device(idstr, instance)?, d)))
        .collect();
    vmdesc_differences(stream, &sections, false)
}

/// A device of a [`load_devices`] list, as messages name it.
fn named(idstr: &str, instance_id: u32) -> String {
    format!("device `{}` instance {instance_id}", shown(idstr))
}

/// A section of the stream, as messages name it.
fn section_named(s: &Section) -> String {
    format!(
        "section {} (`{}` instance {})",
        s.section_id,
        shown(&s.idstr),
        s.instance_id
    )
}

/// The caller's mistake (a device listed twice or misnamed, an argument out of range).
fn misuse(why: String) -> Error {
    Error::new(ErrorKind::Misuse(why))
}

/// Refuses a device whose description is not the one QEMU names its section after: the
/// idstr is the description's name, or `<bus path>/<name>` for a device on a bus.
fn check_named_by_description(idstr: &str, instance: u32, dev: &dyn Device) -> Result<(), Error> {
    let name = dev.description().name;
    let under_bus = (idstr.strip_suffix(name)).is_some_and(|path| path.ends_with('/'));
    if idstr == name || under_bus {
        return Ok(());
    }
    Err(misuse(format!(
        "{} is described as `{}`: its section would be `{}` or `<bus path>/{}` (QEMU names a \
         device's section after its description), so that section is another device's",
        named(idstr, instance),
        shown(name),
        shown(name),
        shown(name)
    )))
}

/// Refuses a device listed twice or described otherwise than its idstr says.
fn check_listed(devices: &[(&str, u32, &dyn Device)]) -> Result<(), Error> {
    let mut listed = HashSet::new();
    for &(idstr, instance, dev) in devices {
        if !listed.insert((idstr, instance)) {
            return Err(misuse(format!(
                "{} is listed twice",
                named(idstr, instance)
            )));
        }
        check_named_by_description(idstr, instance, dev)?;
    }
    Ok(())
}

/// Writes `devices` as a QEMU migration stream of their own, the stream that
/// [`load_devices`] loads them from: QEMU's header, a FULL section for each device (section
/// ids in the list's order, each with its footer, as QEMU writes them), the EOF marker and
/// a vmdesc trailer. The vmdesc gives each section's size, so that [`Stream::parse`] finds
/// where each ends whatever its bytes hold (without it, a section's end is guessed from its
/// footer, which guest data inside the section, a FIFO's bytes, can imitate). It lists the
/// device's fields as QEMU's does (name, type, size, array length, a nested struct's fields,
/// the subsections sent) where the description gives their sizes; otherwise (a `Vec`, a
/// field behind `exists`, a nested struct that sent a subsection, a type with a hand-written
/// encoding) one `buffer` of the section's size, which gives `vmstate qemu inspect
/// --schema` neither which fields behind `exists` were sent nor the length of a sequence
/// counted by a skipped field (such a section may then not decode there; it loads as any).
/// The stream has no RAM, CPU or configuration section: QEMU itself would not load it, this
/// crate's readers and `vmstate qemu inspect` do. `page_size` is the target's page size,
/// which QEMU's vmdesc gives (`TARGET_PAGE_SIZE`: 4096 on x86 and most ARM machines, 1024
/// on the Integrator/CP's): with no RAM sent, only a reader that compares it with a
/// configuration section spliced in front (`target-page-bits`) looks at it.
///
/// ```
/// use vmstate_core::qemu::{self, Device, Stream};
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Default, Debug, PartialEq)]
/// #[vmstate(name = "uart")]
/// struct Uart { lcr: u8, #[vmstate(max_len = 16)] fifo: Vec<u8> }
///
/// // Guest data that looks like the section's footer and another section's header.
/// let fifo = vec![0x7e, 0, 0, 0, 0, 0x04, 0, 0, 0, 9, 1, b'x', 0, 0, 0, 0];
/// let src = Uart { lcr: 3, fifo };
/// let bytes = qemu::write_stream(4096, &[("uart", 0, &src)]).unwrap();
///
/// let stream = Stream::parse(bytes).unwrap();
/// let mut dst = Uart::default();
/// qemu::load_devices(&stream, &mut [("uart", 0, &mut dst)]).unwrap();
/// assert_eq!(dst, src);
/// ```
///
/// # Errors
///
/// [`ErrorKind::Misuse`]: a device listed twice or described otherwise than its idstr says
/// (as [`load_devices`] refuses them), an idstr longer than QEMU's 255 bytes, a page size that
/// is not a power of two from 1024 to 1 MiB. A device's save error, naming the device.
pub fn write_stream(
    page_size: u32,
    devices: &[(&str, u32, &dyn Device)],
) -> Result<Vec<u8>, Error> {
    check_listed(devices)?;
    // What QEMU's targets have (`TARGET_PAGE_BITS` 10 to 16) and readers take (up to 20).
    if !page_size.is_power_of_two() || !(1 << 10..=1 << 20).contains(&page_size) {
        return Err(misuse(format!(
            "page size {page_size}: a target's page size is a power of two from 1024 to 1 MiB"
        )));
    }
    let mut out = Vec::new();
    out.extend_from_slice(&super::MAGIC.to_be_bytes());
    out.extend_from_slice(&super::FILE_VERSION.to_be_bytes());
    let mut vmdesc = Vec::with_capacity(devices.len());
    for (section_id, &(idstr, instance, dev)) in (0u32..).zip(devices) {
        if idstr.len() > 255 {
            return Err(misuse(format!(
                "{}: its idstr is {} bytes, and QEMU's wire carries at most 255",
                named(idstr, instance),
                idstr.len()
            )));
        }
        let mut data = Vec::new();
        dev.save_qemu(&mut data)
            .map_err(|e| e.in_context(named(idstr, instance)))?;
        let description = dev.description();
        let section = Section {
            kind: SectionKind::Full,
            section_id,
            idstr: idstr.to_owned(),
            instance_id: instance,
            version_id: description.version,
            range: 0..0,
            data: 0..0,
            footer: true,
        };
        super::write_section(&mut out, &section, &data);
        let mut entry = vmdesc_entry(description, &data);
        entry["name"] = idstr.into();
        entry["instance_id"] = instance.into();
        vmdesc.push(entry);
    }
    out.push(tag::EOF);
    let json = serde_json::json!({ "page_size": page_size, "devices": vmdesc }).to_string();
    let len = u32::try_from(json.len())
        .map_err(|_| misuse("the vmdesc trailer would exceed 4 GiB".to_owned()))?;
    out.push(tag::VMDESCRIPTION);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(json.as_bytes());
    Ok(out)
}

/// A device's vmdesc entry (but its `name` and `instance_id`) for its section `data`: its
/// fields and the subsections sent, when those give the data's size, else one buffer.
fn vmdesc_entry(description: &Description, data: &[u8]) -> serde_json::Value {
    let desc = Desc::from_description(description);
    let decoded = crate::schema::decode(&desc, Format::Qemu, data, description.version, 0);
    (decoded.ok())
        .filter(|(_, used)| *used == data.len())
        .map(|(decoded, _)| fields_entry(&desc, &decoded))
        .filter(|entry| vmdesc_size(entry) == Some(data.len()))
        .unwrap_or_else(|| {
            serde_json::json!({
                "vmsd_name": description.name,
                "version": description.version,
                "fields": one_buffer(data.len()),
            })
        })
}

/// QEMU's vmdesc entry for a description: its fields, and the subsections `decoded` has.
fn fields_entry(desc: &Desc, decoded: &serde_json::Value) -> serde_json::Value {
    let fields: Vec<_> = (desc.fields.iter())
        .map(|f| {
            let mut e = serde_json::json!({
                "name": f.field,
                "type": f.wire_type.clone().unwrap_or_else(|| "buffer".into()),
                "size": f.size,
            });
            if let Some(n) = f.array_len {
                e["array_len"] = n.into();
            }
            // A nested struct's fields, as QEMU lists them (its subsections are not: a
            // struct that sent one takes more bytes than its size, and the entry is not used).
            if let Some(nested) = &f.description {
                e["struct"] = fields_entry(nested, &serde_json::Value::Null);
            }
            e
        })
        .collect();
    let subsections: Vec<_> = (desc.subsections.iter())
        .filter(|s| decoded["subsections"].get(&s.name).is_some())
        .map(|s| fields_entry(s, &decoded["subsections"][&s.name]))
        .collect();
    let mut entry = serde_json::json!({
        "vmsd_name": desc.name,
        "version": desc.version_id,
        "fields": fields,
    });
    if !subsections.is_empty() {
        entry["subsections"] = subsections.into();
    }
    entry
}

/// Each listed device's one FULL section (`None`: the stream has none), by the list's order;
/// a device listed twice or described otherwise, a missing one (if `every_device`) or one
/// with several sections is refused.
fn find_sections<'s, 'd>(
    stream: &'s Stream,
    devices: impl Iterator<Item = (&'d str, u32, &'d dyn Device)>,
    every_device: bool,
) -> Result<Vec<Option<&'s Section>>, Error> {
    let devices: Vec<(&str, u32, &dyn Device)> = devices.collect();
    check_listed(&devices)?;
    let wanted: Vec<(&str, u32)> = devices.iter().map(|(i, n, _)| (*i, *n)).collect();
    let mut found = Vec::with_capacity(devices.len());
    for (&(idstr, instance), sections) in wanted.iter().zip(stream.full_sections_of(&wanted)) {
        match sections.as_slice() {
            [(_, only)] => found.push(Some(*only)),
            [(_, first), (_, second), ..] => {
                let duplicate = ErrorKind::DuplicateSection {
                    name: idstr.to_owned(),
                    instance,
                    first: first.range.start,
                };
                return Err(Error::at(duplicate, second.range.start));
            }
            [] if every_device => {
                let missing = ErrorKind::MissingSection {
                    name: idstr.to_owned(),
                    instance,
                };
                return Err(Error::at(missing, stream.bytes().len()));
            }
            [] => found.push(None),
        }
    }
    Ok(found)
}

impl Stream {
    /// Writes the stream again with each device's section data saved from the device (by
    /// idstr and instance id, as [`load_devices`] finds them, refusing what it refuses by
    /// name), every other byte as it was: [`Stream::replace_devices`] with the devices' QEMU
    /// encoding, refused where it is refused (no vmdesc). A section whose data changes size
    /// (a subsection sent that was not) gets a vmdesc entry from the device's description, as
    /// [`write_stream`] writes one; the others keep QEMU's. Each section's header is kept, so
    /// a device at another version than its section's is refused; data of the same size but
    /// another layout (one subsection in place of another) would leave the vmdesc describing
    /// the old layout, which QEMU does not read on load, but tools do.
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
    /// # use vmstate_core::VmState;
    /// #[derive(VmState)]
    /// #[vmstate(name = "pl031")]
    /// struct Rtc { lr: u32 }
    ///
    /// let stream = Stream::parse(bytes).unwrap(); // a stream with a vmdesc, as QEMU's
    /// let out = stream.save_devices(&[("pl031", 0, &Rtc { lr: 9 })]).unwrap();
    /// let out = Stream::parse(out).unwrap();
    /// assert_eq!(out.data(out.device("pl031", 0).unwrap()), [0, 0, 0, 9]);
    /// ```
    pub fn save_devices(&self, devices: &[(&str, u32, &dyn Device)]) -> Result<Vec<u8>, Error> {
        let found = find_sections(self, devices.iter().copied(), true)?;
        let mut replace = Vec::with_capacity(devices.len());
        let mut described = Vec::with_capacity(devices.len());
        for (&(idstr, instance, dev), section) in devices.iter().zip(found) {
            let section = section.expect("every device has its section");
            // The header (and the vmdesc) keep the section's version: data of another would
            // be read as the stream's version says.
            let version = dev.description().version;
            if section.version_id != version {
                return Err(Error::at(
                    ErrorKind::Format(format!(
                        "{}: this build saves version {version} and the stream's section is at \
                         version {} (its header is kept, so the data would be read as that \
                         version's)",
                        section_named(section),
                        section.version_id
                    )),
                    section.range.start,
                ));
            }
            let mut data = Vec::new();
            dev.save_qemu(&mut data)
                .map_err(|e| e.in_context(named(idstr, instance)))?;
            let resized = data.len() != section.data.len();
            described.push(resized.then(|| vmdesc_entry(dev.description(), &data)));
            replace.push((idstr, instance, data));
        }
        self.replace_devices_described(&replace, &described)
    }
}
