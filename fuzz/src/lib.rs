//! Shared pieces of the fuzz targets: the devices under test, built the same way in every
//! target and in the seed generator, and the checks a load must pass.

use devices::pl022::Pl022;
use devices::{qemu_sections, ArmCpuState, FakeClock, IcpControl, IcpPic, IntegratorCm, Pl031};
use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::Arc;
use vmstate_core::VmState;

/// Number of devices a selector byte chooses from.
pub const DEVICE_COUNT: u8 = 5;

/// Device names, by selector (`selector % DEVICE_COUNT`).
pub const DEVICE_NAMES: [&str; 5] = [
    "integratorcm",
    "icp_pic",
    "icp_control",
    "pl031",
    "pl022_ssp",
];

/// A fresh core module on a frozen clock.
pub fn integratorcm() -> IntegratorCm {
    IntegratorCm::with_clock(32, Arc::new(FakeClock::new(0)))
}

/// A fresh PL031 on two frozen clocks.
pub fn pl031() -> Pl031 {
    Pl031::with_clocks(Arc::new(FakeClock::new(0)), Arc::new(FakeClock::new(0)))
}

/// A fresh primary interrupt controller.
pub fn icp_pic() -> IcpPic {
    IcpPic::default()
}

/// Fresh control registers.
pub fn icp_control() -> IcpControl {
    IcpControl::default()
}

/// A fresh ARM926 CPU state (the `cpu` section).
pub fn arm_cpu() -> ArmCpuState {
    ArmCpuState::default()
}

/// A fresh Cortex-A9's (a VFP and ThumbEE), with QEMU 11.1's WFxT timer.
pub fn arm_cpu_cortex_a9() -> ArmCpuState {
    ArmCpuState {
        has_vfp: true,
        has_thumb2ee: true,
        has_wfxt_timer: true,
        ..ArmCpuState::default()
    }
}

/// A fresh Cortex-R5's (16 PMSAv7 MPU regions).
pub fn arm_cpu_cortex_r5() -> ArmCpuState {
    ArmCpuState {
        pmsav7: devices::arm_cpu::Pmsav7State::with_regions(16),
        ..ArmCpuState::default()
    }
}

/// A fresh PXA270's (iwMMXt).
pub fn arm_cpu_pxa270() -> ArmCpuState {
    ArmCpuState {
        has_iwmmxt: true,
        ..ArmCpuState::default()
    }
}

/// The CPU models of the `arm_cpu` target, chosen by bits 1 and 2 of its codec byte.
pub const ARM_CPU_MODELS: [fn() -> ArmCpuState; 4] = [
    arm_cpu,
    arm_cpu_cortex_a9,
    arm_cpu_cortex_r5,
    arm_cpu_pxa270,
];

/// A PL022 after reset.
pub fn pl022() -> Pl022 {
    Pl022::new()
}

/// Makes two devices comparable after a round trip, for state that legitimately records how
/// the last load went rather than what was loaded.
pub trait Normalize {
    /// Adjusts `reloaded` (loaded from the re-saved bytes) toward `loaded` where the
    /// difference is by design; asserts whatever can still be asserted about that state.
    fn normalize(_loaded: &Self, _reloaded: &mut Self) {}
}

impl Normalize for IntegratorCm {}
impl Normalize for Blocks {}

/// A state whose native section holds large blocks (16 KiB and more) of every element
/// width, between small fields: the blocks the native codec copies and checksums in one
/// pass (`vmstate-core/src/crc_copy.rs`), and `bool`s, which it converts.
#[derive(VmState, Debug, Clone, PartialEq)]
#[vmstate(name = "blocks")]
pub struct Blocks {
    /// A small field before the first block.
    pub head: u8,
    /// A byte block of any length up to 40,000.
    #[vmstate(max_len = 40000)]
    pub bytes: Vec<u8>,
    /// An inline array of words: 16,800 bytes.
    pub table: [u32; 4200],
    /// Blocks of 8- and 16-byte elements.
    #[vmstate(max_len = 5000)]
    pub words: Vec<i64>,
    #[vmstate(max_len = 2500)]
    pub wide: Vec<u128>,
    /// Booleans: checked element by element.
    #[vmstate(max_len = 40000)]
    pub flags: Vec<bool>,
    /// A small field after the blocks.
    pub tail: u16,
}

/// A `u32` register as a `transparent` newtype.
#[derive(VmState, Debug, Clone, Copy, PartialEq)]
#[vmstate(transparent)]
pub struct Word(pub u32);
/// An `i64` as a `transparent` newtype.
#[derive(VmState, Debug, Clone, Copy, PartialEq)]
#[vmstate(transparent)]
pub struct Long(pub i64);
/// A `u128` as a `transparent` newtype of a newtype.
#[derive(VmState, Debug, Clone, Copy, PartialEq)]
#[vmstate(transparent)]
pub struct Wide(pub Wider);
/// A `u128` as a `transparent` newtype.
#[derive(VmState, Debug, Clone, Copy, PartialEq)]
#[vmstate(transparent)]
pub struct Wider(pub u128);
/// A `bool` as a `transparent` newtype.
#[derive(VmState, Debug, Clone, Copy, PartialEq)]
#[vmstate(transparent)]
pub struct Flag(pub bool);

/// [`Blocks`] with its elements in `transparent` newtypes: the same section, byte for byte,
/// so every input must load into both alike.
#[derive(VmState, Debug, Clone, PartialEq)]
#[vmstate(name = "blocks")]
pub struct NewtypeBlocks {
    pub head: u8,
    #[vmstate(max_len = 40000)]
    pub bytes: Vec<u8>,
    pub table: [Word; 4200],
    #[vmstate(max_len = 5000)]
    pub words: Vec<Long>,
    #[vmstate(max_len = 2500)]
    pub wide: Vec<Wide>,
    #[vmstate(max_len = 40000)]
    pub flags: Vec<Flag>,
    pub tail: u16,
}

impl NewtypeBlocks {
    /// The same state as plain values.
    pub fn unwrapped(&self) -> Blocks {
        Blocks {
            head: self.head,
            bytes: self.bytes.clone(),
            table: self.table.map(|w| w.0),
            words: self.words.iter().map(|l| l.0).collect(),
            wide: self.wide.iter().map(|w| w.0 .0).collect(),
            flags: self.flags.iter().map(|f| f.0).collect(),
            tail: self.tail,
        }
    }
}

/// A fresh, empty [`NewtypeBlocks`].
pub fn newtype_blocks() -> NewtypeBlocks {
    NewtypeBlocks {
        head: 0,
        bytes: Vec::new(),
        table: [Word(0); 4200],
        words: Vec::new(),
        wide: Vec::new(),
        flags: Vec::new(),
        tail: 0,
    }
}

/// A native section loaded into [`Blocks`] and [`NewtypeBlocks`]: both refuse it or both
/// load the same values, and save the same bytes again.
pub fn check_newtypes_alike(section: &[u8]) {
    let (mut plain, mut wrapped) = (blocks(), newtype_blocks());
    let results = (
        vmstate_core::from_bytes(&mut plain, section),
        vmstate_core::from_bytes(&mut wrapped, section),
    );
    match results {
        (Ok(()), Ok(())) => {
            assert!(
                wrapped.unwrapped() == plain,
                "the newtypes loaded other values"
            );
            assert!(
                vmstate_core::to_bytes(&wrapped).ok() == vmstate_core::to_bytes(&plain).ok(),
                "the newtypes save other bytes"
            );
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "other errors"),
        (a, b) => panic!("the plain struct gives {a:?}, the newtypes {b:?}"),
    }
}

/// [`Blocks`] with its sequences in `VecDeque`s: the same section, byte for byte (a queue
/// travels as the `Vec` of its elements front to back), so every input must load into both
/// alike, whatever the destination's queues held and wherever their ring buffers wrapped.
#[derive(VmState, Debug, Clone, PartialEq)]
#[vmstate(name = "blocks")]
pub struct QueueBlocks {
    pub head: u8,
    #[vmstate(max_len = 40000)]
    pub bytes: VecDeque<u8>,
    pub table: [u32; 4200],
    #[vmstate(max_len = 5000)]
    pub words: VecDeque<i64>,
    #[vmstate(max_len = 2500)]
    pub wide: VecDeque<u128>,
    #[vmstate(max_len = 40000)]
    pub flags: VecDeque<bool>,
    pub tail: u16,
}

impl QueueBlocks {
    /// The same state in `Vec`s.
    pub fn as_vecs(&self) -> Blocks {
        Blocks {
            head: self.head,
            bytes: self.bytes.iter().copied().collect(),
            table: self.table,
            words: self.words.iter().copied().collect(),
            wide: self.wide.iter().copied().collect(),
            flags: self.flags.iter().copied().collect(),
            tail: self.tail,
        }
    }

    /// The same queues with their ring buffers wrapped.
    fn rewrapped(&self) -> QueueBlocks {
        QueueBlocks {
            bytes: wrapped(self.bytes.iter().copied()),
            words: wrapped(self.words.iter().copied()),
            wide: wrapped(self.wide.iter().copied()),
            flags: wrapped(self.flags.iter().copied()),
            ..self.clone()
        }
    }
}

/// `items` in a queue whose ring buffer wraps (its front at the buffer's last slot) when
/// they are two or more.
fn wrapped<T: Copy>(items: impl ExactSizeIterator<Item = T> + Clone) -> VecDeque<T> {
    let mut q = VecDeque::with_capacity(items.len());
    if let Some(first) = items.clone().next() {
        for _ in 0..q.capacity().saturating_sub(1) {
            q.push_back(first);
            q.pop_front();
        }
    }
    q.extend(items);
    q
}

/// A [`QueueBlocks`] holding a few elements in queues that wrap.
pub fn queue_blocks() -> QueueBlocks {
    QueueBlocks {
        head: 1,
        bytes: wrapped([1, 2, 3].into_iter()),
        table: [0; 4200],
        words: wrapped([-1, 2].into_iter()),
        wide: wrapped([3, 4, 5].into_iter()),
        flags: wrapped([true, false].into_iter()),
        tail: 2,
    }
}

/// A native section loaded into [`Blocks`] and [`QueueBlocks`]: both refuse it with the same
/// error or both load the same values and save the same bytes again, the queues also once
/// their ring buffers wrap; a refused load leaves the queues as they were.
pub fn check_queues_alike(section: &[u8]) {
    let (mut plain, mut queues) = (blocks(), queue_blocks());
    let results = (
        vmstate_core::from_bytes(&mut plain, section),
        vmstate_core::from_bytes(&mut queues, section),
    );
    match results {
        (Ok(()), Ok(())) => {
            assert!(queues.as_vecs() == plain, "the queues loaded other values");
            let saved = vmstate_core::to_bytes(&plain).ok();
            assert!(
                vmstate_core::to_bytes(&queues).ok() == saved,
                "the queues save other bytes"
            );
            assert!(
                vmstate_core::to_bytes(&queues.rewrapped()).ok() == saved,
                "the wrapped queues save other bytes"
            );
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "other errors");
            assert!(
                queues == queue_blocks(),
                "a refused load changed the queues"
            );
        }
        (a, b) => panic!("the plain struct gives {a:?}, the queues {b:?}"),
    }
}

/// A byte that travels through `from`/`into` conversions.
#[derive(VmState, Debug, Clone, Copy, PartialEq)]
#[vmstate(from = "u8", into = "u8")]
pub struct Byte {
    pub value: u8,
}
/// A word that travels through `from`/`into`.
#[derive(VmState, Debug, Clone, Copy, PartialEq)]
#[vmstate(from = "u32", into = "u32")]
pub struct Bits {
    pub value: u32,
}
/// An `i64` through `try_from` (std's, from `From`, which never refuses): read one value at
/// a time where the others are read in blocks.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(try_from = "i64", into = "i64")]
pub struct Signed {
    pub value: i64,
}
/// A `u128` converted to a `transparent` newtype's.
#[derive(VmState, Debug, Clone, Copy, PartialEq)]
#[vmstate(from = "Wider", into = "Wider")]
pub struct Huge {
    pub value: u128,
}
/// A `bool` through `try_from`, one value at a time.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(try_from = "bool", into = "bool")]
pub struct Bit {
    pub value: bool,
}

macro_rules! converts_as {
    ($($ty:ident: $wire:ty, $to_wire:expr, $from_wire:expr;)*) => {$(
        impl From<$wire> for $ty {
            fn from(value: $wire) -> Self {
                $ty { value: $from_wire(value) }
            }
        }
        impl From<$ty> for $wire {
            fn from(v: $ty) -> $wire {
                $to_wire(v.value)
            }
        }
    )*};
}
converts_as! {
    Byte: u8, |v| v, |v| v;
    Bits: u32, |v| v, |v| v;
    Signed: i64, |v| v, |v| v;
    Huge: Wider, Wider, |w: Wider| w.0;
    Bit: bool, |v| v, |v| v;
}

/// [`Blocks`] with its elements in types that travel through conversions: the same
/// section, byte for byte.
#[derive(VmState, Debug, Clone, PartialEq)]
#[vmstate(name = "blocks")]
pub struct ConvertedBlocks {
    pub head: u8,
    #[vmstate(max_len = 40000)]
    pub bytes: Vec<Byte>,
    pub table: [Bits; 4200],
    #[vmstate(max_len = 5000)]
    pub words: Vec<Signed>,
    #[vmstate(max_len = 2500)]
    pub wide: Vec<Huge>,
    #[vmstate(max_len = 40000)]
    pub flags: Vec<Bit>,
    pub tail: u16,
}

impl ConvertedBlocks {
    /// A fresh, empty one.
    pub fn new() -> Self {
        ConvertedBlocks {
            head: 0,
            bytes: Vec::new(),
            table: [Bits { value: 0 }; 4200],
            words: Vec::new(),
            wide: Vec::new(),
            flags: Vec::new(),
            tail: 0,
        }
    }

    /// The same state as plain values.
    pub fn unconverted(&self) -> Blocks {
        Blocks {
            head: self.head,
            bytes: self.bytes.iter().map(|b| b.value).collect(),
            table: self.table.map(|w| w.value),
            words: self.words.iter().map(|l| l.value).collect(),
            wide: self.wide.iter().map(|w| w.value).collect(),
            flags: self.flags.iter().map(|f| f.value).collect(),
            tail: self.tail,
        }
    }
}

impl Default for ConvertedBlocks {
    fn default() -> Self {
        Self::new()
    }
}

/// A native section loaded into [`Blocks`] and [`ConvertedBlocks`]: both refuse it or both
/// load the same values, and save the same bytes again. A refusal is of the same kind, and
/// says the same but where the converted struct reads one value at a time (`try_from`'s
/// `words` and `flags`), which names the element and its offset where the block is
/// refused as a whole.
pub fn check_conversions_alike(section: &[u8]) {
    let (mut plain, mut converted) = (blocks(), ConvertedBlocks::new());
    let results = (
        vmstate_core::from_bytes(&mut plain, section),
        vmstate_core::from_bytes(&mut converted, section),
    );
    match results {
        (Ok(()), Ok(())) => {
            assert!(
                converted.unconverted() == plain,
                "the conversions loaded other values"
            );
            assert!(
                vmstate_core::to_bytes(&converted).ok() == vmstate_core::to_bytes(&plain).ok(),
                "the conversions save other bytes"
            );
        }
        (Err(a), Err(b)) => {
            assert_eq!(
                std::mem::discriminant(a.kind()),
                std::mem::discriminant(b.kind()),
                "other errors: {a} / {b}"
            );
            let (a, b) = (a.to_string(), b.to_string());
            let one_at_a_time = ["blocks.words", "blocks.flags"];
            if !one_at_a_time.iter().any(|field| b.starts_with(field)) {
                assert_eq!(a, b, "other errors");
            }
            assert!(
                converted == ConvertedBlocks::new(),
                "a refused load changed the struct"
            );
        }
        (a, b) => panic!("the plain struct gives {a:?}, the conversions {b:?}"),
    }
}

/// A fresh, empty [`Blocks`].
pub fn blocks() -> Blocks {
    Blocks {
        head: 0,
        bytes: Vec::new(),
        table: [0; 4200],
        words: Vec::new(),
        wide: Vec::new(),
        flags: Vec::new(),
        tail: 0,
    }
}

/// A [`Blocks`] whose sequences hold `len` bytes each (rounded down to whole elements).
pub fn blocks_of(len: usize) -> Blocks {
    Blocks {
        head: len as u8,
        bytes: (0..len).map(|i| (i * 7 % 251) as u8).collect(),
        table: std::array::from_fn(|i| (i as u32).wrapping_mul(2_654_435_761)),
        words: (0..len / 8).map(|i| (i as i64) * -3).collect(),
        wide: (0..len / 16)
            .map(|i| (i as u128) << 64 | i as u128)
            .collect(),
        flags: (0..len).map(|i| i % 3 == 0).collect(),
        tail: len as u16,
    }
}
impl Normalize for IcpPic {}
impl Normalize for IcpControl {}
impl Normalize for Pl022 {}
impl Normalize for ArmCpuState {
    /// A CPU without a VFP (iwMMXt, ThumbEE, WFxT timer) loads a `cpu/vfp` subsection (a
    /// subsection sent is read) but does not send it, nor a `cpu/serror` whose `pending` is 0:
    /// the reloaded CPU keeps its own.
    fn normalize(loaded: &Self, reloaded: &mut Self) {
        if !loaded.has_vfp {
            reloaded.vfp = loaded.vfp.clone();
        }
        if !loaded.has_iwmmxt {
            reloaded.iwmmxt = loaded.iwmmxt.clone();
        }
        if !loaded.has_thumb2ee {
            reloaded.thumb2ee = loaded.thumb2ee.clone();
        }
        if !loaded.has_wfxt_timer {
            reloaded.wfxt_timer = loaded.wfxt_timer.clone();
        }
        if loaded.serror.pending == 0 {
            reloaded.serror = loaded.serror.clone();
        }
    }
}

// The state-only ports (`devices::qemu_sections`). A subsection whose `needed` says no to
// the loaded value is not saved, as in QEMU: where its absence does not mean that value
// (a `default` equal to what `needed` refuses), the reloaded port keeps its own.
impl Normalize for qemu_sections::machine::CpuCommonState {}
impl Normalize for qemu_sections::machine::GlobalState {}
impl Normalize for qemu_sections::machine::GlobalStateWithSuspendFlag {}
impl Normalize for qemu_sections::arm_timer::ArmTimerState {}
impl Normalize for qemu_sections::pl011::Pl011State {}
impl Normalize for qemu_sections::ps2::Ps2KbdState {}
impl Normalize for qemu_sections::ps2::Ps2MouseState {}
impl Normalize for qemu_sections::pl050::Pl050State {}
impl Normalize for qemu_sections::pl181::Pl181State {}
impl Normalize for qemu_sections::pl041::Pl041State {}
impl Normalize for qemu_sections::smc91c111::Smc91c111State {}
impl Normalize for qemu_sections::pl110::Pl110State {}

impl Normalize for qemu_sections::machine::TimersState {
    /// Without `-icount` (configuration) the `timer/icount` subsection is read but not sent.
    fn normalize(loaded: &Self, reloaded: &mut Self) {
        if loaded.icount.mode == qemu_sections::machine::IcountMode::Off {
            reloaded.icount = loaded.icount.clone();
        }
    }
}

impl Normalize for qemu_sections::sd_card::SdCardState {
    /// A powered-up card does not send its OCR: it reloads as
    /// [`SdCardOcrState::powered_up_with`] its CSD.
    ///
    /// [`SdCardOcrState::powered_up_with`]: qemu_sections::sd_card::SdCardOcrState::powered_up_with
    fn normalize(loaded: &Self, reloaded: &mut Self) {
        use qemu_sections::sd_card::{SdCardOcrState, OCR_CARD_POWER_UP};
        if loaded.ocr_state.ocr & OCR_CARD_POWER_UP != 0 {
            assert_eq!(
                reloaded.ocr_state,
                SdCardOcrState::powered_up_with(&reloaded.csd)
            );
            reloaded.ocr_state = loaded.ocr_state.clone();
        }
    }
}

impl Normalize for Pl031 {
    /// `tick.migrated` is QEMU's `tick_offset_migrated`: whether the last load carried the
    /// `pl031/tick-offset` subsection. A load of data without it, re-saved, does carry it
    /// (`migrate_tick_offset` is on), so only the reloaded side is known: it must be `true`.
    fn normalize(loaded: &Self, reloaded: &mut Self) {
        assert!(
            reloaded.tick.migrated,
            "re-saved pl031 data did not carry its tick-offset subsection"
        );
        reloaded.tick.migrated = loaded.tick.migrated;
    }
}

/// The sections `qemu_sections` fuzzes, by selector (its `match` follows this order): QEMU
/// section names, `globalstate` twice (QEMU 7.2's layout, then the later one).
pub const PORT_SECTIONS: [&str; 14] = [
    "timer",
    "cpu_common",
    "globalstate",
    "globalstate",
    "arm_timer",
    "pl011",
    "ps2kbd",
    "ps2mouse",
    "pl050",
    "pl181",
    "sd-card",
    "pl041",
    "smc91c111",
    "pl110",
];

/// Calls `$f::<T>(args)` with the port type `T` that `$selector` picks (`PORT_SECTIONS`'
/// order): one list for the fuzz target and its seeds.
#[macro_export]
macro_rules! with_port {
    ($selector:expr, $f:ident($($arg:expr),*)) => {{
        use devices::qemu_sections::{
            arm_timer::ArmTimerState, machine, pl011::Pl011State, pl041::Pl041State,
            pl050::Pl050State, pl110::Pl110State, pl181::Pl181State, ps2,
            sd_card::SdCardState, smc91c111::Smc91c111State,
        };
        match usize::from($selector) % $crate::PORT_SECTIONS.len() {
            0 => $f::<machine::TimersState>($($arg),*),
            1 => $f::<machine::CpuCommonState>($($arg),*),
            2 => $f::<machine::GlobalState>($($arg),*),
            3 => $f::<machine::GlobalStateWithSuspendFlag>($($arg),*),
            4 => $f::<ArmTimerState>($($arg),*),
            5 => $f::<Pl011State>($($arg),*),
            6 => $f::<ps2::Ps2KbdState>($($arg),*),
            7 => $f::<ps2::Ps2MouseState>($($arg),*),
            8 => $f::<Pl050State>($($arg),*),
            9 => $f::<Pl181State>($($arg),*),
            10 => $f::<SdCardState>($($arg),*),
            11 => $f::<Pl041State>($($arg),*),
            12 => $f::<Smc91c111State>($($arg),*),
            _ => $f::<Pl110State>($($arg),*),
        }
    }};
}

/// What every device under test provides.
pub trait Dut: VmState + PartialEq + Debug + Normalize {}
impl<T: VmState + PartialEq + Debug + Normalize> Dut for T {}

/// Native format: load `input` into a fresh device; a failed load must leave it fresh, a
/// successful one must survive save -> load into another fresh device, and saving that one
/// must give the same bytes again.
pub fn check_native<T: Dut>(fresh: fn() -> T, input: &[u8]) {
    let mut dev = fresh();
    match vmstate_core::from_bytes(&mut dev, input) {
        Err(e) => {
            let _ = e.to_string();
            assert_eq!(dev, fresh(), "a failed native load changed the device: {e}");
        }
        Ok(()) => {
            let saved = vmstate_core::to_bytes(&dev).expect("saving a loaded device");
            let mut again = fresh();
            if let Err(e) = vmstate_core::from_bytes(&mut again, &saved) {
                panic!("reloading a re-saved device failed: {e}\nsaved: {saved:02x?}");
            }
            T::normalize(&dev, &mut again);
            assert_eq!(dev, again, "native round trip changed the state");
            let resaved = vmstate_core::to_bytes(&again).expect("saving a reloaded device");
            assert_eq!(
                saved, resaved,
                "native save is not stable across a round trip"
            );
        }
    }
}

/// QEMU format: like [`check_native`], with section data written with `version`.
pub fn check_qemu<T: Dut>(fresh: fn() -> T, input: &[u8], version: u32) {
    let mut dev = fresh();
    match vmstate_core::qemu::from_bytes(&mut dev, input, version, 0) {
        Err(e) => {
            let _ = e.to_string();
            assert_eq!(dev, fresh(), "a failed QEMU load changed the device: {e}");
        }
        Ok(()) => {
            let saved = vmstate_core::qemu::to_bytes(&dev).expect("saving a loaded device");
            let mut again = fresh();
            let current = T::DESCRIPTION.version;
            if let Err(e) = vmstate_core::qemu::from_bytes(&mut again, &saved, current, 0) {
                panic!("reloading re-saved QEMU data failed: {e}\nsaved: {saved:02x?}");
            }
            T::normalize(&dev, &mut again);
            assert_eq!(dev, again, "QEMU round trip changed the state");
            let resaved = vmstate_core::qemu::to_bytes(&again).expect("saving a reloaded device");
            assert_eq!(
                saved, resaved,
                "QEMU save is not stable across a round trip"
            );
        }
    }
}

/// The codec byte of the `arm_cpu` and `qemu_sections` targets: bit 0 set, `qemu` gets QEMU
/// section data; else `native` gets a native section, its last 4 bytes first rewritten as the
/// CRC-32 of the rest when bit 7 is set (so mutated fields get past the checksum).
pub fn by_codec(codec: u8, section: &[u8], qemu: impl FnOnce(&[u8]), native: impl FnOnce(&[u8])) {
    if codec & 1 != 0 {
        return qemu(section);
    }
    with_crc_flag(codec, section, native)
}

/// Passes a native section to `load`, its last 4 bytes first rewritten as the CRC-32 of the
/// rest when bit 7 of `flag` is set (so mutated fields get past the checksum).
pub fn with_crc_flag(flag: u8, section: &[u8], load: impl FnOnce(&[u8])) {
    if flag & 0x80 != 0 {
        let mut owned = section.to_vec();
        fix_native_crc(&mut owned);
        return load(&owned);
    }
    load(section)
}

/// Overwrites the last 4 bytes of a native section with the CRC-32 of the bytes before
/// them, so mutated field bytes get past the checksum and reach the field decoders.
pub fn fix_native_crc(section: &mut [u8]) {
    if section.len() >= 4 {
        let end = section.len() - 4;
        let crc = crc32fast::hash(&section[..end]);
        section[end..].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Reads a LEB128 varint (at most 10 bytes) at `*pos`.
fn varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for i in 0..10 {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Recomputes the checksum of the native section at `*pos` (name, version, length, fields,
/// CRC-32) and moves past it; `None` where the framing does not hold together.
fn fix_section_at(b: &mut [u8], pos: &mut usize) -> Option<()> {
    let start = *pos;
    let name_len = usize::try_from(varint(b, pos)?).ok()?;
    *pos = pos.checked_add(name_len)?;
    varint(b, pos)?;
    let len = u32::from_le_bytes(b.get(*pos..*pos + 4)?.try_into().ok()?) as usize;
    let end = pos.checked_add(4)?.checked_add(len)?;
    b.get(end..end.checked_add(4)?)?;
    let crc = crc32fast::hash(&b[start..end]);
    b[end..end + 4].copy_from_slice(&crc.to_le_bytes());
    *pos = end + 4;
    Some(())
}

/// A copy of machine stream `data` with every checksum it can find recomputed (each
/// section's, then the schema trailer's), so mutations inside sections and the trailer reach
/// the decoders. Stops fixing where the framing breaks; `None` if nothing was fixable.
pub fn fix_machine_crcs(data: &[u8]) -> Option<Vec<u8>> {
    let mut b = data.to_vec();
    let mut pos = 12;
    b.get(..pos)?;
    let mut ids = Vec::new();
    loop {
        match *b.get(pos)? {
            0x01 => {
                pos += 1;
                let id_at = pos;
                varint(&b, &mut pos)?;
                ids.extend_from_slice(&b[id_at..pos]);
                fix_section_at(&mut b, &mut pos)?;
            }
            0x00 => {
                pos += 1;
                break;
            }
            _ => return Some(b),
        }
    }
    let Some(len) = b.get(pos..pos + 4) else {
        return Some(b);
    };
    let len = u32::from_le_bytes(len.try_into().ok()?) as usize;
    let json = pos + 4..(pos + 4).checked_add(len)?;
    if b.get(json.end..json.end.checked_add(4)?).is_some() {
        // Format version 3's trailer checksum covers the instance ids, then the JSON.
        let mut hasher = crc32fast::Hasher::new();
        if b.get(8..12) == Some(&3u32.to_le_bytes()[..]) {
            hasher.update(&ids);
        }
        hasher.update(&b[json.clone()]);
        let crc = hasher.finalize();
        b[json.end..json.end + 4].copy_from_slice(&crc.to_le_bytes());
    }
    Some(b)
}

/// Whether `VMSTATE_FUZZ_SKIP_KNOWN` is set (to anything but `0`): targets then let through
/// the inputs that hit bugs already reported (README.md lists them), to look for others.
pub fn skip_known() -> bool {
    static SKIP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SKIP.get_or_init(|| std::env::var_os("VMSTATE_FUZZ_SKIP_KNOWN").is_some_and(|v| v != "0"))
}

/// A panic already reported: where it happens (a file path suffix) and what it says.
pub type KnownPanic = (&'static str, &'static str);

/// Runs `f`; with [`skip_known`] on, a panic matching one of `known` is caught and gives
/// `None` (any other panic still aborts as libFuzzer's hook makes it). The list is the one of
/// the first call (each target has one).
pub fn run_tolerating<R>(known: &'static [KnownPanic], f: impl FnOnce() -> R) -> Option<R> {
    if !skip_known() {
        return Some(f());
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info.payload_as_str().unwrap_or("");
            let is_known = info.location().is_some_and(|l| {
                known
                    .iter()
                    .any(|(file, msg)| l.file().ends_with(file) && message.contains(msg))
            });
            if !is_known {
                previous(info)
            }
        }));
    });
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}
