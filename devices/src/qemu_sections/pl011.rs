//! The PL011 UART's migrated state (the `pl011` section, version 2), as QEMU 7.2's
//! `vmstate_pl011` (`hw/char/pl011.c`) lays it out: state only, no UART behaviour. The
//! Integrator/CP has two (instances 0 and 1).
//!
//! Sixteen registers and the receive FIFO, then the `pl011/clock` subsection holding the UART's
//! input clock as QEMU's `VMSTATE_CLOCK` sends it: a nested `clock` struct
//! (`hw/core/clock-vmstate.c`) with its own optional `clock/muldiv` subsection.
//!
//! QEMU's `vmstate_clock` has version 0 (never set). On QEMU's wire a nested struct's version
//! is not sent; it shows in the vmdesc, dumps and schemas.
//!
//! QEMU 7.2 does not check the FIFO position on load; QEMU 8.0 added a `post_load` that
//! refuses `read_pos >= 16` or `read_count > 16` (an index past the 16-entry FIFO). This port
//! refuses a `read_pos` past the FIFO and a negative `read_count` (`range`), which QEMU 7.2
//! never writes, but loads a `read_count` above 16, which it does: a serial break is queued
//! without the FIFO's room checked (`pl011_event`), so a flood of breaks leaves more
//! characters counted than the FIFO holds (seen live: 17 breaks on a muxed chardev gave 17,
//! and QEMU 7.2 loaded that stream; QEMU 8.0+ refuses it).
//!
//! What QEMU 8.0+'s `post_load` also does is a fix-up, not a refusal, and is left to a device
//! model: with the FIFO disabled, a character at `read_pos > 0` moves to slot 0 (older
//! QEMUs put it elsewhere); newer QEMUs also mask `ibrd` to 16 bits and `fbrd` to 6.
//!
//! QEMU 9.2 removed `readbuff`, which no code read: QEMU 10.0 sends `VMSTATE_UNUSED(4)` in
//! its place (zeros, named `unused` in its vmdesc). The bytes are the same, so this port
//! loads QEMU 10.0's sections too; it keeps QEMU 7.2's name.
//!
//! ```
//! use devices::qemu_sections::pl011::Pl011State;
//!
//! let uart = Pl011State {
//!     lcr: 0x70,         // 8 bits, FIFO enabled
//!     cr: 0x301,         // UART, RX and TX enabled
//!     read_fifo: [0x41; 16],
//!     read_pos: 15,
//!     read_count: 16,    // full
//!     ..Pl011State::default()
//! };
//! let bytes = vmstate_core::qemu::to_bytes(&uart).unwrap();
//! let mut back = Pl011State::default();
//! vmstate_core::qemu::from_bytes(&mut back, &bytes, 2, 0).unwrap();
//! assert_eq!(back, uart);
//!
//! // A FIFO position past the FIFO is refused, and the UART is left as it was.
//! let mut bad = bytes.clone();
//! bad[4 * 8 + 4 * 16 + 4 * 4..][..4].copy_from_slice(&16i32.to_be_bytes());
//! assert!(vmstate_core::qemu::from_bytes(&mut back, &bad, 2, 0).is_err());
//! assert_eq!(back, uart);
//! ```

use vmstate_core::VmState;

/// The receive FIFO's depth (QEMU's `PL011_FIFO_DEPTH`).
pub const PL011_FIFO_DEPTH: usize = 16;

/// The `pl011` section. Field names are QEMU 7.2's.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "pl011", version = 2, minimum_version = 2)]
pub struct Pl011State {
    /// A register no code reads (removed in QEMU 9.2, whose streams send zeros here).
    pub readbuff: u32,
    /// UARTFR, the flag register (FIFO full/empty, modem status).
    pub flags: u32,
    /// UARTLCR_H, the line control register (word length, FIFO enable, break).
    pub lcr: u32,
    /// UARTRSR, the receive status (error bits of the last character read).
    pub rsr: u32,
    /// UARTCR, the control register (UART/RX/TX enable, loopback, modem outputs).
    pub cr: u32,
    /// UARTDMACR, the DMA control register (QEMU implements no DMA).
    pub dmacr: u32,
    /// UARTIMSC, the interrupt mask (1 = enabled).
    pub int_enabled: u32,
    /// UARTRIS, the raw interrupt status.
    pub int_level: u32,
    /// The receive FIFO: each entry a character and its error bits (UARTDR's layout).
    pub read_fifo: [u32; PL011_FIFO_DEPTH],
    /// UARTILPR, the IrDA low-power counter.
    pub ilpr: u32,
    /// UARTIBRD, the integer baud rate divisor.
    pub ibrd: u32,
    /// UARTFBRD, the fractional baud rate divisor.
    pub fbrd: u32,
    /// UARTIFLS, the FIFO interrupt level select.
    pub ifl: u32,
    /// The FIFO slot of the next character to read (QEMU 8.0+ refuses one past the FIFO).
    #[vmstate(range = "0..16")]
    pub read_pos: i32,
    /// How many characters the FIFO holds: more than its depth after a flood of serial
    /// breaks in QEMU 7.2 (which QEMU 8.0+ refuses).
    #[vmstate(range = "0..")]
    pub read_count: i32,
    /// The FIFO fill level that raises the receive interrupt (QEMU always sets 1).
    pub read_trigger: i32,
    /// The UART's input clock, sent while the `migrate-clk` property is set.
    #[vmstate(subsection, needed = "Self::clock_needed")]
    pub clock: Pl011Clock,
}

// The `range` bound of `read_pos` is the FIFO depth written as an `i32` literal (its type).
const _: () = assert!(PL011_FIFO_DEPTH == 16);

impl Pl011State {
    /// QEMU's `pl011_clock_needed` returns the `migrate-clk` property, which is not migrated:
    /// it is on by default and only old versioned machine types turn it off; the
    /// Integrator/CP has no versioned machine types, so the subsection is always sent.
    fn clock_needed(&self) -> bool {
        true
    }
}

/// The `pl011/clock` subsection (`VMSTATE_CLOCK(clk, PL011State)`).
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "pl011/clock", version = 1, minimum_version = 1)]
pub struct Pl011Clock {
    /// The UART's input clock.
    pub clk: ClockState,
}

/// QEMU's `clock` description (`vmstate_clock`, version 0): a clock's period and, when it
/// is not 1:1, its multiplier and divider.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "clock", version = 0)]
pub struct ClockState {
    /// The period in units of 2^-32 ns (QEMU's `CLOCK_PERIOD_1SEC` is 10^9 << 32); 0 when
    /// the clock is off.
    pub period: u64,
    /// The multiplier and divider applied to the source clock, sent when either is not 1.
    /// A stream without them means 1 and 1: QEMU's `clock_pre_load` sets those before a
    /// load, whatever the destination's clock had.
    #[vmstate(
        subsection,
        needed = "Self::muldiv_needed",
        default = "ClockMulDiv::default"
    )]
    pub muldiv: ClockMulDiv,
}

impl ClockState {
    /// QEMU's `muldiv_needed`.
    fn muldiv_needed(&self) -> bool {
        self.muldiv.multiplier != 1 || self.muldiv.divider != 1
    }
}

/// The `clock/muldiv` subsection.
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "clock/muldiv", version = 1, minimum_version = 1)]
pub struct ClockMulDiv {
    /// The clock's period is its source's times this ...
    pub multiplier: u32,
    /// ... divided by this.
    pub divider: u32,
}

impl Default for ClockMulDiv {
    /// 1:1, as QEMU's `clock_initfn` and `clock_pre_load` set.
    fn default() -> Self {
        ClockMulDiv {
            multiplier: 1,
            divider: 1,
        }
    }
}
