//! The PL050 keyboard/mouse interface's migrated state (the `pl050` section, version 2), as
//! QEMU 7.2's `vmstate_pl050` (`hw/input/pl050.c`) lays it out: state only, no behaviour. The
//! Integrator/CP has two: instance 0 in front of the PS/2 keyboard, instance 1 in front of the
//! mouse (QEMU types `pl050_keyboard` and `pl050_mouse`, one description); the PS/2 devices
//! send their own sections (see [`super::ps2`]).
//!
//! QEMU refuses nothing here and has no `post_load`: the interrupt line is recomputed from
//! `cr` and `pending` on the next access.
//!
//! ```
//! use devices::qemu_sections::pl050::Pl050State;
//!
//! let kmi = Pl050State { cr: 0x14, clk: 8, last: 0xfa, pending: 1 };
//! let bytes = vmstate_core::qemu::to_bytes(&kmi).unwrap();
//! assert_eq!(bytes.len(), 16);
//! let mut back = Pl050State::default();
//! vmstate_core::qemu::from_bytes(&mut back, &bytes, 2, 0).unwrap();
//! assert_eq!(back, kmi);
//! ```

use vmstate_core::VmState;

/// The `pl050` section. Field names are QEMU's.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "pl050", version = 2, minimum_version = 2)]
pub struct Pl050State {
    /// KMICR, the control register (enable, receive/transmit interrupt enables, forced
    /// clock and data lines).
    pub cr: u32,
    /// KMICLKDIV, the clock divisor.
    pub clk: u32,
    /// The last byte read from the PS/2 device (KMIDATA returns it again while nothing is
    /// pending, and KMISTAT's parity bit is computed from it).
    pub last: u32,
    /// The PS/2 device's interrupt line (1 while it has data queued).
    pub pending: i32,
}
