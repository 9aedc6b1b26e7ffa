//! The Integrator/CP counter/timers' migrated state (three `arm_timer` sections, version 1,
//! instances 0 to 2), as QEMU 7.2's `vmstate_arm_timer` (`hw/timer/arm_timer.c`) lays it
//! out: state only, no counting. The board's `integrator_pit` creates the three timers with
//! `vmstate_register` (they are not qdev devices, so QEMU's `-dump-vmstate` lists none).
//!
//! Each timer's counter is a nested `ptimer` struct (`vmstate_ptimer`, `hw/core/ptimer.c`),
//! whose last entry is QEMU's `VMSTATE_TIMER_PTR`: the expiry time of the timer behind the
//! counter, in nanoseconds of the virtual clock, an `int64` (vmdesc type `timer`), -1 when no
//! expiry is pending.
//!
//! QEMU refuses nothing here and has no `post_load`.
//!
//! ```
//! use devices::qemu_sections::arm_timer::{ArmTimerState, PtimerState};
//!
//! let timer = ArmTimerState {
//!     control: 0xe2,        // enabled, periodic, interrupt enabled, 32-bit
//!     limit: 0xffff,
//!     int_level: 0,
//!     timer: PtimerState {
//!         enabled: 1,       // periodic
//!         limit: 0xffff,
//!         delta: 0x8000,
//!         period: 1000,     // 1 MHz
//!         next_event: 5_000_000,
//!         timer: 5_000_000,
//!         ..PtimerState::default()
//!     },
//! };
//! let bytes = vmstate_core::qemu::to_bytes(&timer).unwrap();
//! assert_eq!(bytes.len(), 12 + 53);
//! let mut back = ArmTimerState::default();
//! vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
//! assert_eq!(back, timer);
//! ```

use vmstate_core::VmState;

/// The `arm_timer` section. Field names are QEMU's.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "arm_timer", version = 1, minimum_version = 1)]
pub struct ArmTimerState {
    /// TimerXControl: enable (0x80), periodic (0x40), interrupt enable (0x20), prescale
    /// (bits 2-3), 32-bit (0x02), one-shot (0x01).
    pub control: u32,
    /// TimerXLoad, the value the counter reloads from.
    pub limit: u32,
    /// The raw interrupt status (TimerXRIS).
    pub int_level: i32,
    /// The down-counter.
    pub timer: PtimerState,
}

/// QEMU's `ptimer` description (version 1): a periodic down-counter driven by the virtual
/// clock. Field names are QEMU's.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "ptimer", version = 1, minimum_version = 1)]
pub struct PtimerState {
    /// 0 stopped, 1 periodic, 2 one-shot.
    pub enabled: u8,
    /// The value the counter reloads from.
    pub limit: u64,
    /// The count at `last_event` (the counter's value while stopped).
    pub delta: u64,
    /// The fractional part of the tick period, in 2^-32 ns.
    pub period_frac: u32,
    /// The tick period in nanoseconds (0 until a frequency is set).
    pub period: i64,
    /// When the counter last reloaded or was set, in virtual-clock nanoseconds.
    pub last_event: i64,
    /// When the counter next reaches zero, in virtual-clock nanoseconds.
    pub next_event: i64,
    /// The expiry of the QEMU timer behind the counter (`VMSTATE_TIMER_PTR`), in
    /// virtual-clock nanoseconds; -1 when it is not armed.
    pub timer: i64,
}
