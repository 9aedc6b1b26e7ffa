//! The PL022 synchronous serial port ("pl022_ssp"), ported from QEMU's `hw/ssi/pl022.c`:
//! the device of CVE-2013-4530, where QEMU loaded the FIFO head indices unchecked and later
//! indexed past the 8-entry FIFOs. Here the migration description bounds every index with
//! `range`, so a hostile stream is refused while it is decoded, before anything changes,
//! instead of corrupting memory (C) or panicking (Rust) on a later access. Not on the
//! Integrator/CP board; ported for its migration state.
//!
//! The SSI bus is modelled as loopback only: a transfer with CR1.LBM clear sends nothing and
//! receives zeros (a bus with no device answering).
//!
//! ```
//! use devices::pl022::Pl022;
//!
//! let ssp = Pl022::new();
//! let mut bytes = vmstate_core::qemu::to_bytes(&ssp).unwrap();
//! bytes[28..32].copy_from_slice(&9i32.to_be_bytes()); // tx_fifo_head: past the FIFO
//! let mut dst = Pl022::new();
//! let err = vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap_err();
//! assert_eq!(err.path(), "pl022_ssp.tx_fifo_head");
//! assert_eq!(dst, ssp); // nothing changed
//! ```

use crate::mmio::{Unimplemented, WriteEffects};
use vmstate_core::VmState;

/// Register offsets.
pub mod reg {
    /// SSPCR0: data size and format.
    pub const CR0: u64 = 0x00;
    /// SSPCR1: loopback, enable, master/slave.
    pub const CR1: u64 = 0x04;
    /// SSPDR: data (read pops RX, write pushes TX).
    pub const DR: u64 = 0x08;
    /// SSPSR: status.
    pub const SR: u64 = 0x0c;
    /// SSPCPSR: clock prescale.
    pub const CPSR: u64 = 0x10;
    /// SSPIMSC: interrupt mask.
    pub const IMSC: u64 = 0x14;
    /// SSPRIS: raw interrupt status.
    pub const RIS: u64 = 0x18;
    /// SSPMIS: masked interrupt status.
    pub const MIS: u64 = 0x1c;
    /// SSPICR: interrupt clear (write-only).
    pub const ICR: u64 = 0x20;
    /// SSPDMACR: DMA control (not implemented).
    pub const DMACR: u64 = 0x24;
    /// First byte of the id registers.
    pub const ID_START: u64 = 0xfe0;
    /// Last byte of the id registers.
    pub const ID_END: u64 = 0xfff;
}

/// CR1: loopback mode.
pub const CR1_LBM: u32 = 0x01;
/// CR1: port enable.
pub const CR1_SSE: u32 = 0x02;
/// SR: transmit FIFO empty.
pub const SR_TFE: u32 = 0x01;
/// SR: transmit FIFO not full.
pub const SR_TNF: u32 = 0x02;
/// SR: receive FIFO not empty.
pub const SR_RNE: u32 = 0x04;
/// SR: receive FIFO full.
pub const SR_RFF: u32 = 0x08;
/// SR: busy.
pub const SR_BSY: u32 = 0x10;
/// Interrupt: receive overrun.
pub const INT_ROR: u32 = 0x01;
/// Interrupt: receive timeout.
pub const INT_RT: u32 = 0x02;
/// Interrupt: receive FIFO half full.
pub const INT_RX: u32 = 0x04;
/// Interrupt: transmit FIFO half empty.
pub const INT_TX: u32 = 0x08;
/// The id bytes at 0xfe0.. (one per word).
pub const PL022_ID: [u8; 8] = [0x22, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1];
/// Entries in each FIFO.
pub const FIFO_DEPTH: usize = 8;
const FIFO_MASK: i32 = FIFO_DEPTH as i32 - 1;

/// One slot of each FIFO: QEMU's wire interleaves them (`tx_fifo[i]`, `rx_fifo[i]`).
///
/// ```
/// use devices::pl022::FifoSlot;
/// let slot = FifoSlot { tx: 0x1234, rx: 0x56 };
/// assert_eq!(vmstate_core::qemu::to_bytes(&slot).unwrap(), [0x12, 0x34, 0, 0x56]);
/// ```
#[derive(VmState, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[vmstate(name = "pl022_fifo_slot")]
pub struct FifoSlot {
    /// `tx_fifo[i]`.
    pub tx: u16,
    /// `rx_fifo[i]`.
    pub rx: u16,
}

/// The PL022.
///
/// ```
/// use devices::pl022::{reg, Pl022, CR1_LBM, CR1_SSE};
/// let mut ssp = Pl022::new();
/// ssp.write(reg::CR0, 7); // 8-bit frames
/// ssp.write(reg::CR1, CR1_LBM | CR1_SSE);
/// ssp.write(reg::DR, 0x1a5);
/// assert_eq!(ssp.read(reg::DR), 0xa5); // looped back, masked to 8 bits
/// ```
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "pl022_ssp", version = 1, minimum_version = 1)]
pub struct Pl022 {
    /// SSPCR0.
    pub cr0: u32,
    /// SSPCR1.
    pub cr1: u32,
    /// The data-size mask derived from CR0 (QEMU migrates it).
    pub bitmask: u32,
    /// SSPSR.
    pub sr: u32,
    /// SSPCPSR.
    pub cpsr: u32,
    /// Raw interrupt status.
    pub is: u32,
    /// Interrupt mask.
    pub im: u32,
    /// Next free TX slot. Bounded on load: CVE-2013-4530.
    #[vmstate(range = "0..8")]
    pub tx_fifo_head: i32,
    /// Next free RX slot. Bounded on load: CVE-2013-4530.
    #[vmstate(range = "0..8")]
    pub rx_fifo_head: i32,
    /// Entries in the TX FIFO (QEMU does not check it; a FIFO holds at most 8).
    #[vmstate(range = "0..=8")]
    pub tx_fifo_len: i32,
    /// Entries in the RX FIFO.
    #[vmstate(range = "0..=8")]
    pub rx_fifo_len: i32,
    /// The FIFOs.
    pub fifo: [FifoSlot; FIFO_DEPTH],
}

impl Default for Pl022 {
    fn default() -> Self {
        Self::new()
    }
}

impl Pl022 {
    /// A PL022 after reset.
    pub fn new() -> Self {
        let mut s = Pl022 {
            cr0: 0,
            cr1: 0,
            bitmask: 0,
            sr: 0,
            cpsr: 0,
            is: 0,
            im: 0,
            tx_fifo_head: 0,
            rx_fifo_head: 0,
            tx_fifo_len: 0,
            rx_fifo_len: 0,
            fifo: [FifoSlot::default(); FIFO_DEPTH],
        };
        s.reset();
        s
    }

    /// QEMU's reset: empties the FIFOs (heads and contents are kept), clears the mask.
    ///
    /// ```
    /// use devices::pl022::{reg, Pl022, SR_TFE};
    /// let mut ssp = Pl022::new();
    /// ssp.write(reg::DR, 0x55); // queued: the port is not enabled
    /// assert_eq!(ssp.tx_fifo_len, 1);
    /// ssp.reset();
    /// assert_eq!(ssp.tx_fifo_len, 0);
    /// assert_eq!(ssp.read(reg::SR) & SR_TFE, SR_TFE); // TX FIFO empty
    /// ```
    pub fn reset(&mut self) {
        self.rx_fifo_len = 0;
        self.tx_fifo_len = 0;
        self.im = 0;
        self.is = INT_TX;
        self.sr = SR_TFE | SR_TNF;
    }

    /// The interrupt output.
    ///
    /// ```
    /// use devices::pl022::{reg, Pl022, INT_TX};
    /// let mut ssp = Pl022::new();
    /// assert!(!ssp.irq_output()); // reset masks everything
    /// ssp.write(reg::IMSC, INT_TX); // TX FIFO at most half full
    /// assert!(ssp.irq_output());
    /// ```
    pub fn irq_output(&self) -> bool {
        self.is & self.im != 0
    }

    fn slot(index: i32) -> usize {
        (index & FIFO_MASK) as usize
    }

    fn update(&mut self) {
        self.sr = 0;
        if self.tx_fifo_len == 0 {
            self.sr |= SR_TFE;
        }
        if self.tx_fifo_len != FIFO_DEPTH as i32 {
            self.sr |= SR_TNF;
        }
        if self.rx_fifo_len != 0 {
            self.sr |= SR_RNE;
        }
        if self.rx_fifo_len == FIFO_DEPTH as i32 {
            self.sr |= SR_RFF;
        }
        if self.tx_fifo_len != 0 {
            self.sr |= SR_BSY;
        }
        self.is = 0;
        if self.rx_fifo_len >= 4 {
            self.is |= INT_RX;
        }
        if self.tx_fifo_len <= 4 {
            self.is |= INT_TX;
        }
    }

    /// Moves words from TX to RX while the port is enabled and RX has room.
    fn xfer(&mut self) {
        if self.cr1 & CR1_SSE == 0 {
            self.update();
            return;
        }
        let mut i = Self::slot(self.tx_fifo_head - self.tx_fifo_len);
        let mut o = Self::slot(self.rx_fifo_head);
        while self.tx_fifo_len > 0 && self.rx_fifo_len < FIFO_DEPTH as i32 {
            let val = if self.cr1 & CR1_LBM != 0 {
                u32::from(self.fifo[i].tx)
            } else {
                0
            };
            self.fifo[o].rx = (val & self.bitmask) as u16;
            i = (i + 1) % FIFO_DEPTH;
            o = (o + 1) % FIFO_DEPTH;
            self.tx_fifo_len -= 1;
            self.rx_fifo_len += 1;
        }
        self.rx_fifo_head = o as i32;
        self.update();
    }

    /// Reads the register at `offset` (DR pops the RX FIFO).
    pub fn read(&mut self, offset: u64) -> u32 {
        self.read_checked(offset).unwrap_or(0)
    }

    /// Reads the register at `offset`, or says it is unmapped.
    ///
    /// ```
    /// use devices::pl022::{reg, Pl022};
    /// let mut ssp = Pl022::new();
    /// assert_eq!(ssp.read_checked(reg::ID_START), Ok(0x22));
    /// assert!(ssp.read_checked(0x30).is_err());
    /// ```
    pub fn read_checked(&mut self, offset: u64) -> Result<u32, Unimplemented> {
        Ok(match offset {
            reg::ID_START..=reg::ID_END => {
                PL022_ID[((offset - reg::ID_START) >> 2) as usize].into()
            }
            reg::CR0 => self.cr0,
            reg::CR1 => self.cr1,
            reg::DR if self.rx_fifo_len > 0 => {
                let val = self.fifo[Self::slot(self.rx_fifo_head - self.rx_fifo_len)].rx;
                self.rx_fifo_len -= 1;
                self.xfer();
                val.into()
            }
            reg::DR => 0,
            reg::SR => self.sr,
            reg::CPSR => self.cpsr,
            reg::IMSC => self.im,
            reg::RIS => self.is,
            reg::MIS => self.im & self.is,
            reg::DMACR => 0,
            _ => {
                return Err(Unimplemented {
                    device: "pl022",
                    offset,
                    what: "read of an unmapped register",
                })
            }
        })
    }

    /// Writes the register at `offset`.
    pub fn write(&mut self, offset: u64, value: u32) -> WriteEffects {
        match offset {
            reg::CR0 => {
                self.cr0 = value;
                self.bitmask = ((1u64 << ((value & 15) + 1)) - 1) as u32;
            }
            reg::CR1 => {
                self.cr1 = value;
                self.xfer();
            }
            reg::DR if self.tx_fifo_len < FIFO_DEPTH as i32 => {
                let head = Self::slot(self.tx_fifo_head);
                self.fifo[head].tx = (value & self.bitmask) as u16;
                self.tx_fifo_head = Self::slot(self.tx_fifo_head + 1) as i32;
                self.tx_fifo_len += 1;
                self.xfer();
            }
            reg::DR => {} // TX full: dropped
            reg::CPSR => self.cpsr = value & 0xff,
            reg::IMSC => {
                self.im = value;
                self.update();
            }
            reg::ICR => self.is &= !(value & (INT_ROR | INT_RT)),
            reg::DMACR => {}
            _ => return WriteEffects::ignored("pl022", offset),
        }
        WriteEffects::default()
    }
}
