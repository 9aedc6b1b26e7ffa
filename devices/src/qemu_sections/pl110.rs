//! The migrated state of the Integrator/CP's PL110 colour LCD controller (the `pl110` section,
//! version 2, minimum 1), as QEMU 7.2's `vmstate_pl110` (`hw/display/pl110.c`) lays it out:
//! state only, no display. 1,596 bytes of fields, all fixed-size; `mux_ctrl` (the board's
//! 16-bit pixel format mux) joined the section in version 2, so a version 1 stream keeps the
//! destination's value, as QEMU does.
//!
//! QEMU refuses nothing on load. Its `post_load` only forces a redraw at the loaded size (a
//! fix-up: it sets `invalidate` and resizes the console). It also trusts values a port with
//! behaviour must bound before using them: `version` indexes its 3-entry ID register table
//! and `bpp` its draw-function table, unchecked (a guest can only write `bpp` as
//! `(LCDControl >> 1) & 7`).
//!
//! ```
//! use devices::qemu_sections::pl110::Pl110State;
//!
//! let lcd = Pl110State {
//!     timing: [0x3f1f_3f9c, 0x090b_61df, 0x067f_1800, 0],
//!     cols: 640,
//!     rows: 480,
//!     mux_ctrl: 3,
//!     ..Pl110State::default()
//! };
//! let bytes = vmstate_core::qemu::to_bytes(&lcd).unwrap();
//! assert_eq!(bytes.len(), 1596);
//! let mut back = Pl110State::default();
//! vmstate_core::qemu::from_bytes(&mut back, &bytes, 2, 0).unwrap();
//! assert_eq!(back, lcd);
//!
//! // A version 1 stream has no `mux_ctrl`: the destination keeps its own.
//! let mut old = Pl110State { mux_ctrl: 1, ..Pl110State::default() };
//! vmstate_core::qemu::from_bytes(&mut old, &bytes[..1592], 1, 0).unwrap();
//! assert_eq!((old.cols, old.mux_ctrl), (640, 1));
//! ```

use vmstate_core::VmState;

/// The `pl110` section. Field names are QEMU's.
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "pl110", version = 2, minimum_version = 1)]
pub struct Pl110State {
    /// Which variant QEMU models (0 PL110, 1 the Versatile's PL110, 2 PL111): fixed by the
    /// QEMU type, yet migrated. It decides the ID registers and which of offsets 0x18/0x1c
    /// is the control register.
    pub version: i32,
    /// LCDTiming0..3: timing registers; 0 and 1 also set `cols` and `rows`.
    pub timing: [u32; 4],
    /// LCDControl: enable, power, bits per pixel, BGR and endianness bits.
    pub cr: u32,
    /// LCDUPBASE: the upper panel's frame buffer address.
    pub upbase: u32,
    /// LCDLPBASE: the lower panel's frame buffer address.
    pub lpbase: u32,
    /// LCDRIS: the raw interrupt status.
    pub int_status: u32,
    /// LCDIMSC: the interrupt mask.
    pub int_mask: u32,
    /// The screen width in pixels, from LCDTiming0.
    pub cols: i32,
    /// The screen height in lines, from LCDTiming1.
    pub rows: i32,
    /// The pixel format, LCDControl bits 1..3 (QEMU's `enum pl110_bppmode`, sent as uint32).
    pub bpp: u32,
    /// Nonzero when the whole screen must be redrawn.
    pub invalidate: i32,
    /// The palette converted to host pixels (two per raw entry).
    pub palette: [u32; 256],
    /// The palette registers as the guest wrote them (two 16-bit entries per word).
    pub raw_palette: [u32; 128],
    /// The board's 16-bit pixel format mux (a GPIO input): 0 888, 1 5551, 2 565 RGB, 3 565
    /// BGR. Sent since version 2.
    #[vmstate(since = 2)]
    pub mux_ctrl: u32,
}

// `Default` by hand: std derives it for arrays of at most 32 elements.
impl Default for Pl110State {
    fn default() -> Self {
        Self {
            version: 0,
            timing: [0; 4],
            cr: 0,
            upbase: 0,
            lpbase: 0,
            int_status: 0,
            int_mask: 0,
            cols: 0,
            rows: 0,
            bpp: 0,
            invalidate: 0,
            palette: [0; 256],
            raw_palette: [0; 128],
            mux_ctrl: 0,
        }
    }
}
