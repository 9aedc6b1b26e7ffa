//! The Integrator/CP interrupt controller ("icp_pic", QOM type `integrator_pic`), ported
//! from QEMU 7.2. The board has two: the primary at 0x14000000 (instance 0) and the
//! secondary at 0xca000000 (instance 1), whose IRQ output drives primary input 26.
//!
//! ```
//! use devices::{board::{map, PIC_INPUT_SIC}, icp_pic::reg, IntegratorCp};
//!
//! let mut board = IntegratorCp::new(32);
//! board.write(map::PIC + reg::IRQ_ENABLESET, 1 << PIC_INPUT_SIC).unwrap();
//! board.write(map::SIC + reg::IRQ_ENABLESET, 1).unwrap();
//! board.write(map::SIC + reg::INT_SOFTSET, 1).unwrap(); // secondary input 0, by software
//! assert!(board.cpu_irq()); // through primary input 26
//! ```

use crate::mmio::{Unimplemented, WriteEffects};
use vmstate_core::VmState;

/// Register offsets within the controller's window.
pub mod reg {
    /// IRQ_STATUS: level & irq_enabled.
    pub const IRQ_STATUS: u64 = 0x00;
    /// IRQ_RAWSTAT: level.
    pub const IRQ_RAWSTAT: u64 = 0x04;
    /// IRQ_ENABLESET: reads irq_enabled; a write sets bits.
    pub const IRQ_ENABLESET: u64 = 0x08;
    /// IRQ_ENABLECLR: a write clears bits.
    pub const IRQ_ENABLECLR: u64 = 0x0c;
    /// INT_SOFTSET: reads level bit 0; writing bit 0 raises input 0.
    pub const INT_SOFTSET: u64 = 0x10;
    /// INT_SOFTCLR: writing bit 0 lowers input 0.
    pub const INT_SOFTCLR: u64 = 0x14;
    /// FRQ_STATUS: level & fiq_enabled.
    pub const FRQ_STATUS: u64 = 0x20;
    /// FRQ_RAWSTAT: level.
    pub const FRQ_RAWSTAT: u64 = 0x24;
    /// FRQ_ENABLESET: reads fiq_enabled; a write sets bits.
    pub const FRQ_ENABLESET: u64 = 0x28;
    /// FRQ_ENABLECLR: a write clears bits.
    pub const FRQ_ENABLECLR: u64 = 0x2c;
}

/// The software-triggered input.
pub const SOFT_INPUT: u32 = 0;

/// One interrupt controller: 32 level-sensitive inputs, an IRQ and an FIQ output.
///
/// ```
/// use devices::{icp_pic::reg, IcpPic};
/// let mut pic = IcpPic::default();
/// pic.write(reg::IRQ_ENABLESET, 1 << 8);
/// pic.set_input(8, true);
/// assert!(pic.irq_output());
/// assert_eq!(pic.read(reg::IRQ_STATUS), 1 << 8);
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "icp_pic", version = 1, minimum_version = 1)]
pub struct IcpPic {
    /// Input levels, one bit per input.
    pub level: u32,
    /// Inputs routed to the IRQ output.
    pub irq_enabled: u32,
    /// Inputs routed to the FIQ output.
    pub fiq_enabled: u32,
}

impl IcpPic {
    /// Drives input `line` (0..32) to `high`.
    pub fn set_input(&mut self, line: u32, high: bool) {
        let bit = 1u32 << (line & 31);
        if high {
            self.level |= bit;
        } else {
            self.level &= !bit;
        }
    }

    /// The IRQ output: any enabled input high.
    pub fn irq_output(&self) -> bool {
        self.level & self.irq_enabled != 0
    }

    /// The FIQ output.
    ///
    /// ```
    /// use devices::{icp_pic::reg, IcpPic};
    /// let mut pic = IcpPic::default();
    /// pic.write(reg::FRQ_ENABLESET, 1 << 8);
    /// pic.set_input(8, true);
    /// assert!(pic.fiq_output() && !pic.irq_output());
    /// ```
    pub fn fiq_output(&self) -> bool {
        self.level & self.fiq_enabled != 0
    }

    /// Reads the register at `offset`; others read 0.
    pub fn read(&self, offset: u64) -> u32 {
        self.read_checked(offset).unwrap_or(0)
    }

    /// Reads the register at `offset`, or says it is write-only or unmapped.
    ///
    /// ```
    /// use devices::{icp_pic::reg, IcpPic};
    /// let pic = IcpPic::default();
    /// assert_eq!(pic.read_checked(reg::FRQ_STATUS), Ok(0));
    /// assert!(pic.read_checked(reg::FRQ_ENABLECLR).is_err()); // write-only
    /// ```
    pub fn read_checked(&self, offset: u64) -> Result<u32, Unimplemented> {
        Ok(match offset & !3 {
            reg::IRQ_STATUS => self.level & self.irq_enabled,
            reg::IRQ_RAWSTAT | reg::FRQ_RAWSTAT => self.level,
            reg::IRQ_ENABLESET => self.irq_enabled,
            reg::INT_SOFTSET => self.level & 1,
            reg::FRQ_STATUS => self.level & self.fiq_enabled,
            reg::FRQ_ENABLESET => self.fiq_enabled,
            _ => {
                return Err(Unimplemented {
                    device: "icp_pic",
                    offset,
                    what: "read of a write-only or unmapped register",
                })
            }
        })
    }

    /// Writes the register at `offset`. A write that changes nothing says why: to a
    /// read-only register, or to INT_SOFTSET/INT_SOFTCLR without bit 0.
    ///
    /// ```
    /// use devices::{icp_pic::reg, IcpPic};
    /// let mut pic = IcpPic::default();
    /// assert!(pic.write(reg::INT_SOFTSET, 0x100).dropped.is_some()); // bit 0 only
    /// assert!(pic.write(reg::IRQ_STATUS, 1).dropped.is_some()); // read-only
    /// assert!(pic.write(reg::INT_SOFTSET, 1).dropped.is_none());
    /// assert_eq!(pic.level, 1);
    /// ```
    pub fn write(&mut self, offset: u64, value: u32) -> WriteEffects {
        match offset & !3 {
            reg::IRQ_ENABLESET => self.irq_enabled |= value,
            reg::IRQ_ENABLECLR => self.irq_enabled &= !value,
            reg::INT_SOFTSET if value & 1 != 0 => self.set_input(SOFT_INPUT, true),
            reg::INT_SOFTCLR if value & 1 != 0 => self.set_input(SOFT_INPUT, false),
            reg::INT_SOFTSET | reg::INT_SOFTCLR => {
                return WriteEffects::dropped(
                    "INT_SOFTSET and INT_SOFTCLR act on bit 0 only, which this value leaves clear",
                )
            }
            reg::FRQ_ENABLESET => self.fiq_enabled |= value,
            reg::FRQ_ENABLECLR => self.fiq_enabled &= !value,
            reg::IRQ_STATUS | reg::IRQ_RAWSTAT | reg::FRQ_STATUS | reg::FRQ_RAWSTAT => {
                return WriteEffects::dropped(
                    "a read-only register (QEMU logs the write as a bad offset and ignores it)",
                )
            }
            _ => return WriteEffects::ignored("icp_pic", offset),
        }
        WriteEffects::default()
    }
}
