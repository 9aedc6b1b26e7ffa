//! The PL031 real-time clock ("pl031"), ported from QEMU 7.2's `hw/rtc/pl031.c`, at
//! 0x15000000 on the Integrator/CP, its interrupt on primary PIC input 8.
//!
//! Time: the counter is `tick_offset + rtc_clock / 1 s` (seconds, truncated to 32 bits).
//! QEMU migrates two views of the offset: the main section's `tick_offset_vmstate` (relative
//! to the virtual clock, for old QEMUs) and the `pl031/tick-offset` subsection's real
//! `tick_offset`. The hooks follow QEMU's: `pre_save` fills `tick_offset_vmstate`,
//! `pre_load` marks the subsection as not yet seen, the subsection's `post_load` marks it
//! seen, and `post_load` falls back to `tick_offset_vmstate` when it was not, then re-arms
//! the alarm.
//!
//! ```
//! use devices::{pl031::{reg, Pl031}, FakeClock};
//! use std::sync::Arc;
//!
//! let rtc_clock = FakeClock::new(1_000 * 1_000_000_000);
//! let vm_clock = Arc::new(FakeClock::new(0));
//! let mut src = Pl031::with_clocks(Arc::new(rtc_clock.clone()), vm_clock.clone());
//! src.write(reg::LR, 5_000);
//! let bytes = vmstate_core::qemu::to_bytes(&src).unwrap(); // with `pl031/tick-offset`
//!
//! let mut dst = Pl031::with_clocks(Arc::new(rtc_clock.clone()), vm_clock);
//! vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap();
//! assert_eq!(dst.read(reg::DR), 5_000);
//! ```

use crate::clock::{Clock, HostClock, WallClock};
use crate::mmio::{Unimplemented, WriteEffects};
use std::cell::Cell;
use std::sync::Arc;
use vmstate_core::VmState;

/// Register offsets.
pub mod reg {
    /// RTCDR: the current count (seconds).
    pub const DR: u64 = 0x00;
    /// RTCMR: the match (alarm) value.
    pub const MR: u64 = 0x04;
    /// RTCLR: load; writing sets the count.
    pub const LR: u64 = 0x08;
    /// RTCCR: control; reads 1 (always enabled), writes ignored.
    pub const CR: u64 = 0x0c;
    /// RTCIMSC: interrupt mask (bit 0).
    pub const IMSC: u64 = 0x10;
    /// RTCRIS: raw interrupt status.
    pub const RIS: u64 = 0x14;
    /// RTCMIS: masked interrupt status.
    pub const MIS: u64 = 0x18;
    /// RTCICR: interrupt clear (write-only).
    pub const ICR: u64 = 0x1c;
    /// First byte of the peripheral/PrimeCell id registers.
    pub const ID_START: u64 = 0xfe0;
    /// Last byte of the id registers.
    pub const ID_END: u64 = 0xfff;
}

/// The id bytes at 0xfe0.. (one per word).
pub const PL031_ID: [u8; 8] = [0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];
/// CR always reads 1: the RTC is permanently enabled.
pub const CR_ENABLED: u32 = 1;
const NS_PER_SEC: u64 = 1_000_000_000;

/// The `pl031/tick-offset` subsection: the real offset from the RTC clock.
///
/// ```
/// use devices::Pl031;
/// let mut rtc = Pl031::new();
/// let with = vmstate_core::qemu::to_bytes(&rtc).unwrap().len();
/// rtc.migrate_tick_offset = false; // QEMU's `migrate-tick-offset=off`
/// let without = vmstate_core::qemu::to_bytes(&rtc).unwrap().len();
/// assert_eq!(with - without, 1 + 1 + "pl031/tick-offset".len() + 4 + 4);
/// ```
#[derive(VmState, Debug, Clone, PartialEq, Eq, Default)]
#[vmstate(
    name = "pl031/tick-offset",
    version = 1,
    minimum_version = 1,
    post_load = "Self::post_load"
)]
pub struct TickOffset {
    /// Seconds: guest RTC = rtc clock + tick_offset.
    pub tick_offset: u32,
    /// Whether the last load carried this subsection (QEMU's `tick_offset_migrated`).
    #[vmstate(skip)]
    pub migrated: bool,
}

impl TickOffset {
    fn post_load(&mut self) {
        self.migrated = true;
    }
}

/// The PL031 real-time clock.
///
/// ```
/// use devices::{pl031::{reg, Pl031}, FakeClock};
/// use std::sync::Arc;
/// let rtc_clock = FakeClock::new(1_000 * 1_000_000_000);
/// let mut rtc = Pl031::with_clocks(Arc::new(rtc_clock.clone()), Arc::new(FakeClock::new(0)));
/// assert_eq!(rtc.read(reg::DR), 1_000);
/// rtc.write(reg::LR, 50);
/// rtc_clock.advance(2 * 1_000_000_000);
/// assert_eq!(rtc.read(reg::DR), 52);
/// ```
#[derive(VmState)]
#[vmstate(
    name = "pl031",
    version = 1,
    minimum_version = 1,
    pre_save = "Self::pre_save",
    pre_load = "Self::pre_load",
    post_load = "Self::post_load"
)]
pub struct Pl031 {
    /// The offset relative to the virtual clock, for old QEMUs; filled by `pre_save`.
    pub tick_offset_vmstate: Cell<u32>,
    /// RTCMR.
    pub mr: u32,
    /// RTCLR: the last value loaded.
    pub lr: u32,
    /// RTCCR as stored (always 0: writes are ignored).
    pub cr: u32,
    /// RTCIMSC.
    pub im: u32,
    /// RTCRIS.
    pub is: u32,
    /// The real offset, sent while `migrate_tick_offset` is on.
    #[vmstate(subsection, needed = "Self::tick_offset_needed")]
    pub tick: TickOffset,
    /// QEMU's `migrate-tick-offset` property (on by default).
    #[vmstate(skip)]
    pub migrate_tick_offset: bool,
    /// When the alarm fires, in RTC-clock nanoseconds (QEMU's timer).
    #[vmstate(skip)]
    pub alarm_at_ns: Option<u64>,
    #[vmstate(skip)]
    rtc_clock: Arc<dyn Clock>,
    #[vmstate(skip)]
    vm_clock: Arc<dyn Clock>,
}

impl Pl031 {
    /// An RTC on the host's wall clock, reading the current date.
    ///
    /// ```
    /// use devices::Pl031;
    /// let rtc = Pl031::new();
    /// assert!(rtc.count() > 1_600_000_000); // today's date, in seconds since 1970
    /// ```
    pub fn new() -> Self {
        Self::with_clocks(Arc::new(WallClock), Arc::new(HostClock::new()))
    }

    /// An RTC whose count follows `rtc_clock` (QEMU's rtc clock, by default the host's
    /// wall clock) and whose migration offset is relative to `vm_clock` (the virtual clock).
    /// Like QEMU, it starts at the RTC clock's current time.
    pub fn with_clocks(rtc_clock: Arc<dyn Clock>, vm_clock: Arc<dyn Clock>) -> Self {
        Pl031 {
            tick_offset_vmstate: Cell::new(0),
            mr: 0,
            lr: 0,
            cr: 0,
            im: 0,
            is: 0,
            tick: TickOffset::default(),
            migrate_tick_offset: true,
            alarm_at_ns: None,
            rtc_clock,
            vm_clock,
        }
    }

    fn rtc_seconds(&self) -> u32 {
        (self.rtc_clock.now_ns() / NS_PER_SEC) as u32
    }

    /// (rtc clock − virtual clock) in whole seconds, as QEMU computes it.
    fn clock_delta_seconds(&self) -> u32 {
        let delta = self.rtc_clock.now_ns() as i128 - self.vm_clock.now_ns() as i128;
        (delta / NS_PER_SEC as i128) as u32
    }

    /// The current count.
    ///
    /// ```
    /// use devices::{pl031::{reg, Pl031}, FakeClock};
    /// use std::sync::Arc;
    /// let clock = FakeClock::new(0);
    /// let mut rtc = Pl031::with_clocks(Arc::new(clock.clone()), Arc::new(FakeClock::new(0)));
    /// rtc.write(reg::LR, 100);
    /// clock.advance(1_500_000_000);
    /// assert_eq!(rtc.count(), 101); // whole seconds
    /// ```
    pub fn count(&self) -> u32 {
        self.tick.tick_offset.wrapping_add(self.rtc_seconds())
    }

    /// The interrupt output.
    ///
    /// ```
    /// use devices::{pl031::{reg, Pl031}, FakeClock};
    /// use std::sync::Arc;
    /// let clock = Arc::new(FakeClock::new(0));
    /// let mut rtc = Pl031::with_clocks(clock.clone(), clock);
    /// rtc.write(reg::MR, 0); // matches the count now: the alarm fires at once
    /// assert!(!rtc.irq_output()); // masked
    /// rtc.write(reg::IMSC, 1);
    /// assert!(rtc.irq_output());
    /// ```
    pub fn irq_output(&self) -> bool {
        self.is & self.im != 0
    }

    /// Fires the alarm if its time has come (QEMU's timer callback).
    ///
    /// ```
    /// use devices::{pl031::{reg, Pl031}, FakeClock};
    /// use std::sync::Arc;
    /// let clock = FakeClock::new(0);
    /// let mut rtc = Pl031::with_clocks(Arc::new(clock.clone()), Arc::new(FakeClock::new(0)));
    /// rtc.write(reg::MR, 10); // alarm in 10 s
    /// clock.advance(10_000_000_000);
    /// assert_eq!(rtc.read(reg::RIS), 0); // nothing fires until polled
    /// rtc.poll();
    /// assert_eq!(rtc.read(reg::RIS), 1);
    /// ```
    pub fn poll(&mut self) {
        if self
            .alarm_at_ns
            .is_some_and(|at| self.rtc_clock.now_ns() >= at)
        {
            self.alarm_at_ns = None;
            self.is = 1;
        }
    }

    fn set_alarm(&mut self) {
        let ticks = self.mr.wrapping_sub(self.count());
        if ticks == 0 {
            self.alarm_at_ns = None;
            self.is = 1;
        } else {
            self.alarm_at_ns = Some(self.rtc_clock.now_ns() + u64::from(ticks) * NS_PER_SEC);
        }
    }

    fn tick_offset_needed(&self) -> bool {
        self.migrate_tick_offset
    }

    fn pre_save(&self) {
        self.tick_offset_vmstate.set(
            self.tick
                .tick_offset
                .wrapping_add(self.clock_delta_seconds()),
        );
    }

    fn pre_load(&mut self) {
        self.tick.migrated = false;
    }

    fn post_load(&mut self) {
        if !self.tick.migrated {
            self.tick.tick_offset = self
                .tick_offset_vmstate
                .get()
                .wrapping_sub(self.clock_delta_seconds());
        }
        self.set_alarm();
    }

    /// Reads the register at `offset`; others read 0.
    pub fn read(&self, offset: u64) -> u32 {
        self.read_checked(offset).unwrap_or(0)
    }

    /// Reads the register at `offset`, or says it is write-only or unmapped.
    ///
    /// ```
    /// use devices::pl031::{reg, Pl031, CR_ENABLED};
    /// let rtc = Pl031::new();
    /// assert_eq!(rtc.read_checked(reg::CR), Ok(CR_ENABLED));
    /// assert!(rtc.read_checked(reg::ICR).is_err()); // write-only
    /// ```
    pub fn read_checked(&self, offset: u64) -> Result<u32, Unimplemented> {
        Ok(match offset {
            reg::DR => self.count(),
            reg::MR => self.mr,
            reg::IMSC => self.im,
            reg::RIS => self.is,
            reg::LR => self.lr,
            reg::CR => CR_ENABLED,
            reg::MIS => self.is & self.im,
            reg::ID_START..=reg::ID_END => {
                PL031_ID[((offset - reg::ID_START) >> 2) as usize].into()
            }
            reg::ICR => {
                return Err(Unimplemented {
                    device: "pl031",
                    offset,
                    what: "read of the write-only RTCICR",
                })
            }
            _ => {
                return Err(Unimplemented {
                    device: "pl031",
                    offset,
                    what: "read of an unmapped register",
                })
            }
        })
    }

    /// Writes the register at `offset`.
    pub fn write(&mut self, offset: u64, value: u32) -> WriteEffects {
        match offset {
            reg::LR => {
                self.lr = value;
                self.tick.tick_offset = self
                    .tick
                    .tick_offset
                    .wrapping_add(value.wrapping_sub(self.count()));
                self.set_alarm();
            }
            reg::MR => {
                self.mr = value;
                self.set_alarm();
            }
            reg::IMSC => self.im = value & 1,
            reg::ICR => self.is &= !value,
            reg::CR => {
                return WriteEffects::dropped("CR: the RTC is always enabled (QEMU ignores writes)")
            }
            reg::DR | reg::RIS | reg::MIS => {
                return WriteEffects::dropped(
                    "a read-only register (QEMU logs the write and ignores it)",
                )
            }
            _ => return WriteEffects::ignored("pl031", offset),
        }
        WriteEffects::default()
    }
}

impl Default for Pl031 {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Pl031 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pl031")
            .field("tick_offset_vmstate", &self.tick_offset_vmstate.get())
            .field("mr", &self.mr)
            .field("lr", &self.lr)
            .field("cr", &self.cr)
            .field("im", &self.im)
            .field("is", &self.is)
            .field("tick", &self.tick)
            .field("alarm_at_ns", &self.alarm_at_ns)
            .finish_non_exhaustive()
    }
}

/// Equal when every state field is (clocks are not state).
impl PartialEq for Pl031 {
    fn eq(&self, o: &Self) -> bool {
        self.tick_offset_vmstate == o.tick_offset_vmstate
            && (self.mr, self.lr, self.cr, self.im, self.is) == (o.mr, o.lr, o.cr, o.im, o.is)
            && self.tick == o.tick
            && self.migrate_tick_offset == o.migrate_tick_offset
            && self.alarm_at_ns == o.alarm_at_ns
    }
}
