//! The migrated state of the Integrator/CP's PL041 AACI (Advanced Audio CODEC Interface) and
//! its LM4549 codec (the `pl041` section, version 1), as QEMU 7.2's `vmstate_pl041`
//! (`hw/audio/pl041.c`) and `vmstate_lm4549_state` (`hw/audio/lm4549.c`) lay them out: state
//! only, no audio. Its 10,794 bytes are nested `VMSTATE_STRUCT`s: the register file (one
//! `uint32` per register, in `pl041.hx` order), FIFO channel 1 with its transmit and receive
//! FIFOs (QEMU's `MAX_FIFO_DEPTH`, 1,024 20-bit samples each, sent whole whatever their
//! level), and the codec: its AC'97 register file (indexed by register offset, so sparse)
//! and its 1,024-sample output buffer.
//!
//! The reserved word at 0x8c is a real `uint32` that QEMU names `unused`, the name it gives
//! padding (`VMSTATE_UNUSED`) too: here it is a `u32` field of that name, whose value
//! migrates (the schema tools tell padding by its type, QEMU's checker by the name).
//!
//! QEMU refuses nothing on load. `pl041` has no `post_load`; the codec's re-opens the host
//! audio voice at the loaded DAC rate (`regfile[0x2c]`) and, when `voice_is_active`, pumps
//! the output: behaviour, not state. QEMU also trusts values a port with behaviour must bound
//! before using them: a FIFO's `level` indexes its 1,024 samples, but QEMU bounds it by the
//! migrated `fifo_depth` (a property it allows up to 2,048), and the codec's `buffer_level`
//! sizes the copy out of its 1,024-sample buffer.
//!
//! ```
//! use devices::qemu_sections::pl041::{Lm4549State, Pl041State};
//!
//! let mut aaci = Pl041State {
//!     fifo_depth: 8,
//!     codec: Lm4549State { voice_is_active: 1, buffer_level: 2, ..Lm4549State::default() },
//!     ..Pl041State::default()
//! };
//! aaci.regs.sr1 = 0xb; // TXFE | RXFE | TXHE, as after a reset
//! aaci.fifo1.tx_fifo.level = 1;
//! aaci.fifo1.tx_fifo.data[0] = 0x12340;
//! aaci.codec.regfile[0x2c] = 48000; // the front DAC rate
//! let bytes = vmstate_core::qemu::to_bytes(&aaci).unwrap();
//! assert_eq!(bytes.len(), 10794);
//! let mut back = Pl041State::default();
//! vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
//! assert_eq!(back, aaci);
//! ```

use vmstate_core::VmState;

/// Samples in each FIFO (QEMU's `MAX_FIFO_DEPTH`), all of them sent.
pub const MAX_FIFO_DEPTH: usize = 1024;
/// Samples in the codec's output buffer (QEMU's `LM4549_BUFFER_SIZE`).
pub const LM4549_BUFFER_SIZE: usize = 1024;

/// The `pl041` section. Field names are QEMU's.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "pl041", version = 1, minimum_version = 1)]
pub struct Pl041State {
    /// The depth of a FIFO in non-compact mode: QEMU's `nc_fifo_depth` property (8 by
    /// default, as on this board; 8 to 2,048), configuration that QEMU migrates without
    /// comparing it with its own.
    pub fifo_depth: u32,
    /// The register file.
    pub regs: Pl041Regfile,
    /// FIFO channel 1, the only one QEMU models.
    pub fifo1: Pl041Channel,
    /// The LM4549 codec.
    pub codec: Lm4549State,
}

/// The register file (`pl041_regfile`, version 1): every register as a `uint32`, register
/// `k` at offset `4 * k`, from RXCR1 at 0x00 to the last DR4 alias at 0x10c.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "pl041_regfile", version = 1, minimum_version = 1)]
pub struct Pl041Regfile {
    /// RXCR1: channel 1 receive control.
    pub rxcr1: u32,
    /// TXCR1: channel 1 transmit control (enable, slots, sample size, compact mode).
    pub txcr1: u32,
    /// SR1: channel 1 status (FIFO empty/half/full, underrun, ...).
    pub sr1: u32,
    /// ISR1: channel 1 interrupt status.
    pub isr1: u32,
    /// IE1: channel 1 interrupt enables.
    pub ie1: u32,
    /// RXCR2: channel 2 receive control.
    pub rxcr2: u32,
    /// TXCR2: channel 2 transmit control (enable, slots, sample size, compact mode).
    pub txcr2: u32,
    /// SR2: channel 2 status (FIFO empty/half/full, underrun, ...).
    pub sr2: u32,
    /// ISR2: channel 2 interrupt status.
    pub isr2: u32,
    /// IE2: channel 2 interrupt enables.
    pub ie2: u32,
    /// RXCR3: channel 3 receive control.
    pub rxcr3: u32,
    /// TXCR3: channel 3 transmit control (enable, slots, sample size, compact mode).
    pub txcr3: u32,
    /// SR3: channel 3 status (FIFO empty/half/full, underrun, ...).
    pub sr3: u32,
    /// ISR3: channel 3 interrupt status.
    pub isr3: u32,
    /// IE3: channel 3 interrupt enables.
    pub ie3: u32,
    /// RXCR4: channel 4 receive control.
    pub rxcr4: u32,
    /// TXCR4: channel 4 transmit control (enable, slots, sample size, compact mode).
    pub txcr4: u32,
    /// SR4: channel 4 status (FIFO empty/half/full, underrun, ...).
    pub sr4: u32,
    /// ISR4: channel 4 interrupt status.
    pub isr4: u32,
    /// IE4: channel 4 interrupt enables.
    pub ie4: u32,
    /// SL1RX: slot 1 received (the codec register address of a read reply).
    pub sl1rx: u32,
    /// SL1TX: slot 1 to send (the codec register address, bit 19 set for a read); writing
    /// it starts the codec access.
    pub sl1tx: u32,
    /// SL2RX: slot 2 received (the codec register value of a read reply).
    pub sl2rx: u32,
    /// SL2TX: slot 2 to send (the value of a codec register write).
    pub sl2tx: u32,
    /// SL12RX: slot 12 received.
    pub sl12rx: u32,
    /// SL12TX: slot 12 to send.
    pub sl12tx: u32,
    /// SLFR: the slot flag register (slot 1/2/12 transmit empty, receive valid/busy).
    pub slfr: u32,
    /// SLISTAT: the slot interrupt status.
    pub slistat: u32,
    /// SLIEN: the slot interrupt enables.
    pub slien: u32,
    /// INTCLR: the interrupt clear register as last written.
    pub intclr: u32,
    /// MAINCR: the main control register (interface enable, slot enables); clearing AACIFE
    /// resets the FIFOs.
    pub maincr: u32,
    /// RESET: the codec reset register.
    pub reset: u32,
    /// SYNC: the sync control register.
    pub sync: u32,
    /// ALLINTS: the combined interrupt status (reads return `isr1`).
    pub allints: u32,
    /// MAINFR: the main flag register.
    pub mainfr: u32,
    /// The word at offset 0x8c, which no register occupies: QEMU stores and returns what a
    /// guest writes there, and migrates it as a `uint32` named `unused`.
    pub unused: u32,
    /// DR1 alias 0 (0x90): channel 1's data register, the last word
    /// written; a write pushes samples into the transmit FIFO.
    pub dr1_0: u32,
    /// DR1 alias 1 (0x94): channel 1's data register, the last word
    /// written; a write pushes samples into the transmit FIFO.
    pub dr1_1: u32,
    /// DR1 alias 2 (0x98): channel 1's data register, the last word
    /// written; a write pushes samples into the transmit FIFO.
    pub dr1_2: u32,
    /// DR1 alias 3 (0x9c): channel 1's data register, the last word
    /// written; a write pushes samples into the transmit FIFO.
    pub dr1_3: u32,
    /// DR1 alias 4 (0xa0): channel 1's data register, the last word written.
    pub dr1_4: u32,
    /// DR1 alias 5 (0xa4): channel 1's data register, the last word written.
    pub dr1_5: u32,
    /// DR1 alias 6 (0xa8): channel 1's data register, the last word written.
    pub dr1_6: u32,
    /// DR1 alias 7 (0xac): channel 1's data register, the last word written.
    pub dr1_7: u32,
    /// DR2 alias 0 (0xb0): channel 2's data register, the last word written.
    pub dr2_0: u32,
    /// DR2 alias 1 (0xb4): channel 2's data register, the last word written.
    pub dr2_1: u32,
    /// DR2 alias 2 (0xb8): channel 2's data register, the last word written.
    pub dr2_2: u32,
    /// DR2 alias 3 (0xbc): channel 2's data register, the last word written.
    pub dr2_3: u32,
    /// DR2 alias 4 (0xc0): channel 2's data register, the last word written.
    pub dr2_4: u32,
    /// DR2 alias 5 (0xc4): channel 2's data register, the last word written.
    pub dr2_5: u32,
    /// DR2 alias 6 (0xc8): channel 2's data register, the last word written.
    pub dr2_6: u32,
    /// DR2 alias 7 (0xcc): channel 2's data register, the last word written.
    pub dr2_7: u32,
    /// DR3 alias 0 (0xd0): channel 3's data register, the last word written.
    pub dr3_0: u32,
    /// DR3 alias 1 (0xd4): channel 3's data register, the last word written.
    pub dr3_1: u32,
    /// DR3 alias 2 (0xd8): channel 3's data register, the last word written.
    pub dr3_2: u32,
    /// DR3 alias 3 (0xdc): channel 3's data register, the last word written.
    pub dr3_3: u32,
    /// DR3 alias 4 (0xe0): channel 3's data register, the last word written.
    pub dr3_4: u32,
    /// DR3 alias 5 (0xe4): channel 3's data register, the last word written.
    pub dr3_5: u32,
    /// DR3 alias 6 (0xe8): channel 3's data register, the last word written.
    pub dr3_6: u32,
    /// DR3 alias 7 (0xec): channel 3's data register, the last word written.
    pub dr3_7: u32,
    /// DR4 alias 0 (0xf0): channel 4's data register, the last word written.
    pub dr4_0: u32,
    /// DR4 alias 1 (0xf4): channel 4's data register, the last word written.
    pub dr4_1: u32,
    /// DR4 alias 2 (0xf8): channel 4's data register, the last word written.
    pub dr4_2: u32,
    /// DR4 alias 3 (0xfc): channel 4's data register, the last word written.
    pub dr4_3: u32,
    /// DR4 alias 4 (0x100): channel 4's data register, the last word written.
    pub dr4_4: u32,
    /// DR4 alias 5 (0x104): channel 4's data register, the last word written.
    pub dr4_5: u32,
    /// DR4 alias 6 (0x108): channel 4's data register, the last word written.
    pub dr4_6: u32,
    /// DR4 alias 7 (0x10c): channel 4's data register, the last word written.
    pub dr4_7: u32,
}

/// One FIFO (`pl041_fifo`, version 1): 20-bit samples in 32-bit words, whatever the mode.
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "pl041_fifo", version = 1, minimum_version = 1)]
pub struct Pl041Fifo {
    /// How many samples of `data` are queued.
    pub level: u32,
    /// The samples, oldest first; those past `level` are stale.
    pub data: [u32; MAX_FIFO_DEPTH],
}

// `Default` by hand: std derives it for arrays of at most 32 elements.
impl Default for Pl041Fifo {
    fn default() -> Self {
        Self {
            level: 0,
            data: [0; MAX_FIFO_DEPTH],
        }
    }
}

/// A FIFO channel (`pl041_channel`, version 1): its two FIFOs and the modes TXCR/RXCR set.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "pl041_channel", version = 1, minimum_version = 1)]
pub struct Pl041Channel {
    /// The transmit FIFO.
    pub tx_fifo: Pl041Fifo,
    /// Whether transmission is enabled (TXCR's TXEN).
    pub tx_enabled: u8,
    /// Whether two 16-bit (or 12-bit) samples travel per word written (TXCR's compact mode).
    pub tx_compact_mode: u8,
    /// The transmit sample size in bits: 12, 16, 18 or 20 (0 before TXCR is written).
    pub tx_sample_size: u8,
    /// The receive FIFO (QEMU does not record; it stays empty).
    pub rx_fifo: Pl041Fifo,
    /// Whether reception is enabled.
    pub rx_enabled: u8,
    /// Whether received samples are packed two per word.
    pub rx_compact_mode: u8,
    /// The receive sample size in bits.
    pub rx_sample_size: u8,
}

/// The LM4549 codec (`lm4549_state`, version 1).
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "lm4549_state", version = 1, minimum_version = 1)]
pub struct Lm4549State {
    /// Whether the host audio voice is playing (1) or idle (0).
    pub voice_is_active: u32,
    /// The AC'97 registers, indexed by register offset (so only even entries are used):
    /// `regfile[0x2c]` is the front DAC rate, `regfile[0x7c..=0x7e]` the vendor ID.
    pub regfile: [u16; 128],
    /// 16-bit samples waiting for the host, oldest first.
    pub buffer: [u16; LM4549_BUFFER_SIZE],
    /// How many samples of `buffer` are waiting.
    pub buffer_level: u32,
}

// `Default` by hand: std derives it for arrays of at most 32 elements.
impl Default for Lm4549State {
    fn default() -> Self {
        Self {
            voice_is_active: 0,
            regfile: [0; 128],
            buffer: [0; LM4549_BUFFER_SIZE],
            buffer_level: 0,
        }
    }
}
