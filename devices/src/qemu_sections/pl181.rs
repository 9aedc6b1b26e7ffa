//! The PL181 MultiMedia Card interface's migrated state (the `pl181` section, version 1), as
//! QEMU 7.2's `vmstate_pl181` (`hw/sd/pl181.c`) lays it out: state only, no behaviour. The
//! card behind it sends its own `sd-card` section.
//!
//! QEMU refuses nothing here and has no `post_load`, not even for the FIFO's position and
//! fill level (`fifo_pos`, `fifo_len`), which its code uses as indexes into the 16-word
//! `fifo` (the device keeps them within 0..16 and 0..=16). This port refuses no more than
//! QEMU does, so a device model built on it must check both before indexing with them.
//!
//! ```
//! use devices::qemu_sections::pl181::Pl181State;
//!
//! let mmc = Pl181State {
//!     power: 0x83,          // powered on
//!     clock: 0x1ff,
//!     mask: [0x3ff, 0],
//!     fifo_len: 1,
//!     fifo: [0xdead_beef; 16],
//!     ..Pl181State::default()
//! };
//! let bytes = vmstate_core::qemu::to_bytes(&mmc).unwrap();
//! assert_eq!(bytes.len(), 4 * (7 + 4 + 3 + 2 + 3 + 16));
//! let mut back = Pl181State::default();
//! vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
//! assert_eq!(back, mmc);
//! ```

use vmstate_core::VmState;

/// The FIFO's depth in 32-bit words (QEMU's `PL181_FIFO_LEN`).
pub const PL181_FIFO_LEN: usize = 16;

/// The `pl181` section. Field names are QEMU's.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "pl181", version = 1, minimum_version = 1)]
pub struct Pl181State {
    /// MCIClock, the clock control register.
    pub clock: u32,
    /// MCIPower, the power control register.
    pub power: u32,
    /// MCIArgument, the command argument.
    pub cmdarg: u32,
    /// MCICommand, the last command written (its enable bit cleared once it ran).
    pub cmd: u32,
    /// MCIDataTimer, the data timeout period.
    pub datatimer: u32,
    /// MCIDataLength, the length of the data transfer in bytes.
    pub datalength: u32,
    /// MCIRespCmd, the index of the last command that got a response.
    pub respcmd: u32,
    /// MCIResponse0..3, the card's last response.
    pub response: [u32; 4],
    /// MCIDataCtrl, the data path control register.
    pub datactrl: u32,
    /// MCIDataCnt, the bytes of the transfer still to move.
    pub datacnt: u32,
    /// MCIStatus, the status flags.
    pub status: u32,
    /// MCIMask0 and MCIMask1, the interrupt masks of the two interrupt lines.
    pub mask: [u32; 2],
    /// The FIFO slot of the next word to read (not checked on load, as in QEMU).
    pub fifo_pos: i32,
    /// How many words the FIFO holds (not checked on load, as in QEMU).
    pub fifo_len: i32,
    /// Whether a transfer is held back until the guest reads the status (QEMU's
    /// workaround for a Linux 2.6.21 driver bug).
    pub linux_hack: i32,
    /// The data FIFO.
    pub fifo: [u32; PL181_FIFO_LEN],
}
