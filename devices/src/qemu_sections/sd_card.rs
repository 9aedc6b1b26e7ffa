//! The migrated state of the SD card behind the Integrator/CP's PL181 MMC controller (the
//! `sd-card` section, version 2, minimum 2), as QEMU 7.2's `sd_vmstate` (`hw/sd/sd.c`) lays
//! it out: state only, no card. Three of QEMU's forms show here:
//!
//! - `VMSTATE_PARTIAL_BUFFER(sd_status, SDState, 1)`: only the first of the 64 SD status
//!   bytes travels (`sd_status: [u8; 1]`).
//! - `VMSTATE_BITMAP(wp_group_bmap, SDState, 0, wp_group_bits)`: the write-protect group
//!   bitmap, as many big-endian 64-bit words as its bit count needs, with no length on the
//!   wire. The count is configuration (the card's size: one group per 2 MiB, plus one), so
//!   this port keeps the number of words in a skipped field, [`SdCardState::wp_group_words`],
//!   and sends the words as a sequence of that length (`len`): the framework has no bitmap
//!   form counted in bits. A card without a drive, as on this board, has one group, so one
//!   word, which is what [`SdCardState::default`] holds.
//! - The `sd-card/ocr-state` subsection, sent while the card has not finished powering up
//!   (the OCR's bit 31 clear), as here: QEMU powers the card up only on the guest's ACMD41.
//!
//! QEMU 7.2 refuses nothing on load. When the subsection is absent its `pre_load` marks the
//! card powered up (it sets OCR bit 31, and the capacity bit for a card above 2 GiB); this
//! port loads [`SdCardOcrState::powered_up`] then, and sets the capacity bit when the CSD is
//! of a high-capacity card (structure version 2, which QEMU writes for a card above 2 GiB).
//! QEMU also trusts values a port with behaviour must bound before using them:
//! `data_offset` indexes the 512-byte `data`, `pwd_len` the 16-byte `pwd`, `current_cmd` its
//! 64-entry command tables, and `state` names a card state (-1 to 8). QEMU 7.2 ends the
//! section with a 512-byte `VMSTATE_UNUSED_V(1, 512)` and the `enable` flag; later releases
//! (10.0's stream here) send a padding byte in `enable`'s place, the same bytes under other
//! names (`unused[0]`, `unused[1]` in their vmdesc), and 11.1 four bytes of padding in
//! `mode`'s. Before 7.0 the bitmap was named `wp_groups` (5.2's stream).
//!
//! ```
//! use devices::qemu_sections::sd_card::{SdCardOcrState, SdCardState};
//!
//! let card = SdCardState {
//!     state: 3, // standby
//!     rca: 0x4567,
//!     blk_len: 512,
//!     enable: true,
//!     ocr_state: SdCardOcrState { ocr: 0x00ff_ff00, ocr_power_timer: -1 },
//!     ..SdCardState::default()
//! };
//! let bytes = vmstate_core::qemu::to_bytes(&card).unwrap();
//! // 1,144 bytes of fields, then the subsection: tag, name, version, 12 bytes.
//! assert_eq!(bytes.len(), 1144 + 1 + 1 + "sd-card/ocr-state".len() + 4 + 12);
//! let mut back = SdCardState::default();
//! vmstate_core::qemu::from_bytes(&mut back, &bytes, 2, 0).unwrap();
//! assert_eq!(back, card);
//!
//! // Powered up: no subsection.
//! let up = SdCardState {
//!     ocr_state: SdCardOcrState { ocr: 0x80ff_ff00, ocr_power_timer: -1 },
//!     ..card
//! };
//! assert_eq!(vmstate_core::qemu::to_bytes(&up).unwrap().len(), 1144);
//! ```

use vmstate_core::{Unused, VmState};

/// The OCR's power-up status bit (QEMU's `R_OCR_CARD_POWER_UP_MASK`).
pub const OCR_CARD_POWER_UP: u32 = 1 << 31;
/// The OCR's card capacity status bit (QEMU's `R_OCR_CARD_CAPACITY_MASK`): a card above 2 GiB.
pub const OCR_CARD_CAPACITY: u32 = 1 << 30;

/// The `sd-card` section. Field names are QEMU 7.2's.
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(
    name = "sd-card",
    version = 2,
    minimum_version = 2,
    post_load = "Self::capacity_from_csd"
)]
pub struct SdCardState {
    /// The card's mode (QEMU 7.2's `enum SDCardModes`: 0 inactive, 1 identification, 2 data
    /// transfer; later releases recompute it from `state` and send padding instead).
    pub mode: u32,
    /// The card's state (`enum SDCardStates`: -1 inactive, 0 idle, 1 ready, ... 8
    /// disconnect).
    pub state: i32,
    /// CID: the card identification register.
    pub cid: [u8; 16],
    /// CSD: the card-specific data register.
    pub csd: [u8; 16],
    /// RCA: the relative card address the card published.
    pub rca: u16,
    /// The card status register (R1 response bits).
    pub card_status: u32,
    /// The first byte of the 64-byte SD status (`VMSTATE_PARTIAL_BUFFER`, 1 byte).
    #[vmstate(buffer)]
    pub sd_status: [u8; 1],
    /// The voltage and check pattern CMD8 accepted.
    pub vhs: u32,
    /// How many 64-bit words the write-protect bitmap takes: configuration, from the card's
    /// size (QEMU keeps the bit count, `wp_group_bits`, and sends `ceil(bits / 64)` words).
    #[vmstate(skip)]
    pub wp_group_words: u32,
    /// The write-protect groups, one bit each, in big-endian 64-bit words
    /// (`VMSTATE_BITMAP`); at most 16,384 words, a 2 TiB card's.
    #[vmstate(len = "wp_group_words", max_len = 16384)]
    pub wp_group_bmap: Vec<u64>,
    /// The block length set by CMD16.
    pub blk_len: u32,
    /// The block count set by CMD23 for the next multiple-block transfer.
    pub multi_blk_cnt: u32,
    /// The first block to erase (0xffffffff: not set).
    pub erase_start: u32,
    /// The last block to erase (0xffffffff: not set).
    pub erase_end: u32,
    /// The card's password (CMD42).
    pub pwd: [u8; 16],
    /// How many bytes of `pwd` are set.
    pub pwd_len: u32,
    /// The functions CMD6 selected, one per group.
    pub function_group: [u8; 6],
    /// The command being executed.
    pub current_cmd: u8,
    /// Whether the next command is an application command (after CMD55).
    pub expecting_acmd: bool,
    /// Blocks written in the current multiple-block write.
    pub blk_written: u32,
    /// The card address of the current data transfer.
    pub data_start: u64,
    /// The position in `data` of the current transfer.
    pub data_offset: u32,
    /// The data transfer buffer, one block.
    pub data: [u8; 512],
    /// A removed 512-byte buffer (`VMSTATE_UNUSED_V(1, 512)`).
    #[vmstate(since = 1)]
    pub unused: Unused<512>,
    /// Whether the card is enabled (only the OMAP MMC controller ever clears it).
    pub enable: bool,
    /// The OCR and its power-up timer, sent while the card is not powered up; a stream
    /// without them is of a powered-up card ([`SdCardOcrState::powered_up`]).
    #[vmstate(
        subsection,
        needed = "Self::ocr_state_needed",
        default = "SdCardOcrState::powered_up"
    )]
    pub ocr_state: SdCardOcrState,
}

/// The `sd-card/ocr-state` subsection (version 1).
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "sd-card/ocr-state", version = 1, minimum_version = 1)]
pub struct SdCardOcrState {
    /// OCR: the operating conditions register (voltage window, capacity, power-up bit 31).
    pub ocr: u32,
    /// When the power-up timer fires, in ns of QEMU's virtual clock (`VMSTATE_TIMER_PTR`;
    /// -1 when not armed).
    pub ocr_power_timer: i64,
}

impl SdCardOcrState {
    /// What a stream without the subsection means: QEMU's `sd_vmstate_pre_load` powers the
    /// card up (sets OCR bit 31) before the load, which the subsection then overwrites if
    /// sent. This is the OCR of a card of at most 2 GiB, as on this board (`sd_set_ocr`'s
    /// voltage window); a larger card also has the capacity bit, which the section's load
    /// sets from the CSD. The power-up timer is not armed.
    ///
    /// ```
    /// use devices::qemu_sections::sd_card::{SdCardOcrState, SdCardState};
    /// // A powered-up card sends no `sd-card/ocr-state` subsection ...
    /// let card = SdCardState { ocr_state: SdCardOcrState::powered_up(), ..Default::default() };
    /// let bytes = vmstate_core::qemu::to_bytes(&card).unwrap();
    /// // ... and a load without one powers the destination's card up.
    /// let mut dst = SdCardState::default();
    /// vmstate_core::qemu::from_bytes(&mut dst, &bytes, 2, 0).unwrap();
    /// assert_eq!(dst.ocr_state, SdCardOcrState::powered_up());
    /// ```
    pub fn powered_up() -> Self {
        SdCardOcrState {
            ocr: OCR_CARD_POWER_UP | 0x00ff_ff00,
            ocr_power_timer: -1,
        }
    }

    /// The OCR QEMU powers up a card with this CSD to: with the capacity bit for a card above
    /// 2 GiB, told by the CSD's structure version, which QEMU's `sd_set_csd` makes 2 for one.
    ///
    /// ```
    /// use devices::qemu_sections::sd_card::{SdCardOcrState, OCR_CARD_CAPACITY};
    /// let sdhc_csd = [0x40; 16]; // CSD structure version 2: a card above 2 GiB
    /// assert_ne!(SdCardOcrState::powered_up_with(&sdhc_csd).ocr & OCR_CARD_CAPACITY, 0);
    /// assert_eq!(SdCardOcrState::powered_up_with(&[0; 16]), SdCardOcrState::powered_up());
    /// ```
    pub fn powered_up_with(csd: &[u8; 16]) -> Self {
        let mut state = Self::powered_up();
        if csd[0] >> 6 == 1 {
            state.ocr |= OCR_CARD_CAPACITY;
        }
        state
    }
}

impl SdCardState {
    /// A powered-up card (whose OCR the stream does not send) above 2 GiB has the capacity
    /// bit, as QEMU's `sd_ocr_powerup` sets it ([`SdCardOcrState::powered_up_with`]).
    fn capacity_from_csd(&mut self) {
        if self.ocr_state.ocr & OCR_CARD_POWER_UP != 0 {
            self.ocr_state.ocr |=
                SdCardOcrState::powered_up_with(&self.csd).ocr & OCR_CARD_CAPACITY;
        }
    }

    /// QEMU's `sd_ocr_vmstate_needed`: while the card is not powered up.
    fn ocr_state_needed(&self) -> bool {
        self.ocr_state.ocr & OCR_CARD_POWER_UP == 0
    }
}

/// A card without a drive, as on this board: every register zero and one write-protect
/// group, so one bitmap word. (Not `derive`d: std derives `Default` for arrays of at most
/// 32 elements, and the bitmap's length must match [`SdCardState::wp_group_words`].)
impl Default for SdCardState {
    fn default() -> Self {
        Self {
            mode: 0,
            state: 0,
            cid: [0; 16],
            csd: [0; 16],
            rca: 0,
            card_status: 0,
            sd_status: [0; 1],
            vhs: 0,
            wp_group_words: 1,
            wp_group_bmap: vec![0],
            blk_len: 0,
            multi_blk_cnt: 0,
            erase_start: 0,
            erase_end: 0,
            pwd: [0; 16],
            pwd_len: 0,
            function_group: [0; 6],
            current_cmd: 0,
            expecting_acmd: false,
            blk_written: 0,
            data_start: 0,
            data_offset: 0,
            data: [0; 512],
            unused: Unused,
            enable: false,
            ocr_state: SdCardOcrState::default(),
        }
    }
}
