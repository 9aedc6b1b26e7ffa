//! The board and a QEMU migration stream: inspect a stream's sections, load the ported ones
//! into the Rust devices, and rewrite a stream through the device models.
//!
//! ```
//! use devices::{qemu_image, IntegratorCp};
//! use vmstate_core::qemu::Stream;
//!
//! let stream = qemu_image::save_board(&IntegratorCp::new(32)).unwrap();
//! // Enable two inputs of the secondary PIC, through its register model.
//! let writes = ["icp_pic:1@0x8=0x3".parse().unwrap()];
//! let patched = qemu_image::rewrite(stream, &writes).unwrap();
//!
//! let board = qemu_image::load_board(&Stream::parse(patched).unwrap()).unwrap();
//! assert_eq!(board.sic.irq_enabled, 0x3);
//! ```

use crate::board::{IntegratorCp, SECTIONS};
use crate::clock::FakeClock;
use crate::pl031::Pl031;
use crate::qemu_sections;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use vmstate_core::qemu::{SectionKind, Stream};
use vmstate_core::schema::{decode, decode_with_budget, Desc, Format, MAX_VALUES};
use vmstate_core::{Error, VmState};

mod vmdesc;
pub use vmstate_core::qemu::{sent_description, vmdesc_names};

/// The RAM size the board is created with when a stream does not say (QEMU's default for
/// the fixtures: `-m 32`). Only creation values that QEMU's sections do not carry depend on it.
pub const DEFAULT_MEMSZ_MIB: u32 = 32;

/// A 32-bit register write aimed at a device section: `IDSTR[:INSTANCE]@OFFSET=VALUE`.
///
/// ```
/// use devices::qemu_image::MmioWrite;
/// let unlock = MmioWrite { idstr: "integratorcm".into(), instance: 0, offset: 0x14, value: 0xa05f };
/// assert_eq!("integratorcm@0x14=0xa05f".parse::<MmioWrite>(), Ok(unlock));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MmioWrite {
    /// The section's idstr.
    pub idstr: String,
    /// The instance id (default 0).
    pub instance: u32,
    /// The register's offset in the device's window.
    pub offset: u64,
    /// The value written.
    pub value: u32,
}

impl std::str::FromStr for MmioWrite {
    type Err = String;

    /// Parses `IDSTR[:INSTANCE]@OFFSET=VALUE`; numbers in `0x` hex or decimal.
    ///
    /// ```
    /// use devices::qemu_image::MmioWrite;
    /// let w: MmioWrite = "icp_pic:1@0x8=0x3".parse().unwrap();
    /// assert_eq!((w.idstr.as_str(), w.instance, w.offset, w.value), ("icp_pic", 1, 8, 3));
    /// assert!("integratorcm@0x8".parse::<MmioWrite>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || {
            format!("`{s}`: expected IDSTR[:INSTANCE]@OFFSET=VALUE, e.g. integratorcm@0x14=0xa05f")
        };
        let (target, rest) = s.split_once('@').ok_or_else(usage)?;
        let (offset, value) = rest.split_once('=').ok_or_else(usage)?;
        let target = target.trim();
        let (idstr, instance) = match target.split_once(':') {
            Some((i, n)) => (
                i,
                parse_number(n).map_err(|e| format!("`{s}`: instance: {e}"))?,
            ),
            None => (target, 0),
        };
        if idstr.is_empty() {
            return Err(usage());
        }
        Ok(MmioWrite {
            idstr: idstr.to_owned(),
            instance: u32::try_from(instance)
                .map_err(|_| format!("`{s}`: instance out of range"))?,
            offset: parse_number(offset).map_err(|e| format!("`{s}`: offset: {e}"))?,
            value: u32::try_from(parse_number(value).map_err(|e| format!("`{s}`: value: {e}"))?)
                .map_err(|_| format!("`{s}`: value does not fit 32 bits"))?,
        })
    }
}

/// Parses `0x`-prefixed hex or decimal (digits only: no sign).
///
/// ```
/// use devices::qemu_image::parse_number;
/// assert_eq!(parse_number(" 0x14 "), Ok(0x14));
/// assert!(parse_number("+5").unwrap_err().contains("not a number"));
/// assert!(parse_number("99999999999999999999").unwrap_err().contains("too large"));
/// ```
pub fn parse_number(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, radix) = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (t, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(format!("`{s}` is not a number (use 0x-hex or decimal)"));
    }
    u64::from_str_radix(digits, radix).map_err(|_| format!("`{s}` is too large"))
}

/// Why a stream could not be inspected or rewritten.
///
/// ```
/// use devices::{qemu_image::{self, ImageError}, IntegratorCp};
/// let stream = qemu_image::save_board(&IntegratorCp::new(32)).unwrap();
/// let err = qemu_image::rewrite(stream, &["pl011@0x0=0x41".parse().unwrap()]).unwrap_err();
/// assert!(matches!(err, ImageError::UnknownTarget(_)), "{err}");
/// ```
#[derive(Debug)]
pub enum ImageError {
    /// The stream itself, or a ported section in it, is invalid.
    Stream(Error),
    /// An `--mmio` write names a section that is not a ported device in the stream.
    UnknownTarget(String),
    /// An `--mmio` write would not do what it says: outside the device's window, unaligned,
    /// to a register the model ignores, or with an effect a stream cannot carry.
    RefusedWrite(String),
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::Stream(e) => write!(f, "{e}"),
            ImageError::UnknownTarget(t) | ImageError::RefusedWrite(t) => write!(f, "{t}"),
        }
    }
}

impl std::error::Error for ImageError {}

impl From<Error> for ImageError {
    fn from(e: Error) -> Self {
        ImageError::Stream(e)
    }
}

/// The source's virtual clock when it stopped, in ns, from QEMU's `timer` section: a stopped
/// VM's `QEMU_CLOCK_VIRTUAL` is `cpu_clock_offset` (the third field, version 2). `Ok(0)` for
/// a stream without the section (ours); `Err` when the clock cannot be known: an older
/// section, or one with the `timer/icount` subsection (the clock then counts instructions,
/// at a scale the stream does not carry).
fn virtual_clock_ns(stream: &Stream) -> Result<u64, &'static str> {
    let Some(sec) = stream.device("timer", 0) else {
        return Ok(0);
    };
    let data = stream.data(sec);
    match data.get(16..24) {
        Some(offset) if sec.version_id >= 2 && data.len() == 24 => {
            let ns = i64::from_be_bytes(offset.try_into().expect("8 bytes"));
            Ok(ns.max(0) as u64)
        }
        _ if data.len() > 24 => Err("the source's virtual clock counts instructions (-icount), \
             at a scale the stream does not carry"),
        _ => Err("the stream's `timer` section does not carry the virtual clock"),
    }
}

/// What the clocks and a rewrite need of the stream's PL031 section, decoded once.
struct RtcSection {
    tick_offset_vmstate: u32,
    /// The `pl031/tick-offset` subsection's offset, when the stream carries it (QEMU's
    /// `migrate-tick-offset`, on by default).
    tick_offset: Option<u32>,
    /// The raw interrupt status.
    is: u32,
}

impl RtcSection {
    /// The stream's PL031 section, if it has one this build reads.
    fn of(stream: &Stream) -> Option<Self> {
        let sec = stream.device("pl031", 0)?;
        let desc = Desc::from_description(Pl031::DESCRIPTION);
        let (v, _) = decode(
            &desc,
            Format::Qemu,
            stream.data(sec),
            sec.version_id,
            sec.data.start,
        )
        .ok()?;
        let word = |v: &serde_json::Value| v.as_u64().map(|n| n as u32);
        Some(RtcSection {
            tick_offset_vmstate: word(&v["tick_offset_vmstate"])?,
            tick_offset: word(&v["subsections"]["pl031/tick-offset"]["tick_offset"]),
            is: word(&v["is"])?,
        })
    }

    /// (RTC clock − virtual clock) of the source at the stop in whole seconds, modulo 2^32,
    /// as QEMU's PL031 `pre_save` truncated it: the difference of the two offsets, when the
    /// section carries the subsection.
    fn clock_lead_s(&self) -> Option<u32> {
        Some(self.tick_offset_vmstate.wrapping_sub(self.tick_offset?))
    }
}

/// How far the RTC's count at the stop may be from what the stream shows, and why.
struct CountDoubt {
    /// The other possible count's offset from the shown one: +1, or -1 for an RTC clock
    /// behind the virtual clock.
    other: i32,
    /// Why the stream cannot tell.
    why: &'static str,
}

/// QEMU counts `tick_offset` plus the RTC clock's whole seconds, and its `pre_save` stores
/// `tick_offset` plus (RTC clock − virtual clock) truncated to whole seconds; the stream has
/// that and the virtual clock, not the RTC clock's fraction of a second. Unless the RTC runs
/// on the virtual clock (`-rtc clock=vm`: the two offsets are equal; taken as exact), the two
/// clocks' fractions can add up to one more second. `None` when the count is exact.
fn rtc_count_doubt(rtc: Option<&RtcSection>) -> Option<CountDoubt> {
    // The virtual clock counts the VM's run time, so an RTC clock behind it is behind by
    // little; a lead past 2^31 s (a host clock after January 2038) is still ahead.
    const FAR_BEHIND_S: u32 = 1 << 24;
    match rtc.and_then(RtcSection::clock_lead_s) {
        Some(0) => None,
        Some(lead) => Some(CountDoubt {
            other: if lead.wrapping_neg() < FAR_BEHIND_S {
                -1
            } else {
                1
            },
            why: "the source's RTC clock is not its virtual clock (QEMU's default \
                  `-rtc clock=host`, or `clock=rt`) and the stream does not carry that \
                  clock's fraction of a second (a source run with `-rtc clock=vm` has an \
                  exact count)",
        }),
        None => Some(CountDoubt {
            other: 1,
            why: "the PL031 section lacks the `pl031/tick-offset` subsection (QEMU's \
                  `migrate-tick-offset=off`), so the RTC's clock cannot be told from the \
                  virtual clock, nor that clock's fraction of a second",
        }),
    }
}

/// The clocks of the source when it stopped, frozen: the virtual clock from the `timer`
/// section, and the RTC clock ahead of it by the difference between the PL031 section's
/// two offsets, so `pre_save` recomputes the same `tick_offset_vmstate` (QEMU's value is
/// relative to the source's clocks) and the RTC counts what the guest would have read
/// (within a second: see [`rtc_count_doubt`]).
fn frozen_board(rtc: Option<&RtcSection>, vm_ns: u64) -> IntegratorCp {
    let delta_s = rtc.and_then(RtcSection::clock_lead_s).unwrap_or(0);
    // Created at virtual time 0, as QEMU's destination creates its devices before the
    // stream sets its clock: the core module's reference counter (CM_REFCNT, whose offset
    // is taken at creation and not migrated) then goes on from the source's count.
    let vm_clock = Arc::new(FakeClock::new(0));
    let board = IntegratorCp::with_clocks(
        DEFAULT_MEMSZ_MIB,
        vm_clock.clone(),
        Arc::new(FakeClock::new(vm_ns.saturating_add(
            u64::from(delta_s).saturating_mul(1_000_000_000),
        ))),
    );
    vm_clock.set(vm_ns);
    board
}

/// Loads every ported section of `stream` into a new board (on frozen clocks, see
/// [`rewrite`]). Sections of devices the board does not have are left alone.
///
/// The board is configured like the source where the stream shows it: a PL031 section
/// without the `pl031/tick-offset` subsection comes from a QEMU with
/// `migrate-tick-offset=off`, and the board's RTC then leaves the subsection out too, so a
/// rewrite keeps the stream's shape (and its vmdesc true).
pub fn load_board(stream: &Stream) -> Result<IntegratorCp, Error> {
    let vm_ns = virtual_clock_ns(stream).unwrap_or(0);
    load_board_at(stream, vm_ns, RtcSection::of(stream).as_ref())
}

/// [`load_board`] on a virtual clock at `vm_ns`.
fn load_board_at(
    stream: &Stream,
    vm_ns: u64,
    rtc: Option<&RtcSection>,
) -> Result<IntegratorCp, Error> {
    let mut board = frozen_board(rtc, vm_ns);
    // Where each section read here starts, to refuse a second one: a board device's, and
    // QEMU's `timer` (the virtual clock the RTC counts from). QEMU would load both copies
    // into the one device, the later winning; no QEMU sends these twice, and a rewrite
    // could not keep both copies.
    let mut read: HashMap<(&str, u32), usize> = HashMap::new();
    for sec in stream.sections().filter(|s| s.kind == SectionKind::Full) {
        let on_board = board.section(&sec.idstr, sec.instance_id).is_some();
        if on_board || sec.idstr == "timer" {
            let key = (sec.idstr.as_str(), sec.instance_id);
            if let Some(first) = read.insert(key, sec.range.start) {
                return Err(Error::at(
                    vmstate_core::ErrorKind::Format(format!(
                        "duplicate section `{}` instance {} (the first is at byte {first}): \
                         the board's devices and QEMU's `timer` are read from one section each",
                        sec.idstr, sec.instance_id
                    )),
                    sec.range.start,
                ));
            }
        }
        if let Some(dev) = board.section_mut(&sec.idstr, sec.instance_id) {
            dev.load_qemu(stream.data(sec), sec.version_id, sec.data.start)
                .map_err(|e| {
                    e.in_named(format!(
                        "section {} ({}:{})",
                        sec.section_id, sec.idstr, sec.instance_id
                    ))
                })?;
        }
    }
    if stream.device("pl031", 0).is_some() {
        board.rtc.migrate_tick_offset = board.rtc.tick.migrated;
    }
    // The lines between the devices as the loaded state drives them: an alarm that the
    // RTC's `post_load` fired reaches the primary controller, as QEMU's raises its input.
    board.update_interrupts();
    Ok(board)
}

/// Loads the ported sections of the stream `input` into the board, applies `writes` in
/// order through the device models (so locks and set/clear registers behave as on the
/// hardware), saves again with the QEMU codec the ported sections the writes changed, and
/// copies every other byte. With no writes the output equals the input.
///
/// Refused, with nothing written: a stream without a vmdesc trailer, a stream from another
/// machine than the Integrator/CP (its devices are wired differently) or with a board
/// device at an instance the board lacks or whose vmdesc entry says another layout was sent
/// than its port reads ([`check_sent`](vmstate_core::qemu::check_sent)), a section that
/// would change size (the vmdesc is copied as it is), writes that would not do what they
/// say (outside a window, unaligned, ignored by the model, a reset, the core module's
/// interrupt, a change of the CPU's lines), and RTC writes whose effect depends on a count the stream does not give (under
/// `-icount`, or within a second on the host clock).
pub fn rewrite(input: Vec<u8>, writes: &[MmioWrite]) -> Result<Vec<u8>, ImageError> {
    rewrite_stream(&Stream::parse(input)?, writes)
}

/// [`rewrite`] of a stream already parsed.
///
/// ```
/// use devices::{qemu_image, IntegratorCp};
/// use vmstate_core::qemu::Stream;
/// let stream = Stream::parse(qemu_image::save_board(&IntegratorCp::new(32)).unwrap()).unwrap();
/// let same = qemu_image::rewrite_stream(&stream, &[]).unwrap();
/// assert_eq!(same, stream.bytes()); // no writes: the input, byte for byte
/// ```
pub fn rewrite_stream(stream: &Stream, writes: &[MmioWrite]) -> Result<Vec<u8>, ImageError> {
    if !stream.has_vmdesc() {
        return Err(not_rewritten(
            "the stream has no vmdesc trailer (QEMU's suppress-vmdesc=on): its sections were \
             told apart by their footers, which guest data can imitate, so it is not rewritten \
             (`qemu inspect` shows it)"
                .into(),
            None,
        ));
    }
    check_machine(stream)?;
    check_instances(stream)?;
    check_layouts(stream)?;
    for w in writes {
        let ported = SECTIONS.contains(&(w.idstr.as_str(), w.instance));
        if !ported || stream.device(&w.idstr, w.instance).is_none() {
            let why = if ported {
                "is not in this stream"
            } else {
                "is not a ported device"
            };
            return Err(ImageError::UnknownTarget(format!(
                "--mmio target `{}:{}` {why} (ported: integratorcm, icp_pic:0, icp_pic:1, pl031, icp_control)",
                w.idstr, w.instance
            )));
        }
    }
    for w in writes {
        let (_, window) = IntegratorCp::section_window(&w.idstr, w.instance).expect("ported");
        let why = if w.offset >= window {
            Some(format!("is outside the device's {window:#x}-byte window"))
        } else if w.offset % 4 != 0 {
            Some("is not 4-byte aligned (the registers are 32-bit)".to_owned())
        } else {
            None
        };
        if let Some(why) = why {
            return Err(refused(w, &format!("offset {:#x} {why}", w.offset)));
        }
    }
    let clock = virtual_clock_ns(stream);
    let rtc = RtcSection::of(stream);
    let count_doubt = rtc_count_doubt(rtc.as_ref());
    let mut board = load_board_at(stream, clock.unwrap_or(0), rtc.as_ref())?;
    // The load fired the RTC's alarm if it is set at the count (the model's `post_load`, as
    // QEMU's). QEMU's destination does that itself when it loads the section, on its own
    // clock, and it only ever raises the interrupt: the model's verdict, on a count the stream
    // may give within a second only, is dropped, so no guess reaches the sections.
    if let Some(rtc) = &rtc {
        board.rtc.is = rtc.is;
    }
    // The lines between the devices as the loaded state drives them (as QEMU's stream holds
    // them), so a section differs from `loaded` only through the writes.
    board.update_interrupts();
    let loaded = save_ported(stream, &board)?;
    let cpu_lines = |b: &IntegratorCp| [b.cpu_irq(), b.cpu_fiq()];
    let loaded_cpu_lines = cpu_lines(&board);
    // Per line (IRQ, FIQ): the write that last moved it away from its loaded level.
    let mut cpu_line_moved_by: [Option<&MmioWrite>; 2] = [None, None];
    for w in writes {
        // Through the board, so interrupt lines reach the controllers they are wired to.
        let (base, _) = IntegratorCp::section_window(&w.idstr, w.instance).expect("ported");
        let before = cpu_lines(&board);
        let counts = matches!(w.offset, crate::pl031::reg::LR | crate::pl031::reg::MR);
        if let (Err(why), "pl031", true) = (clock, w.idstr.as_str(), counts) {
            return Err(refused(
                w,
                &format!("the RTC's count at the stop cannot be known: {why}"),
            ));
        }
        if let (Some(doubt), "pl031", true) = (&count_doubt, w.idstr.as_str(), counts) {
            let count = board.rtc.count();
            let other = count.wrapping_add_signed(doubt.other);
            let (low, high) = (count.min(other), count.max(other));
            let effect = match w.offset {
                crate::pl031::reg::LR => Some("the count this load sets may be a second off"),
                _ if w.value == count || w.value == other => {
                    Some("whether this alarm fires at once is not known")
                }
                // An alarm at neither count is set in the future either way.
                _ => None,
            };
            if let Some(effect) = effect {
                let why = doubt.why;
                return Err(refused(
                    w,
                    &format!(
                        "the RTC's count at the stop is {low:#x} or {high:#x}, so {effect}: {why}"
                    ),
                ));
            }
        }
        let effects = board
            .write(base + w.offset, w.value)
            .expect("an offset inside the window maps to the device");
        if let Some(ignored) = effects.unimplemented {
            return Err(refused(
                w,
                &format!("the model ignores it ({})", ignored.what),
            ));
        }
        if let Some(why) = effects.dropped {
            return Err(refused(w, &format!("the model ignores it ({why})")));
        }
        if effects.reset_requested {
            return Err(refused(
                w,
                "it requests a board reset, which a migration stream cannot carry",
            ));
        }
        if board.core.interrupt_pending() {
            return Err(refused(
                w,
                "it raises the core module's interrupt, on which QEMU aborts \
                 (\"hw_error: Core module interrupt\")",
            ));
        }
        let after = cpu_lines(&board);
        for line in 0..2 {
            if after[line] == loaded_cpu_lines[line] {
                cpu_line_moved_by[line] = None;
            } else if before[line] == loaded_cpu_lines[line] {
                cpu_line_moved_by[line] = Some(w);
            }
        }
    }
    if let Some(w) = cpu_line_moved_by.into_iter().flatten().next() {
        return Err(refused(
            w,
            "it changes the CPU's IRQ or FIQ line (the primary interrupt controller's \
             output), which the stream's `cpu` section carries and this tool does not rewrite",
        ));
    }
    // Sections the writes left as loaded keep their bytes.
    let mut replace = save_ported(stream, &board)?;
    replace.retain(|changed| !loaded.contains(changed));
    // The vmdesc trailer, copied as it is, gives each section's size: a section saved
    // again at another size (its input held what the model does not keep, such as a
    // subsection sent twice) would no longer match it.
    let sections: Vec<_> = stream.sections().collect();
    for (index, data) in &replace {
        let sec = sections[*index];
        if data.len() != sec.data.len() {
            return Err(not_rewritten(
                format!(
                    "section {} ({}:{}) saves {} bytes where the stream has {} (it holds \
                     something the model does not keep, such as a subsection sent twice): \
                     its vmdesc entry would no longer match, so the stream is not rewritten",
                    sec.section_id,
                    sec.idstr,
                    sec.instance_id,
                    data.len(),
                    sec.data.len()
                ),
                Some(sec.data.start),
            ));
        }
    }
    Ok(stream.encode(&replace))
}

/// The QEMU encoding of every ported section of `stream` as the board holds it, by index
/// into [`Stream::sections`].
fn save_ported(stream: &Stream, board: &IntegratorCp) -> Result<Vec<(usize, Vec<u8>)>, Error> {
    let mut saved = Vec::new();
    for (index, sec) in stream.sections().enumerate() {
        if sec.kind != SectionKind::Full {
            continue;
        }
        if let Some(dev) = board.section(&sec.idstr, sec.instance_id) {
            let mut data = Vec::new();
            dev.save_qemu(&mut data)?;
            saved.push((index, data));
        }
    }
    Ok(saved)
}

/// Refuses a stream that is not from an Integrator/CP: the rewrite models that board's
/// wiring (the RTC and the secondary controller raise lines of the primary one), and other
/// boards that have a `pl031` or a `icp_pic`-named device wire them elsewhere. Without a
/// configuration section (QEMU's `send-configuration=off`) the core module's section,
/// which only this board has, must be there.
fn check_machine(stream: &Stream) -> Result<(), ImageError> {
    let why = match stream.machine() {
        Some("integratorcp") => return Ok(()),
        Some(machine) => format!(
            "the stream is from QEMU machine `{}`, not `integratorcp`",
            machine.escape_debug()
        ),
        None if stream.device("integratorcm", 0).is_some() => return Ok(()),
        None => "the stream names no machine (no configuration section) and has no \
                 `integratorcm` section"
            .to_owned(),
    };
    Err(not_rewritten(
        format!(
            "{why}: the rewrite models the Integrator/CP's devices and their wiring, so it is \
             not rewritten"
        ),
        None,
    ))
}

/// Refuses a section of a board device at an instance the Integrator/CP does not have
/// (`icp_pic` 2): QEMU's destination refuses it ("Unknown savevm section or instance").
fn check_instances(stream: &Stream) -> Result<(), ImageError> {
    for sec in stream.sections().filter(|s| s.kind == SectionKind::Full) {
        let board_device = SECTIONS.iter().any(|(idstr, _)| *idstr == sec.idstr);
        if !board_device || SECTIONS.contains(&(sec.idstr.as_str(), sec.instance_id)) {
            continue;
        }
        let instances: Vec<String> = (SECTIONS.iter())
            .filter(|(idstr, _)| *idstr == sec.idstr)
            .map(|(_, i)| i.to_string())
            .collect();
        return Err(not_rewritten(
            format!(
                "section {} ({}:{}): QEMU's Integrator/CP has no such instance (only {}), so \
                 its destination refuses the stream",
                sec.section_id,
                sec.idstr,
                sec.instance_id,
                instances.join(" and ")
            ),
            Some(sec.range.start),
        ));
    }
    Ok(())
}

/// Refuses a stream whose vmdesc says a board device's section was sent in another layout
/// than its port reads (another QEMU build's, at the same version): the registers would be
/// misread, and saved back over the section. A version the port cannot load is refused by
/// the load, naming it.
fn check_layouts(stream: &Stream) -> Result<(), ImageError> {
    let board = IntegratorCp::new(DEFAULT_MEMSZ_MIB);
    let vmdesc = stream.vmdesc();
    for sec in stream.sections().filter(|s| s.kind == SectionKind::Full) {
        let Some(dev) = board.section(&sec.idstr, sec.instance_id) else {
            continue;
        };
        let description = dev.description();
        let sent = (vmdesc.as_ref())
            .and_then(|v| vmstate_core::qemu::sent_description(v, &sec.idstr, sec.instance_id));
        let Some(sent) =
            sent.filter(|_| vmstate_core::check_version(description, sec.version_id).is_ok())
        else {
            continue;
        };
        if let Some(difference) = layout_difference(description, sent, sec.version_id) {
            return Err(not_rewritten(
                format!(
                    "section {} ({}:{}): the stream's vmdesc says another layout was sent than \
                     the board's port reads, so its registers would be misread: {difference}",
                    sec.section_id, sec.idstr, sec.instance_id,
                ),
                Some(sec.range.start),
            ));
        }
    }
    Ok(())
}

/// The error for a stream `rewrite` will not rewrite (`why`, at byte `at` of the input).
fn not_rewritten(why: String, at: Option<usize>) -> ImageError {
    let kind = vmstate_core::ErrorKind::Format(why);
    ImageError::Stream(match at {
        Some(at) => Error::at(kind, at),
        None => Error::new(kind),
    })
}

/// The error for a write `rewrite` will not make; nothing is written.
fn refused(w: &MmioWrite, why: &str) -> ImageError {
    ImageError::RefusedWrite(format!(
        "--mmio {}:{}@{:#x}={:#x}: {why}; nothing written",
        w.idstr, w.instance, w.offset, w.value
    ))
}

/// The most device (FULL) sections, the most parts of iterative sections (START, PART, END)
/// and the most commands that [`inspect`] lists, each. A real stream has a few hundred
/// devices at most, and its parts may number in the hundred thousands (QEMU 7.2 sent 150,000
/// for a 64 MiB drive's dirty bitmap), of which a listing shows little; a forged one of a few
/// megabytes could have millions. A listed item takes about 4 KB, so the listing stays under
/// some 120 MB.
pub const MAX_LISTED: usize = 10_000;

/// Every section of the stream as JSON: `{"sections": [{"section_id", "idstr",
/// "instance_id", "version_id", "kind", "offset", "length", "fields", "subsections"}]}`, with
/// the decoded fields of the board's devices and of the sections ported as state only
/// ([`qemu_sections`]; `null` for the others, and, with an `"error"`, for a ported section
/// whose version this build cannot load or a state-only section that does not decode: a
/// board device that does not decode fails the whole listing; a sequence whose length is
/// the destination's configuration takes it from the vmdesc), `"commands"` (QEMU's commands to
/// the destination, such as `POSTCOPY_ADVISE`: number, name, offset, length) when the stream
/// has any, `"trailing_bytes"` when bytes
/// follow the vmdesc trailer (QEMU never reads them), and `"vmdesc": false` for a stream
/// without one (its section boundaries were guessed from footers). A section a port decoded
/// whose vmdesc entry says another layout was sent has `"vmdesc_differs"`: where and how
/// ([`check_sent`](vmstate_core::qemu::check_sent)), as its values may then be misread.
///
/// At most [`MAX_LISTED`] device sections, as many parts of iterative sections and as many
/// commands are listed (a listed item takes a hundred times the bytes it has in the stream);
/// the rest are counted in `"unlisted_sections"` and `"unlisted_commands"`, and not decoded.
///
/// ```
/// use devices::{qemu_image, IntegratorCp};
/// use vmstate_core::qemu::Stream;
/// let stream = Stream::parse(qemu_image::save_board(&IntegratorCp::new(32)).unwrap()).unwrap();
/// let listing = qemu_image::inspect(&stream).unwrap();
/// let core = &listing["sections"][0];
/// assert_eq!(core["idstr"], "integratorcm");
/// assert_eq!(core["fields"]["cm_osc"], 0x0100_0048);
/// ```
pub fn inspect(stream: &Stream) -> Result<serde_json::Value, Error> {
    inspect_with(stream, None)
}

/// [`inspect`], decoding also the device sections that neither the board nor
/// [`qemu_sections`] describes with `schema`'s description of the same name (the section's
/// idstr, or what follows its last `/`: QEMU puts a device's bus path in front): a schema of
/// one's own devices (`Schema::add`), or QEMU's `-dump-vmstate`. Such a section that does not
/// decode shows its error, as a state-only section's does. A section the schema decoded says
/// so (`"decoded_by": "schema"`) and with which of its devices (`"schema_device"`: several may
/// share a description's name, as QEMU's `isa-serial` and `serial-mm` share `serial`; the one
/// whose fields the vmdesc lists is tried first, the next if it does not decode); where a
/// state-only port could not read it (a newer version), `"port_error"` says why. Where neither
/// could, the port's reason is `"error"`, and the schema's `"schema_error"`, with the
/// `"schema_device"` that gave it.
///
/// ```
/// use devices::qemu_image;
/// use vmstate_core::qemu::{self, Section, SectionKind, Stream};
/// use vmstate_core::{schema::Schema, VmState};
///
/// #[derive(VmState)]
/// #[vmstate(name = "uart16550")]
/// struct Uart { lcr: u8, dll: u8 }
///
/// let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
/// bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
/// let uart = Section { kind: SectionKind::Full, section_id: 1, idstr: "uart16550".into(),
///     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
/// qemu::write_section(&mut bytes, &uart, &[3, 12]);
/// bytes.push(qemu::tag::EOF);
/// let stream = Stream::parse(bytes).unwrap();
///
/// let mut schema = Schema::new(None);
/// schema.add("uart", Uart::DESCRIPTION);
/// let listing = qemu_image::inspect_with(&stream, Some(&schema)).unwrap();
/// assert_eq!(listing["sections"][0]["fields"]["dll"], 12);
/// assert_eq!(listing["sections"][0]["decoded_by"], "schema");
/// assert_eq!(listing["sections"][0]["schema_device"], "uart");
/// assert!(qemu_image::inspect(&stream).unwrap()["sections"][0]["fields"].is_null());
/// ```
pub fn inspect_with(
    stream: &Stream,
    schema: Option<&vmstate_core::schema::Schema>,
) -> Result<serde_json::Value, Error> {
    let board = IntegratorCp::new(DEFAULT_MEMSZ_MIB);
    // The schema's descriptions by name, with their device keys (a dump keys them by QEMU
    // type name, which the stream does not carry; several types may share a description's
    // name, as QEMU's `isa-serial` and `serial-mm` share `serial`).
    let mut by_name: HashMap<&str, Vec<(&str, &Desc)>> = HashMap::new();
    for (key, e) in schema.into_iter().flat_map(|s| &s.devices) {
        by_name
            .entry(e.description.name.as_str())
            .or_default()
            .push((key.as_str(), &e.description));
    }
    // A schema is input: what its sections may visit is bounded as a whole, as the native
    // `inspect`'s is (a description of empty elements costs no bytes).
    let mut schema_budget = MAX_VALUES;
    let vmdesc = stream.vmdesc();
    // Each section's vmdesc entry, found once (a search per section would take a time
    // growing with the square of their number): the entries of one idstr and instance in
    // order, the k-th for the k-th such section (QEMU lists them in stream order).
    let mut sent_by_section: HashMap<(&str, u64), Vec<&serde_json::Value>> = HashMap::new();
    let entries = vmdesc.as_ref().and_then(|v| v["devices"].as_array());
    for d in entries.into_iter().flatten() {
        if let Some(key) = vmstate_core::qemu::sent_key(d) {
            sent_by_section.entry(key).or_default().push(d);
        }
    }
    let mut sections_seen: HashMap<(&str, u64), usize> = HashMap::new();
    let mut sections = Vec::new();
    // Device (FULL) sections and the parts of iterative ones are counted apart: QEMU sends
    // the RAM, and dirty bitmaps, in as many parts as it likes (130,000 and more for a
    // 64 MiB drive's bitmap), and the devices after them.
    let (mut devices_listed, mut parts_listed, mut unlisted) = (0, 0, 0);
    for sec in stream.sections() {
        let listed = match sec.kind {
            SectionKind::Full => &mut devices_listed,
            _ => &mut parts_listed,
        };
        if *listed == MAX_LISTED {
            unlisted += 1;
            continue;
        }
        *listed += 1;
        let mut entry = section_json(sec, serde_json::Value::Null, serde_json::Value::Null);
        if sec.kind != SectionKind::Full {
            sections.push(entry);
            continue;
        }
        let key = (sec.idstr.as_str(), u64::from(sec.instance_id));
        let nth = sections_seen.entry(key).or_default();
        let sent = sent_by_section.get(&key).and_then(|e| e.get(*nth)).copied();
        *nth += 1;
        // The board's devices first; then the sections ported as state only, and those the
        // schema describes, whose errors are shown with the section rather than failing the
        // whole listing (`rewrite` leaves those sections as they are).
        let described = match board.section(&sec.idstr, sec.instance_id) {
            Some(dev) => Some((dev.description(), true)),
            None => qemu_sections::description(&sec.idstr).map(|d| (d, false)),
        };
        let ported = described.map(|(d, on_board)| {
            // A version this build cannot load is shown, not decoded with a layout that is
            // not its own (`rewrite` refuses it the same way), for a board device too.
            if let Err(e) = vmstate_core::check_version(d, sec.version_id) {
                return (Err(e), false);
            }
            let mut desc = Desc::from_description(d);
            if let Some(sent) = sent {
                vmdesc::lengths_from_vmdesc(&mut desc, sent);
            }
            let decoded = decode_section(stream, sec, &desc, &mut MAX_VALUES.clone());
            (decoded, on_board)
        });
        let state_only = matches!(described, Some((_, false)));
        let mut by_schema = || {
            let (key, decoded) = decode_by_schema(stream, sec, &by_name, sent, &mut schema_budget)?;
            Some((key.to_owned(), decoded))
        };
        let decoded = match ported {
            // A state-only port that cannot read this section (another CPU model's `cpu`,
            // a newer version): the schema's description may, and the entry says so, with
            // the port's reason. (A board device's is shown, as `rewrite` refuses it.)
            Some((Err(e), false)) if state_only => match by_schema() {
                Some((key, Ok(decoded))) => {
                    entry["decoded_by"] = "schema".into();
                    entry["schema_device"] = key.into();
                    entry["port_error"] = e.to_string().into();
                    Some((Ok(decoded), false))
                }
                schema_attempt => {
                    // Which port could not: the `cpu` port is QEMU's ARM CPU's, and an x86
                    // stream's `cpu` is another. The schema's attempt is shown too.
                    if let Some((d, _)) = described {
                        entry["port"] = d.rust_type.into();
                    }
                    if let Some((key, Err(schema_error))) = schema_attempt {
                        entry["schema_device"] = key.into();
                        entry["schema_error"] = schema_error.to_string().into();
                    }
                    Some((Err(e), false))
                }
            },
            None => by_schema().map(|(key, decoded)| {
                if decoded.is_ok() {
                    entry["decoded_by"] = "schema".into();
                    entry["schema_device"] = key.into();
                }
                (decoded, false)
            }),
            ported => ported,
        };
        let by_port = entry.get("decoded_by").is_none();
        match decoded {
            Some((Ok((fields, subsections)), _)) => {
                entry["fields"] = fields;
                entry["subsections"] = subsections;
                // A port's layout against what the vmdesc says was sent: where they differ
                // (another build's layout at the same version), the values may be misread.
                if let (Some((d, _)), Some(sent), true) = (described, sent, by_port) {
                    if let Some(difference) = layout_difference(d, sent, sec.version_id) {
                        entry["vmdesc_differs"] = difference.into();
                    }
                }
            }
            Some((Err(e), true)) => return Err(e),
            Some((Err(e), false)) => entry["error"] = e.to_string().into(),
            None => {}
        }
        sections.push(entry);
    }
    let mut out = serde_json::json!({ "sections": sections });
    if unlisted > 0 {
        out["unlisted_sections"] = unlisted.into();
    }
    let mut commands = stream.items().iter().filter_map(|i| match i {
        vmstate_core::qemu::Item::Command {
            command,
            name,
            range,
        } => Some((command, name, range)),
        _ => None,
    });
    let listed: Vec<serde_json::Value> = (commands.by_ref().take(MAX_LISTED))
        .map(|(command, name, range)| {
            serde_json::json!({
                "command": command,
                "name": name,
                "offset": range.start,
                "length": range.len(),
            })
        })
        .collect();
    let unlisted = commands.count();
    if !listed.is_empty() {
        out["commands"] = listed.into();
    }
    if unlisted > 0 {
        out["unlisted_commands"] = unlisted.into();
    }
    if !stream.has_vmdesc() {
        out["vmdesc"] = false.into();
    }
    if let Some(n) = stream.trailing_bytes() {
        out["trailing_bytes"] = n.into();
    }
    Ok(out)
}

/// Decodes a FULL section with description `desc`: its fields, and its subsections apart.
fn decode_section(
    stream: &Stream,
    sec: &vmstate_core::qemu::Section,
    desc: &Desc,
    budget: &mut usize,
) -> Result<(serde_json::Value, serde_json::Value), Error> {
    let (mut fields, used) = decode_with_budget(
        desc,
        Format::Qemu,
        stream.data(sec),
        sec.version_id,
        sec.data.start,
        budget,
    )
    .map_err(|e| e.in_context(format!("section {} ({})", sec.section_id, sec.idstr)))?;
    if used != sec.data.len() {
        // A subsection the description does not know is left over (QEMU's loader takes
        // only the names it knows): say which.
        let rest = &stream.data(sec)[used..];
        let kind = match subsection_at(rest) {
            Some(name) => vmstate_core::ErrorKind::UnknownSubsection(name.to_owned()),
            None => vmstate_core::ErrorKind::TrailingBytes { count: rest.len() },
        };
        return Err(Error::at(kind, sec.data.start + used).in_named(sec.idstr.clone()));
    }
    let subsections = match fields.as_object_mut() {
        Some(obj) => obj
            .remove("subsections")
            .unwrap_or_else(|| serde_json::json!({})),
        None => serde_json::Value::Null,
    };
    Ok((fields, subsections))
}

/// Where and how a section's vmdesc entry `sent` says another layout was sent at `version`
/// than a port (`d`) reads ([`check_sent`](vmstate_core::qemu::check_sent)), if it does.
fn layout_difference(
    d: &vmstate_core::Description,
    sent: &serde_json::Value,
    version: u32,
) -> Option<String> {
    let e = vmstate_core::qemu::check_sent(&Desc::from_description(d), sent, version).err()?;
    Some(match e.kind() {
        vmstate_core::ErrorKind::VmdescMismatch(why) => format!("{}: {why}", e.path()),
        _ => e.to_string(),
    })
}

/// Decodes section `sec` with a description of its name in a schema (`by_name`), fitted to
/// its vmdesc entry `sent`, and names the schema's device that decoded it; `None` when the
/// schema has none. QEMU names a device on a bus with its path in front,
/// `0000:00:02.0/e1000`; the schema's own version range refuses a version it cannot decode.
fn decode_by_schema<'s>(
    stream: &Stream,
    sec: &vmstate_core::qemu::Section,
    by_name: &HashMap<&str, Vec<(&'s str, &Desc)>>,
    sent: Option<&serde_json::Value>,
    budget: &mut usize,
) -> Option<(&'s str, Decoded)> {
    let named = |idstr: &str| by_name.get(idstr);
    let candidates = (named(&sec.idstr))
        .or_else(|| sec.idstr.rsplit_once('/').and_then(|(_, name)| named(name)))?;
    // Of several descriptions of the name, the one whose fields the vmdesc lists best first;
    // the next if it does not decode (its error is the first's). Where there are several,
    // each look through the vmdesc entry and each attempt cost their fields, at least one,
    // of the listing's bound (one description alone is charged as any section is).
    let listed = sent.map_or(0, vmdesc::listed_fields);
    let mut ranked: Vec<&(&str, &Desc)> = candidates.iter().collect();
    let several = ranked.len() > 1;
    if let (Some(sent), true) = (sent, several) {
        let looks = ranked.len().saturating_mul(1 + listed);
        if !vmdesc::spend(budget, looks) {
            ranked.truncate(1);
        }
        ranked.sort_by_cached_key(|(_, d)| std::cmp::Reverse(vmdesc::sent_score(d, sent)));
    }
    let mut first = None;
    for &(key, desc) in ranked {
        if several {
            vmdesc::spend(budget, 1 + listed + desc.fields.len());
        }
        // The stream's vmdesc says what a description cannot: the lengths sent, which fields
        // behind a test were. A copy only where it tells something, charged to the bound.
        let filled = sent.and_then(|sent| {
            let tells = vmdesc::needs_fitting(desc, sent, budget);
            (tells && vmdesc::charge_copy(desc, budget)).then(|| {
                let mut desc = desc.clone();
                vmdesc::fit(&mut desc, sent, budget);
                desc
            })
        });
        let decoded = decode_section(stream, sec, filled.as_ref().unwrap_or(desc), budget);
        if decoded.is_ok() {
            return Some((key, decoded));
        }
        first.get_or_insert((key, decoded));
    }
    first
}

/// A section's decoded fields and subsections.
type Decoded = Result<(serde_json::Value, serde_json::Value), Error>;

/// The name of the subsection whose header `bytes` start with, if they do.
fn subsection_at(bytes: &[u8]) -> Option<&str> {
    let (&[vmstate_core::qemu::tag::SUBSECTION, len], rest) = bytes.split_first_chunk::<2>()?
    else {
        return None;
    };
    let name = std::str::from_utf8(rest.get(..usize::from(len))?).ok()?;
    (!name.is_empty()).then_some(name)
}

/// One section of [`inspect`]'s output.
fn section_json(
    sec: &vmstate_core::qemu::Section,
    fields: serde_json::Value,
    subsections: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "section_id": sec.section_id,
        "idstr": sec.idstr,
        "instance_id": sec.instance_id,
        "version_id": sec.version_id,
        "kind": format!("{:?}", sec.kind).to_lowercase(),
        "offset": sec.range.start,
        "length": sec.range.len(),
        "fields": fields,
        "subsections": subsections,
    })
}

/// Saves the board's devices as a QEMU migration stream: header, one FULL section per
/// device (with footers), EOF, and a vmdesc trailer describing them
/// ([`vmstate_core::qemu::write_stream`]). No RAM or CPU: the stream carries the ported
/// devices only, so QEMU itself would refuse it, but this crate's tools read it as they
/// read QEMU's own.
pub fn save_board(board: &IntegratorCp) -> Result<Vec<u8>, Error> {
    let devices: Vec<(&str, u32, &dyn vmstate_core::qemu::Device)> = (board.devices().into_iter())
        .map(|(name, instance, dev)| (name, instance, dev as &dyn vmstate_core::qemu::Device))
        .collect();
    // The ARM926's 1 KiB pages (QEMU's `target-page-bits` 10 for the Integrator/CP).
    vmstate_core::qemu::write_stream(1024, &devices)
}
