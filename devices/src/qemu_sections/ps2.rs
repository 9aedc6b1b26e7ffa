//! The PS/2 keyboard's and mouse's migrated state (the `ps2kbd` section, version 3, and the
//! `ps2mouse` section, version 2), as QEMU 7.2's `vmstate_ps2_keyboard` and
//! `vmstate_ps2_mouse` (`hw/input/ps2.c`) lay them out: state only, no PS/2 protocol. On the
//! Integrator/CP each sits behind a PL050 (see [`super::pl050`]).
//!
//! Both start with the shared `PS2 Common State` struct (the pending command and the byte
//! queue, whose 256-byte buffer is QEMU's `VMSTATE_BUFFER`). The keyboard adds three
//! subsections, each sent only when its value is not the usual one (the LED state, the
//! high-bit flag, the command reply queue's write pointer); the fixtures' keyboard sends none.
//! A stream without one means that usual value, so this port loads that value (`default`)
//! rather than keeping the destination's: the loaded state is then the source's.
//!
//! `VMSTATE_BUFFER(queue.data, ...)` is one 256-byte field in QEMU's descriptions: a
//! `[u8; 256]` with `#[vmstate(buffer)]`. The `ps2kbd/command_reply_queue` subsection has no
//! `version_id` (0), which its header carries.
//!
//! QEMU refuses nothing in these sections. Its `post_load` fixes the queue up instead: it
//! clamps `queue.count` to at most 16 scancodes (plus up to 8 command replies), masks
//! `queue.rptr` into the buffer and recomputes `queue.wptr` and the command reply pointer;
//! a device model built on this port must do the same before using the pointers. A version 2
//! keyboard stream has no `scancode_set`, which QEMU then sets to 2, as this port does.
//!
//! ```
//! use devices::qemu_sections::ps2::Ps2KbdState;
//!
//! let mut kbd = Ps2KbdState::default();
//! kbd.parent_obj.write_cmd = -1;             // no command pending
//! kbd.parent_obj.queue_count = 2;            // two scancodes queued ...
//! kbd.parent_obj.queue_wptr = 2;
//! kbd.parent_obj.queue_data[..2].copy_from_slice(&[0x1c, 0xf0]); // ... 'A' released
//! kbd.scan_enabled = 1;
//! kbd.scancode_set = 2;
//! let bytes = vmstate_core::qemu::to_bytes(&kbd).unwrap();
//! assert_eq!(bytes.len(), 4 * 4 + 256 + 3 * 4); // no subsection: all values are usual
//! let mut back = Ps2KbdState::default();
//! vmstate_core::qemu::from_bytes(&mut back, &bytes, 3, 0).unwrap();
//! assert_eq!(back, kbd);
//! // A version 2 stream has no scancode set: QEMU's post_load sets 2.
//! back.scancode_set = 1;
//! vmstate_core::qemu::from_bytes(&mut back, &bytes[..bytes.len() - 4], 2, 0).unwrap();
//! assert_eq!(back.scancode_set, 2);
//! ```

use vmstate_core::VmState;

/// The PS/2 queue's buffer size (QEMU's `PS2_BUFFER_SIZE`, kept at 256 bytes for
/// compatibility with older QEMUs; the device uses at most 16 + 8 entries of it).
pub const PS2_BUFFER_SIZE: usize = 256;

/// The `PS2 Common State` struct (`vmstate_ps2_common`, version 3) that both sections start
/// with, as their `parent_obj`. Field names are QEMU's.
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "PS2 Common State", version = 3, minimum_version = 2)]
pub struct Ps2CommonState {
    /// The command byte waiting for its argument (a set-LEDs, scancode or rate command for
    /// the keyboard, a resolution or sample rate one for the mouse); -1 when none.
    pub write_cmd: i32,
    /// The queue's read pointer, an index into `queue.data`.
    #[vmstate(name = "queue.rptr")]
    pub queue_rptr: i32,
    /// The queue's write pointer (QEMU recomputes it from `rptr` and `count` on load).
    #[vmstate(name = "queue.wptr")]
    pub queue_wptr: i32,
    /// How many bytes the queue holds.
    #[vmstate(name = "queue.count")]
    pub queue_count: i32,
    /// The queue's ring buffer of scancodes, mouse packets and command replies.
    #[vmstate(name = "queue.data", buffer)]
    pub queue_data: [u8; PS2_BUFFER_SIZE],
}

impl Default for Ps2CommonState {
    /// All zeros (the standard library derives `Default` for arrays of up to 32 elements).
    fn default() -> Self {
        Ps2CommonState {
            write_cmd: 0,
            queue_rptr: 0,
            queue_wptr: 0,
            queue_count: 0,
            queue_data: [0; PS2_BUFFER_SIZE],
        }
    }
}

/// The `ps2kbd` section. Field names are QEMU's.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "ps2kbd", version = 3, minimum_version = 2)]
pub struct Ps2KbdState {
    /// The queue and pending command shared with the mouse.
    pub parent_obj: Ps2CommonState,
    /// Whether the keyboard sends scancodes (the enable/disable commands); an `int` in QEMU.
    pub scan_enabled: i32,
    /// Whether scancodes are translated to set 1 (set by the keyboard controller, not on
    /// the Integrator/CP's PL050); an `int` in QEMU.
    pub translate: i32,
    /// The scancode set (1, 2 or 3); sent from version 3, and 2 for an older stream.
    #[vmstate(since = 3, default = "Self::scancode_set_before_version_3")]
    pub scancode_set: i32,
    /// The keyboard LEDs, sent when any is lit.
    #[vmstate(
        subsection,
        needed = "Self::ledstate_needed",
        default = "Ps2KbdLedState::default"
    )]
    pub ledstate: Ps2KbdLedState,
    /// Whether the next scancode gets the release bit, sent when set.
    #[vmstate(
        subsection,
        needed = "Self::need_high_bit_needed",
        default = "Ps2KbdNeedHighBit::default"
    )]
    pub need_high_bit: Ps2KbdNeedHighBit,
    /// The command reply queue's write pointer, sent when replies are queued.
    #[vmstate(
        subsection,
        needed = "Self::command_reply_queue_needed",
        default = "Ps2KbdCommandReplyQueue::default"
    )]
    pub command_reply_queue: Ps2KbdCommandReplyQueue,
}

impl Ps2KbdState {
    /// QEMU's `ps2_kbd_post_load` sets scancode set 2 for a version 2 stream.
    fn scancode_set_before_version_3() -> i32 {
        2
    }

    /// QEMU's `ps2_keyboard_ledstate_needed`: no LED lit is the usual state.
    fn ledstate_needed(&self) -> bool {
        self.ledstate.ledstate != 0
    }

    /// QEMU's `ps2_keyboard_need_high_bit_needed`.
    fn need_high_bit_needed(&self) -> bool {
        self.need_high_bit.need_high_bit
    }

    /// QEMU's `ps2_keyboard_cqueue_needed`: -1 means no command reply is queued.
    fn command_reply_queue_needed(&self) -> bool {
        self.command_reply_queue.cwptr != -1
    }
}

/// The `ps2kbd/ledstate` subsection.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "ps2kbd/ledstate", version = 3, minimum_version = 2)]
pub struct Ps2KbdLedState {
    /// The LEDs the guest set (bit 0 scroll lock, 1 num lock, 2 caps lock).
    pub ledstate: i32,
}

/// The `ps2kbd/need_high_bit` subsection.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "ps2kbd/need_high_bit", version = 1, minimum_version = 1)]
pub struct Ps2KbdNeedHighBit {
    /// Whether a set 1 key release (a 0xf0 prefix seen in translation) is pending.
    pub need_high_bit: bool,
}

/// The `ps2kbd/command_reply_queue` subsection, whose version QEMU leaves at 0.
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "ps2kbd/command_reply_queue", version = 0)]
pub struct Ps2KbdCommandReplyQueue {
    /// Where the queued command replies end in `queue.data`; -1 when none is queued.
    #[vmstate(name = "parent_obj.queue.cwptr")]
    pub cwptr: i32,
}

impl Default for Ps2KbdCommandReplyQueue {
    /// No command reply queued, as QEMU's queue reset sets.
    fn default() -> Self {
        Ps2KbdCommandReplyQueue { cwptr: -1 }
    }
}

/// The `ps2mouse` section. Field names are QEMU's.
///
/// ```
/// use devices::qemu_sections::ps2::Ps2MouseState;
/// let mouse = Ps2MouseState { mouse_type: 3, mouse_dx: -5, mouse_buttons: 1, ..Default::default() };
/// let bytes = vmstate_core::qemu::to_bytes(&mouse).unwrap();
/// assert_eq!(bytes.len(), 4 * 4 + 256 + 6 + 3 * 4 + 1); // no subsection
/// let mut back = Ps2MouseState::default();
/// vmstate_core::qemu::from_bytes(&mut back, &bytes, 2, 0).unwrap();
/// assert_eq!(back, mouse);
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "ps2mouse", version = 2, minimum_version = 2)]
pub struct Ps2MouseState {
    /// The queue and pending command shared with the keyboard.
    pub parent_obj: Ps2CommonState,
    /// Remote mode, enabled and 2:1 scaling bits (0x40, 0x20, 0x10).
    pub mouse_status: u8,
    /// The resolution the guest set.
    pub mouse_resolution: u8,
    /// The sample rate the guest set.
    pub mouse_sample_rate: u8,
    /// Whether wrap (echo) mode is on.
    pub mouse_wrap: u8,
    /// The protocol: 0 PS/2, 3 IntelliMouse, 4 IntelliMouse Explorer.
    pub mouse_type: u8,
    /// Progress through the sample-rate sequence that switches the protocol.
    pub mouse_detect_state: u8,
    /// Movement not yet sent, X.
    pub mouse_dx: i32,
    /// Movement not yet sent, Y.
    pub mouse_dy: i32,
    /// Wheel movement not yet sent.
    pub mouse_dz: i32,
    /// The buttons held (bit 0 left, 1 right, 2 middle, ...).
    pub mouse_buttons: u8,
}
