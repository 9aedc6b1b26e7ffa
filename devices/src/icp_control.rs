//! The Integrator/CP control registers ("icp_control", QOM type `icp-ctrl-regs`) at
//! 0xcb000000, ported from QEMU 7.2: identification, and the MMC card status latch whose
//! interrupt drives secondary PIC input 3.
//!
//! ```
//! use devices::{board::map, icp_control::{reg, CP_IDFIELD}, IntegratorCp};
//!
//! let mut board = IntegratorCp::new(32);
//! assert_eq!(board.read(map::CONTROL + reg::IDFIELD).unwrap(), CP_IDFIELD);
//! board.write(map::SIC + 0x08, 1 << 3).unwrap(); // secondary PIC: enable the MMC input
//! board.control.set_card_inserted(true);
//! board.update_interrupts();
//! assert!(board.sic.irq_output());
//! ```

use crate::mmio::{Unimplemented, WriteEffects};
use vmstate_core::VmState;

/// Register offsets within the window.
pub mod reg {
    /// CP_IDFIELD.
    pub const IDFIELD: u64 = 0x0;
    /// CP_FLASHPROG.
    pub const FLASHPROG: u64 = 0x4;
    /// CP_INTREG: MMC status; writing bit 3 clears the card-in latch.
    pub const INTREG: u64 = 0x8;
    /// CP_DECODE.
    pub const DECODE: u64 = 0xc;
}

/// CP_IDFIELD's value.
pub const CP_IDFIELD: u32 = 0x4103_4003;
/// CP_DECODE's value.
pub const CP_DECODE: u32 = 0x11;
/// INTREG bit 0: the card is write-protected (follows the MMC controller's line).
pub const INTREG_WPROT: u32 = 1 << 0;
/// INTREG bit 3: a card was inserted (a latch; its interrupt stays up until cleared).
pub const INTREG_CARDIN: u32 = 1 << 3;

/// The control registers.
///
/// ```
/// use devices::{icp_control::reg, IcpControl};
/// let mut c = IcpControl::default();
/// c.set_card_inserted(true);
/// assert!(c.mmc_irq());
/// c.write(reg::INTREG, 0x8);
/// assert!(!c.mmc_irq());
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "icp_control", version = 1, minimum_version = 1)]
pub struct IcpControl {
    /// CP_INTREG.
    pub intreg_state: u32,
}

impl IcpControl {
    /// The MMC controller's write-protect line.
    ///
    /// ```
    /// use devices::{icp_control::{reg, INTREG_WPROT}, IcpControl};
    /// let mut c = IcpControl::default();
    /// c.set_card_readonly(true);
    /// assert_eq!(c.read(reg::INTREG) & INTREG_WPROT, INTREG_WPROT);
    /// assert!(!c.mmc_irq()); // write protection raises no interrupt
    /// ```
    pub fn set_card_readonly(&mut self, high: bool) {
        self.intreg_state &= !INTREG_WPROT;
        if high {
            self.intreg_state |= INTREG_WPROT;
        }
    }

    /// The MMC controller's card-inserted line: a high level sets the latch (a low one does
    /// nothing; the guest clears the latch through INTREG).
    pub fn set_card_inserted(&mut self, high: bool) {
        if high {
            self.intreg_state |= INTREG_CARDIN;
        }
    }

    /// The MMC interrupt output.
    pub fn mmc_irq(&self) -> bool {
        self.intreg_state & INTREG_CARDIN != 0
    }

    /// Reads the register at `offset`; others read 0.
    ///
    /// ```
    /// use devices::{icp_control::{reg, CP_DECODE}, IcpControl};
    /// let c = IcpControl::default();
    /// assert_eq!(c.read(reg::DECODE), CP_DECODE);
    /// assert_eq!(c.read(0x40), 0); // unmapped
    /// ```
    pub fn read(&self, offset: u64) -> u32 {
        self.read_checked(offset).unwrap_or(0)
    }

    /// Reads the register at `offset`, or says it is unmapped.
    ///
    /// ```
    /// use devices::{icp_control::reg, IcpControl};
    /// let c = IcpControl::default();
    /// assert_eq!(c.read_checked(reg::FLASHPROG), Ok(0));
    /// assert_eq!(c.read_checked(0x40).unwrap_err().device, "icp_control");
    /// ```
    pub fn read_checked(&self, offset: u64) -> Result<u32, Unimplemented> {
        Ok(match offset & !3 {
            reg::IDFIELD => CP_IDFIELD,
            reg::FLASHPROG => 0,
            reg::INTREG => self.intreg_state,
            reg::DECODE => CP_DECODE,
            _ => {
                return Err(Unimplemented {
                    device: "icp_control",
                    offset,
                    what: "read of an unmapped register",
                })
            }
        })
    }

    /// Writes the register at `offset`.
    pub fn write(&mut self, offset: u64, value: u32) -> WriteEffects {
        match offset & !3 {
            reg::INTREG => self.intreg_state &= !(value & INTREG_CARDIN),
            // Nothing is modelled behind these (QEMU ignores them too).
            reg::FLASHPROG | reg::DECODE => {
                return WriteEffects::dropped(
                    "CP_FLASHPROG and CP_DECODE are not modelled (QEMU ignores them)",
                )
            }
            _ => return WriteEffects::ignored("icp_control", offset),
        }
        WriteEffects::default()
    }
}
