//! The Integrator/CP board: the devices this crate ports, at their physical addresses, with
//! their interrupt lines wired as in QEMU's `integratorcp_init`.
//!
//! ```
//! use devices::{board::map, icp_pic::reg, IntegratorCp};
//!
//! let mut src = IntegratorCp::new(32);
//! src.write(map::PIC + reg::IRQ_ENABLESET, 1 << 8).unwrap();
//!
//! // Every device's QEMU section, loaded into a second board.
//! let mut dst = IntegratorCp::new(32);
//! for (idstr, instance, dev) in src.devices() {
//!     let mut data = Vec::new();
//!     dev.save_qemu(&mut data).unwrap();
//!     let target = dst.section_mut(idstr, instance).unwrap();
//!     target.load_qemu(&data, dev.description().version, 0).unwrap();
//! }
//! assert_eq!(dst.read(map::PIC + reg::IRQ_ENABLESET).unwrap(), 1 << 8);
//! ```

use crate::clock::{Clock, HostClock, WallClock};
use crate::device::Device;
use crate::icp_control::IcpControl;
use crate::icp_pic::IcpPic;
use crate::integratorcm::IntegratorCm;
use crate::mmio::{Unimplemented, WriteEffects};
use crate::pl031::Pl031;
use std::fmt;
use std::sync::Arc;

/// Physical base addresses and window sizes.
pub mod map {
    /// The core module.
    pub const CORE_MODULE: u64 = 0x1000_0000;
    /// The primary interrupt controller.
    pub const PIC: u64 = 0x1400_0000;
    /// The PL031 real-time clock.
    pub const RTC: u64 = 0x1500_0000;
    /// The secondary interrupt controller.
    pub const SIC: u64 = 0xca00_0000;
    /// The CP control registers.
    pub const CONTROL: u64 = 0xcb00_0000;
    /// Size of the core module, PIC and control windows.
    pub const WINDOW: u64 = 0x0080_0000;
}

/// Primary PIC input driven by the RTC's interrupt.
pub const PIC_INPUT_RTC: u32 = 8;
/// Primary PIC input driven by the secondary PIC's IRQ output.
pub const PIC_INPUT_SIC: u32 = 26;
/// Secondary PIC input driven by the control registers' MMC interrupt.
pub const SIC_INPUT_MMC: u32 = 3;

/// A board-level access error.
///
/// ```
/// use devices::{BoardError, IntegratorCp};
/// let err = IntegratorCp::new(32).read(0x2000_0000).unwrap_err();
/// assert_eq!(err, BoardError::Unmapped(0x2000_0000));
/// assert_eq!(err.to_string(), "no ported device at address 0x20000000");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardError {
    /// No ported device at this address.
    Unmapped(u64),
}

impl fmt::Display for BoardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BoardError::Unmapped(a) => write!(f, "no ported device at address {a:#010x}"),
        }
    }
}

impl std::error::Error for BoardError {}

/// Which device a physical address falls in.
///
/// ```
/// use devices::board::{map, Target};
/// use devices::IntegratorCp;
/// assert_eq!(IntegratorCp::decode(map::RTC + 0x8), Ok((Target::Rtc, 0x8)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The core module.
    CoreModule,
    /// The primary interrupt controller.
    Pic,
    /// The secondary interrupt controller.
    Sic,
    /// The control registers.
    Control,
    /// The real-time clock.
    Rtc,
}

/// Size of the RTC's window.
pub const RTC_WINDOW: u64 = 0x1000;

/// Each ported device's QEMU section (idstr, instance), its target and its physical window
/// (base, size): one table for decoding addresses and for finding a section's window.
const WINDOWS: [(&str, u32, Target, u64, u64); 5] = [
    (
        "integratorcm",
        0,
        Target::CoreModule,
        map::CORE_MODULE,
        map::WINDOW,
    ),
    ("icp_pic", 0, Target::Pic, map::PIC, map::WINDOW),
    ("icp_pic", 1, Target::Sic, map::SIC, map::WINDOW),
    ("pl031", 0, Target::Rtc, map::RTC, RTC_WINDOW),
    ("icp_control", 0, Target::Control, map::CONTROL, map::WINDOW),
];

/// The board.
///
/// ```
/// use devices::IntegratorCp;
/// let mut b = IntegratorCp::new(32);
/// b.write(0xca00_0008, 0x3).unwrap(); // secondary PIC: enable inputs 0 and 1
/// assert_eq!(b.read(0xca00_0008).unwrap(), 0x3);
/// assert!(b.read(0x2000_0000).is_err());
/// ```
#[derive(Debug, PartialEq)]
pub struct IntegratorCp {
    /// The core module at 0x10000000.
    pub core: IntegratorCm,
    /// The primary interrupt controller at 0x14000000 (`icp_pic` instance 0).
    pub pic: IcpPic,
    /// The secondary interrupt controller at 0xca000000 (`icp_pic` instance 1).
    pub sic: IcpPic,
    /// The control registers at 0xcb000000.
    pub control: IcpControl,
    /// The PL031 real-time clock at 0x15000000.
    pub rtc: Pl031,
}

/// The board's migratable devices as QEMU names their sections: (idstr, instance id).
pub const SECTIONS: [(&str, u32); 5] = [
    ("integratorcm", 0),
    ("icp_pic", 0),
    ("icp_pic", 1),
    ("pl031", 0),
    ("icp_control", 0),
];

impl IntegratorCp {
    /// A board with `memsz_mib` MiB of RAM on the host clock.
    pub fn new(memsz_mib: u32) -> Self {
        Self::with_clock(memsz_mib, Arc::new(HostClock::new()))
    }

    /// A board whose core module counts `clock` (the virtual clock) and whose RTC reads the
    /// host's wall clock.
    ///
    /// ```
    /// use devices::{board::map, integratorcm::reg, FakeClock, IntegratorCp};
    /// use std::sync::Arc;
    /// let vm_clock = FakeClock::new(0);
    /// let board = IntegratorCp::with_clock(32, Arc::new(vm_clock.clone()));
    /// vm_clock.advance(1_000); // 1 µs
    /// assert_eq!(board.read(map::CORE_MODULE + reg::REFCNT).unwrap(), 24);
    /// ```
    pub fn with_clock(memsz_mib: u32, clock: Arc<dyn Clock>) -> Self {
        Self::with_clocks(memsz_mib, clock.clone(), Arc::new(WallClock))
    }

    /// A board on a virtual clock `vm_clock` and an RTC clock `rtc_clock`.
    ///
    /// ```
    /// use devices::{board::map, pl031::reg, FakeClock, IntegratorCp};
    /// use std::sync::Arc;
    /// let rtc_clock = FakeClock::new(1_000 * 1_000_000_000);
    /// let board = IntegratorCp::with_clocks(32, Arc::new(FakeClock::new(0)), Arc::new(rtc_clock.clone()));
    /// assert_eq!(board.read(map::RTC + reg::DR).unwrap(), 1_000);
    /// rtc_clock.advance(3 * 1_000_000_000);
    /// assert_eq!(board.read(map::RTC + reg::DR).unwrap(), 1_003);
    /// ```
    pub fn with_clocks(
        memsz_mib: u32,
        vm_clock: Arc<dyn Clock>,
        rtc_clock: Arc<dyn Clock>,
    ) -> Self {
        IntegratorCp {
            core: IntegratorCm::with_clock(memsz_mib, vm_clock.clone()),
            pic: IcpPic::default(),
            sic: IcpPic::default(),
            control: IcpControl::default(),
            rtc: Pl031::with_clocks(rtc_clock, vm_clock),
        }
    }

    /// The device behind QEMU section (`idstr`, `instance`).
    ///
    /// ```
    /// use devices::IntegratorCp;
    /// let board = IntegratorCp::new(32);
    /// let sic = board.section("icp_pic", 1).unwrap(); // the secondary controller
    /// assert_eq!(sic.description().name, "icp_pic");
    /// assert!(board.section("pl011", 0).is_none()); // not ported
    /// ```
    pub fn section(&self, idstr: &str, instance: u32) -> Option<&dyn Device> {
        Some(match (idstr, instance) {
            ("integratorcm", 0) => &self.core,
            ("icp_pic", 0) => &self.pic,
            ("icp_pic", 1) => &self.sic,
            ("pl031", 0) => &self.rtc,
            ("icp_control", 0) => &self.control,
            _ => return None,
        })
    }

    /// The device behind QEMU section (`idstr`, `instance`), mutably.
    pub fn section_mut(&mut self, idstr: &str, instance: u32) -> Option<&mut dyn Device> {
        Some(match (idstr, instance) {
            ("integratorcm", 0) => &mut self.core,
            ("icp_pic", 0) => &mut self.pic,
            ("icp_pic", 1) => &mut self.sic,
            ("pl031", 0) => &mut self.rtc,
            ("icp_control", 0) => &mut self.control,
            _ => return None,
        })
    }

    /// Every device with its section name and instance, in [`SECTIONS`] order.
    pub fn devices(&self) -> Vec<(&'static str, u32, &dyn Device)> {
        SECTIONS
            .iter()
            .map(|&(n, i)| (n, i, self.section(n, i).expect("listed")))
            .collect()
    }

    /// Every device, mutably, with its instance, in [`SECTIONS`] order: what a machine
    /// stream loads into ([`vmstate_core::machine::load`]).
    ///
    /// ```
    /// let mut board = devices::IntegratorCp::new(32);
    /// let sections: Vec<(&str, u32)> = board.devices_mut().iter().map(|(n, i, _)| (*n, *i)).collect();
    /// assert_eq!(sections, devices::board::SECTIONS);
    /// ```
    pub fn devices_mut(&mut self) -> Vec<(&'static str, u32, &mut dyn Device)> {
        let IntegratorCp {
            core,
            pic,
            sic,
            rtc,
            control,
        } = self;
        let [a, b, c, d, e] = SECTIONS;
        vec![
            (a.0, a.1, core as &mut dyn Device),
            (b.0, b.1, pic),
            (c.0, c.1, sic),
            (d.0, d.1, rtc),
            (e.0, e.1, control),
        ]
    }

    /// The physical window (base, size) of the device behind QEMU section (`idstr`,
    /// `instance`).
    ///
    /// ```
    /// use devices::IntegratorCp;
    /// assert_eq!(IntegratorCp::section_window("pl031", 0), Some((0x1500_0000, 0x1000)));
    /// assert_eq!(IntegratorCp::section_window("icp_pic", 2), None);
    /// ```
    pub fn section_window(idstr: &str, instance: u32) -> Option<(u64, u64)> {
        WINDOWS
            .iter()
            .find(|w| w.0 == idstr && w.1 == instance)
            .map(|w| (w.3, w.4))
    }

    /// The device and offset behind a physical address.
    ///
    /// ```
    /// use devices::{board::Target, IntegratorCp};
    /// assert_eq!(IntegratorCp::decode(0xca00_0010), Ok((Target::Sic, 0x10)));
    /// assert!(IntegratorCp::decode(0).is_err()); // RAM: not a ported device
    /// ```
    pub fn decode(addr: u64) -> Result<(Target, u64), BoardError> {
        WINDOWS
            .iter()
            .find(|&&(_, _, _, base, size)| addr >= base && addr - base < size)
            .map(|&(_, _, target, base, _)| (target, addr - base))
            .ok_or(BoardError::Unmapped(addr))
    }

    /// Reads the 32-bit register at physical address `addr`.
    pub fn read(&self, addr: u64) -> Result<u32, BoardError> {
        Ok(self.read_checked(addr)?.unwrap_or(0))
    }

    /// Reads, telling apart an unimplemented register (inner `Err`) from an unmapped address.
    ///
    /// ```
    /// use devices::{board::map, integratorcm::reg, IntegratorCp};
    /// let board = IntegratorCp::new(32);
    /// assert!(board.read_checked(map::CORE_MODULE + reg::LMBUSCNT).unwrap().is_err());
    /// assert!(board.read_checked(0x2000_0000).is_err()); // unmapped
    /// ```
    pub fn read_checked(&self, addr: u64) -> Result<Result<u32, Unimplemented>, BoardError> {
        let (target, offset) = Self::decode(addr)?;
        Ok(match target {
            Target::CoreModule => self.core.read_checked(offset),
            Target::Pic => self.pic.read_checked(offset),
            Target::Sic => self.sic.read_checked(offset),
            Target::Control => self.control.read_checked(offset),
            Target::Rtc => self.rtc.read_checked(offset),
        })
    }

    /// Writes the 32-bit register at physical address `addr`, then propagates interrupt
    /// lines between the devices.
    pub fn write(&mut self, addr: u64, value: u32) -> Result<WriteEffects, BoardError> {
        let (target, offset) = Self::decode(addr)?;
        let effects = match target {
            Target::CoreModule => self.core.write(offset, value),
            Target::Pic => self.pic.write(offset, value),
            Target::Sic => self.sic.write(offset, value),
            Target::Control => self.control.write(offset, value),
            Target::Rtc => self.rtc.write(offset, value),
        };
        self.update_interrupts();
        Ok(effects)
    }

    /// Drives each device's interrupt output into the controller it is wired to.
    ///
    /// ```
    /// use devices::{board::{map, PIC_INPUT_RTC}, icp_pic, pl031, FakeClock, IntegratorCp};
    /// use std::sync::Arc;
    /// let rtc_clock = FakeClock::new(0);
    /// let mut board = IntegratorCp::with_clocks(32, Arc::new(FakeClock::new(0)), Arc::new(rtc_clock.clone()));
    /// board.write(map::PIC + icp_pic::reg::IRQ_ENABLESET, 1 << PIC_INPUT_RTC).unwrap();
    /// board.write(map::RTC + pl031::reg::IMSC, 1).unwrap();
    /// board.write(map::RTC + pl031::reg::MR, 5).unwrap(); // alarm at 5 s
    /// rtc_clock.advance(5_000_000_000);
    /// assert!(!board.cpu_irq());
    /// board.update_interrupts(); // the RTC fires, and the PIC passes it on
    /// assert!(board.cpu_irq());
    /// ```
    pub fn update_interrupts(&mut self) {
        self.rtc.poll();
        self.pic.set_input(PIC_INPUT_RTC, self.rtc.irq_output());
        self.sic.set_input(SIC_INPUT_MMC, self.control.mmc_irq());
        self.pic.set_input(PIC_INPUT_SIC, self.sic.irq_output());
    }

    /// The CPU's IRQ line.
    ///
    /// ```
    /// use devices::{board::map, icp_pic::reg, IntegratorCp};
    /// let mut board = IntegratorCp::new(32);
    /// board.write(map::PIC + reg::IRQ_ENABLESET, 1).unwrap();
    /// board.write(map::PIC + reg::INT_SOFTSET, 1).unwrap(); // software interrupt
    /// assert!(board.cpu_irq());
    /// ```
    pub fn cpu_irq(&self) -> bool {
        self.pic.irq_output()
    }

    /// The CPU's FIQ line.
    ///
    /// ```
    /// use devices::{board::map, icp_pic::reg, IntegratorCp};
    /// let mut board = IntegratorCp::new(32);
    /// board.write(map::PIC + reg::FRQ_ENABLESET, 1).unwrap();
    /// board.write(map::PIC + reg::INT_SOFTSET, 1).unwrap();
    /// assert!(board.cpu_fiq() && !board.cpu_irq());
    /// ```
    pub fn cpu_fiq(&self) -> bool {
        self.pic.fiq_output()
    }
}

/// Offsets of each device's registers that a register dump reads (its documented map).
/// (device, window base, first offset, end offset).
const REGISTER_SPANS: [(Target, u64, u64, u64); 6] = [
    (Target::CoreModule, map::CORE_MODULE, 0, 0x200),
    (Target::Pic, map::PIC, 0, 0x30),
    (Target::Sic, map::SIC, 0, 0x30),
    (Target::Rtc, map::RTC, 0, 0x20),
    (Target::Rtc, map::RTC, 0xfe0, 0x1000),
    (Target::Control, map::CONTROL, 0, 0x10),
];

impl IntegratorCp {
    /// Every implemented register's physical address and value, device by device, as a
    /// guest would read them. `skip_time` leaves out the registers that count time
    /// (CM_REFCNT, RTCDR), which differ between any two reads.
    ///
    /// ```
    /// use devices::{board::map, IntegratorCp};
    /// let board = IntegratorCp::new(32);
    /// let dump = board.register_dump(true);
    /// assert!(dump.contains(&("icp_control:0", map::CONTROL, 0x4103_4003))); // CP_IDFIELD
    /// assert!(dump.iter().all(|&(_, addr, _)| addr != map::RTC)); // RTCDR: time, skipped
    /// ```
    pub fn register_dump(&self, skip_time: bool) -> Vec<(&'static str, u64, u32)> {
        let mut out = Vec::new();
        for (target, base, first, end) in REGISTER_SPANS {
            let name = match target {
                Target::CoreModule => "integratorcm:0",
                Target::Pic => "icp_pic:0",
                Target::Sic => "icp_pic:1",
                Target::Rtc => "pl031:0",
                Target::Control => "icp_control:0",
            };
            for offset in (first..end).step_by(4) {
                let time = matches!(
                    (target, offset),
                    (Target::CoreModule, crate::integratorcm::reg::REFCNT)
                        | (Target::Rtc, crate::pl031::reg::DR)
                );
                if skip_time && time {
                    continue;
                }
                if let Ok(Ok(v)) = self.read_checked(base + offset) {
                    out.push((name, base + offset, v));
                }
            }
        }
        out
    }
}
