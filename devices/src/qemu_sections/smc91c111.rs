//! The migrated state of the Integrator/CP's SMSC 91C111 Ethernet controller (the
//! `smc91c111` section, version 1), as QEMU 7.2's `vmstate_smc91c111`
//! (`hw/net/smc91c111.c`) lays it out: state only, no network. Most of its 8,284 bytes are
//! the controller's packet memory, four 2 KiB pages sent as one `VMSTATE_BUFFER_UNSAFE`
//! (a plain `[u8; 8192]` here: the same bytes; QEMU's vmdesc calls it one `buffer` of
//! 8,192 bytes where this description says 8,192 `uint8`s).
//!
//! QEMU refuses nothing on load and has no `post_load`, in 7.2 and still after its later
//! fixes, which check packet numbers where they are used instead. A port with behaviour must
//! do the same: the FIFO lengths (at most 4), the packet numbers in the FIFOs, `packet_num`
//! (a guest writes any byte there) and `tx_alloc` (0x80 when no allocation is pending) all
//! come from the stream unchecked.
//!
//! ```
//! use devices::qemu_sections::smc91c111::{Smc91c111State, PACKET_SIZE};
//!
//! let mut nic = Smc91c111State {
//!     cr: 0xa0b1,
//!     ctr: 0x1210,
//!     ercv: 0x1f,
//!     rx_fifo_len: 1,
//!     rx_fifo: [2, 0, 0, 0],
//!     int_level: 0x05, // RCV | TX_EMPTY
//!     ..Smc91c111State::default()
//! };
//! nic.data[2 * PACKET_SIZE + 2] = 70; // page 2's byte count
//! let bytes = vmstate_core::qemu::to_bytes(&nic).unwrap();
//! assert_eq!(bytes.len(), 8284);
//! let mut back = Smc91c111State::default();
//! vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
//! assert_eq!(back, nic);
//! ```

use vmstate_core::VmState;

/// Packet memory pages (QEMU's `NUM_PACKETS`).
pub const NUM_PACKETS: usize = 4;
/// Bytes per packet page: page `n` is `data[n * PACKET_SIZE..][..PACKET_SIZE]`.
pub const PACKET_SIZE: usize = 2048;

// The buffer's length below is a literal, QEMU's NUM_PACKETS * 2048.
const _: () = assert!(NUM_PACKETS * PACKET_SIZE == 8192);

/// The `smc91c111` section. Field names are QEMU's.
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "smc91c111", version = 1, minimum_version = 1)]
pub struct Smc91c111State {
    /// TCR: the transmit control register (bank 0).
    pub tcr: u16,
    /// RCR: the receive control register (bank 0).
    pub rcr: u16,
    /// CONFIG: the configuration register (bank 1).
    pub cr: u16,
    /// CONTROL: the control register (bank 1; auto-release among its bits).
    pub ctr: u16,
    /// The general purpose register (bank 1).
    pub gpr: u16,
    /// The pointer register (bank 2): offset into the packet and the auto-increment,
    /// read and receive-area bits.
    pub ptr: u16,
    /// ERCV: the early receive register (bank 3).
    pub ercv: u16,
    /// The selected register bank (any value a guest wrote to the bank select register).
    pub bank: i32,
    /// The packet number register: the page the data register reaches.
    pub packet_num: i32,
    /// The allocation result: the page last allocated for transmit, 0x80 while waiting.
    pub tx_alloc: i32,
    /// Which packet pages are allocated, one bit each.
    pub allocated: i32,
    /// How many entries of `tx_fifo` are queued for transmission.
    pub tx_fifo_len: i32,
    /// The transmit FIFO: packet numbers waiting to be sent.
    pub tx_fifo: [i32; NUM_PACKETS],
    /// How many entries of `rx_fifo` hold received packets.
    pub rx_fifo_len: i32,
    /// The receive FIFO: packet numbers of received packets, oldest first.
    pub rx_fifo: [i32; NUM_PACKETS],
    /// How many entries of `tx_fifo_done` are completed transmissions.
    pub tx_fifo_done_len: i32,
    /// The transmit completion FIFO: packet numbers sent and not yet released.
    pub tx_fifo_done: [i32; NUM_PACKETS],
    /// The packet memory, [`NUM_PACKETS`] pages of [`PACKET_SIZE`] bytes (each: status
    /// word, byte count, data, control byte): QEMU's `VMSTATE_BUFFER_UNSAFE`.
    #[vmstate(buffer)]
    pub data: [u8; 8192],
    /// The interrupt status bits (RCV, TX, TX_EMPTY, ALLOC, ...).
    pub int_level: u8,
    /// The interrupt mask.
    pub int_mask: u8,
}

// `Default` by hand: std derives it for arrays of at most 32 elements.
impl Default for Smc91c111State {
    fn default() -> Self {
        Self {
            tcr: 0,
            rcr: 0,
            cr: 0,
            ctr: 0,
            gpr: 0,
            ptr: 0,
            ercv: 0,
            bank: 0,
            packet_num: 0,
            tx_alloc: 0,
            allocated: 0,
            tx_fifo_len: 0,
            tx_fifo: [0; NUM_PACKETS],
            rx_fifo_len: 0,
            rx_fifo: [0; NUM_PACKETS],
            tx_fifo_done_len: 0,
            tx_fifo_done: [0; NUM_PACKETS],
            data: [0; 8192],
            int_level: 0,
            int_mask: 0,
        }
    }
}
