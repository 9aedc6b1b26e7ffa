//! QEMU's machine-wide sections, which every stream carries whatever the board: `timer`,
//! `cpu_common` and `globalstate`, state only, laid out as QEMU 7.2 sends them, and the
//! `audio` section of earlier releases.
//!
//! - [`TimersState`]: `vmstate_timers` of `softmmu/cpu-timers.c` (section `timer`, version 2),
//!   the virtual clock's offsets, with an 8-byte hole where QEMU once sent a third value
//!   (`VMSTATE_UNUSED(8)`) and the `timer/icount` subsection tree, sent only under `-icount`.
//! - [`CpuCommonState`]: `vmstate_cpu_common` of `cpu.c` (section `cpu_common`, version 1,
//!   one per CPU whose model has no qdev vmsd of its own; the `cpu` section follows it), with
//!   its `cpu_common/exception_index` and `cpu_common/crash_occurred` subsections. QEMU 7.2
//!   has no other subsection there (no `irq_queue`), nor does 10.0.
//! - [`GlobalState`]: `vmstate_globalstate` of `migration/global_state.c` (section
//!   `globalstate`, version 1): the run state the source was in, as a NUL-terminated name in
//!   a 100-byte buffer. Later QEMU (10.0's fixture; the change came with the
//!   `vm_was_suspended` flag) cut that buffer into a 32-byte name, two flag bytes and 66
//!   bytes it zeroes, keeping the version and the 104 bytes: [`GlobalStateWithSuspendFlag`]
//!   is that layout. Either struct loads either release's bytes; each describes its own
//!   release's fields.
//! - [`AudioState`]: `vmstate_audio` of `audio/audio.c` (section `audio`, version 1), which
//!   has no fields: QEMU 5.2 sends it (the fixture), releases since 6.1 never do (its
//!   `needed` returns false).
//!
//! ```
//! use devices::qemu_sections::machine::GlobalState;
//!
//! let paused = GlobalState::with_runstate("paused");
//! assert_eq!(paused.size, 7); // QEMU's pre_save: strlen + 1
//! let bytes = vmstate_core::qemu::to_bytes(&paused).unwrap();
//! assert_eq!(bytes.len(), 4 + 100);
//! let mut back = GlobalState::default();
//! vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
//! assert_eq!(back.runstate_name(), Some("paused"));
//!
//! // QEMU's post_load refuses a run state it does not know, and so does this port.
//! let mut hostile = bytes.clone();
//! hostile[4..10].copy_from_slice(b"resume");
//! assert!(vmstate_core::qemu::from_bytes(&mut back, &hostile, 1, 0).is_err());
//! assert_eq!(back.runstate_name(), Some("paused"));
//! ```

use std::fmt;

use vmstate_core::{Unused, VmState};

// ---------------------------------------------------------------------------------------
// timer
// ---------------------------------------------------------------------------------------

/// How the guest's instruction counter drives the virtual clock (QEMU's `-icount`), which
/// decides the `timer/icount` subsections. Configuration on both sides, never migrated.
#[derive(VmState, Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum IcountMode {
    /// No `-icount` (QEMU's `icount_enabled() == 0`): the virtual clock follows the host.
    #[default]
    Off = 0,
    /// `-icount shift=N`: a fixed time per instruction (`icount_enabled() == 1`).
    Precise = 1,
    /// `-icount shift=auto`: the shift adapts to the host's speed (`icount_enabled() == 2`).
    Adaptive = 2,
}

/// The `timer` section: `TimersState` as QEMU's `vmstate_timers` sends it. QEMU runs no
/// hook on it, and refuses nothing beyond the version.
///
/// ```
/// use devices::qemu_sections::machine::{IcountMode, TimersState};
/// let mut timers = TimersState { cpu_clock_offset: 5_000_000_000, ..Default::default() };
/// assert_eq!(vmstate_core::qemu::to_bytes(&timers).unwrap().len(), 3 * 8);
/// timers.icount.mode = IcountMode::Precise; // `-icount shift=N,sleep=off`
/// let with_icount = vmstate_core::qemu::to_bytes(&timers).unwrap().len();
/// assert_eq!(with_icount, 3 * 8 + 1 + 1 + "timer/icount".len() + 4 + 2 * 8);
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "timer", version = 2, minimum_version = 1)]
pub struct TimersState {
    /// The host cycle counter's offset: with the VM stopped (as it is for a migration), the
    /// host ticks it ran for (`cpu_get_ticks`).
    pub cpu_ticks_offset: i64,
    /// Where version 1 sent a third value (`VMSTATE_UNUSED(8)`); QEMU writes zeros.
    pub unused: Unused<8>,
    /// The virtual clock's offset in ns: with the VM stopped, the time it ran for
    /// (`VMSTATE_INT64_V(.., 2)`; a version 1 stream keeps the destination's).
    #[vmstate(since = 2)]
    pub cpu_clock_offset: i64,
    /// The instruction counter's state, sent while `-icount` is on.
    #[vmstate(subsection, needed = "Self::icount_needed")]
    pub icount: IcountState,
}

impl TimersState {
    /// QEMU's `icount_state_needed`: `icount_enabled()`.
    fn icount_needed(&self) -> bool {
        self.icount.mode != IcountMode::Off
    }
}

/// The `timer/icount` subsection (`icount_vmstate_timers`). Its two configuration fields
/// stand for what QEMU's `needed` functions read outside `TimersState` (the `-icount`
/// options, and which timers `icount_configure` created from them).
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "timer/icount")]
pub struct IcountState {
    /// The `-icount` mode: configuration, never migrated.
    #[vmstate(skip)]
    pub mode: IcountMode,
    /// `-icount sleep=on` (QEMU's default under `-icount`), for which QEMU creates the warp
    /// timer: configuration, never migrated.
    #[vmstate(skip)]
    pub sleep: bool,
    /// The virtual clock's offset from the instruction count, in ns.
    pub qemu_icount_bias: i64,
    /// The instructions executed so far.
    pub qemu_icount: i64,
    /// The warp timer's state, sent while it exists (`-icount sleep=on`).
    #[vmstate(subsection, needed = "Self::warp_timer_needed")]
    pub warp_timer: IcountWarpTimer,
    /// The adaptive mode's adjustment timers, sent while they exist (`shift=auto`).
    #[vmstate(subsection, needed = "Self::adaptive")]
    pub timers: IcountAdjustTimers,
    /// The adaptive mode's current shift, sent under `shift=auto`.
    #[vmstate(subsection, needed = "Self::adaptive")]
    pub shift: IcountShift,
}

impl IcountState {
    /// QEMU's `warp_timer_state_needed`: `icount_warp_timer != NULL`, which
    /// `icount_configure` creates under `-icount` with `sleep=on`.
    fn warp_timer_needed(&self) -> bool {
        self.mode != IcountMode::Off && self.sleep
    }

    /// QEMU's `adjust_timers_state_needed` (`icount_rt_timer != NULL`, created for
    /// `shift=auto` only) and `icount_shift_state_needed` (`icount_enabled() == 2`).
    fn adaptive(&self) -> bool {
        self.mode == IcountMode::Adaptive
    }
}

/// The `timer/icount/warp_timer` subsection (`icount_vmstate_warp_timer`).
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "timer/icount/warp_timer")]
pub struct IcountWarpTimer {
    /// When the current warp of the virtual clock started, in ns (-1: none).
    pub vm_clock_warp_start: i64,
    /// The warp timer's expiry (`VMSTATE_TIMER_PTR`; -1 when not armed).
    pub icount_warp_timer: i64,
}

/// The `timer/icount/timers` subsection (`icount_vmstate_adjust_timers`).
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "timer/icount/timers")]
pub struct IcountAdjustTimers {
    /// The real-time adjustment timer's expiry (`VMSTATE_TIMER_PTR`; -1 when not armed).
    pub icount_rt_timer: i64,
    /// The virtual-time adjustment timer's expiry (`VMSTATE_TIMER_PTR`; -1 when not armed).
    pub icount_vm_timer: i64,
}

/// The `timer/icount/shift` subsection (`icount_vmstate_shift`, version 2 only).
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "timer/icount/shift", version = 2, minimum_version = 2)]
pub struct IcountShift {
    /// log2 of the ns per instruction that the adaptive mode settled on.
    pub icount_time_shift: i16,
    /// The last difference between the virtual and the real clock that it adjusted for.
    pub last_delta: i64,
}

// ---------------------------------------------------------------------------------------
// cpu_common
// ---------------------------------------------------------------------------------------

/// The `cpu_common` section: the generic part of a `CPUState`, as QEMU's
/// `vmstate_cpu_common` sends it. QEMU's `post_load` clears bit 0 of `interrupt_request`
/// (once `CPU_INTERRUPT_EXIT`) and flushes the TLB and translated code: fix-ups and emulator
/// work, not refusals, so this port (state only) leaves the loaded value as it is. Its
/// `pre_load` (no exception pending unless the stream says so) is the `exception_index`
/// subsection's `default`.
///
/// ```
/// use devices::qemu_sections::machine::{CpuCommonState, NO_EXCEPTION};
/// let idle = CpuCommonState { halted: 1, ..Default::default() };
/// let bytes = vmstate_core::qemu::to_bytes(&idle).unwrap();
/// assert_eq!(bytes.len(), 8); // no exception pending, no crash: no subsection
///
/// let mut cpu = CpuCommonState::default();
/// cpu.exception_index.exception_index = 5;
/// vmstate_core::qemu::from_bytes(&mut cpu, &bytes, 1, 0).unwrap();
/// assert_eq!(cpu.exception_index.exception_index, NO_EXCEPTION); // its `default`
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "cpu_common", version = 1)]
pub struct CpuCommonState {
    /// Nonzero while the CPU waits for an interrupt (WFI).
    pub halted: u32,
    /// The pending `CPU_INTERRUPT_*` requests, one bit each.
    pub interrupt_request: u32,
    /// The exception being delivered, sent while there is one.
    #[vmstate(
        subsection,
        needed = "Self::exception_pending",
        default = "CpuCommonExceptionIndex::none"
    )]
    pub exception_index: CpuCommonExceptionIndex,
    /// Whether the guest crashed (a panic device fired), sent when it did.
    #[vmstate(subsection, needed = "Self::crashed")]
    pub crash_occurred: CpuCommonCrashOccurred,
}

impl CpuCommonState {
    /// QEMU's `cpu_common_exception_index_needed`: `tcg_enabled() && exception_index != -1`.
    /// The ARM926 runs under TCG only (KVM has no such CPU), so only the index counts.
    fn exception_pending(&self) -> bool {
        self.exception_index.exception_index != NO_EXCEPTION
    }

    /// QEMU's `cpu_common_crash_occurred_needed`.
    fn crashed(&self) -> bool {
        self.crash_occurred.crash_occurred
    }
}

/// `exception_index` when no exception is pending (QEMU's `-1`).
pub const NO_EXCEPTION: i32 = -1;

/// The `cpu_common/exception_index` subsection.
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "cpu_common/exception_index")]
pub struct CpuCommonExceptionIndex {
    /// The pending exception's `EXCP_*` number, or [`NO_EXCEPTION`].
    pub exception_index: i32,
}

impl CpuCommonExceptionIndex {
    /// No exception pending: what QEMU's `cpu_common_pre_load` sets before a load, so a
    /// stream without the subsection leaves it so.
    ///
    /// ```
    /// use devices::qemu_sections::machine::{CpuCommonExceptionIndex, NO_EXCEPTION};
    /// assert_eq!(CpuCommonExceptionIndex::none().exception_index, NO_EXCEPTION);
    /// assert_eq!(CpuCommonExceptionIndex::default(), CpuCommonExceptionIndex::none());
    /// ```
    pub fn none() -> Self {
        CpuCommonExceptionIndex {
            exception_index: NO_EXCEPTION,
        }
    }
}

impl Default for CpuCommonExceptionIndex {
    fn default() -> Self {
        Self::none()
    }
}

/// The `cpu_common/crash_occurred` subsection.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "cpu_common/crash_occurred")]
pub struct CpuCommonCrashOccurred {
    /// Whether the guest reported a crash (`VMSTATE_BOOL`).
    pub crash_occurred: bool,
}

// ---------------------------------------------------------------------------------------
// audio
// ---------------------------------------------------------------------------------------

/// The `audio` section of QEMU before 6.1 (5.2's fixture): a version and no fields.
///
/// ```
/// use devices::qemu_sections::machine::AudioState;
///
/// assert!(vmstate_core::qemu::to_bytes(&AudioState).unwrap().is_empty());
/// vmstate_core::qemu::from_bytes(&mut AudioState, &[], 1, 0).unwrap();
/// assert!(vmstate_core::qemu::from_bytes(&mut AudioState, &[0], 1, 0).is_err());
/// ```
#[derive(VmState, Debug, Clone, Copy, Default, PartialEq, Eq)]
#[vmstate(name = "audio", version = 1)]
pub struct AudioState;

// ---------------------------------------------------------------------------------------
// globalstate
// ---------------------------------------------------------------------------------------

/// The run state names QEMU 7.2 knows (`RunState` in `qapi/run-state.json`, as
/// `RunState_lookup` spells them); 10.0 has the same. A `globalstate` naming another is
/// refused by QEMU's `post_load` (`qapi_enum_parse` fails: `-EINVAL`).
pub const RUN_STATES: [&str; 16] = [
    "debug",
    "inmigrate",
    "internal-error",
    "io-error",
    "paused",
    "postmigrate",
    "prelaunch",
    "finish-migrate",
    "restore-vm",
    "running",
    "save-vm",
    "shutdown",
    "suspended",
    "watchdog",
    "guest-panicked",
    "colo",
];

/// The `globalstate` section as QEMU 7.2 sends it: the source's run state, which the
/// destination resumes into (`paused` stays paused). QEMU's `pre_save` sets `size` to the
/// name's length + 1 ([`GlobalState::with_runstate`] does the same); its `post_load`
/// ignores `size`, forces a NUL into the buffer's last byte when it has none (a fix-up; a
/// 99-byte name is never a run state anyway) and refuses a name that is no run state, which
/// is this port's `validate` on `runstate`. The section itself is `needed` only while the
/// migration property `store-global-state` is on (the default), which a port of the section
/// cannot see.
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "globalstate", version = 1)]
pub struct GlobalState {
    /// The name's length + 1, as the source's `pre_save` computed it (not checked on load).
    pub size: u32,
    /// The run state's name, NUL-terminated (`VMSTATE_BUFFER`); what follows the NUL is
    /// ignored (QEMU 7.2 leaves it zero).
    #[vmstate(buffer, validate = "run_state_in_100_bytes")]
    pub runstate: [u8; 100],
}

impl Default for GlobalState {
    fn default() -> Self {
        GlobalState {
            size: 0,
            runstate: [0; 100],
        }
    }
}

impl GlobalState {
    /// A state naming `runstate` (truncated to 99 bytes), with `size` as QEMU's `pre_save`
    /// sets it.
    pub fn with_runstate(runstate: &str) -> Self {
        let mut state = GlobalState::default();
        state.size = copy_name(&mut state.runstate, runstate);
        state
    }

    /// The run state's name, when the buffer holds one of [`RUN_STATES`] before its NUL.
    pub fn runstate_name(&self) -> Option<&'static str> {
        known_run_state(&self.runstate)
    }
}

/// The `globalstate` section as later QEMU sends it (10.0's fixture): the same version and
/// bytes as [`GlobalState`], the buffer cut into a 32-byte name, the `vm_was_suspended` flag
/// with a byte saying it is present (a 7.2 stream has zeros there), and 66 bytes QEMU
/// zeroes. QEMU's `post_load` refuses an unknown name as 7.2's does (forcing a NUL into the
/// name's last byte first), then resumes suspended if `vm_was_suspended` is set or the state
/// is `suspended`; it checks neither flag byte.
///
/// ```
/// use devices::qemu_sections::machine::{GlobalState, GlobalStateWithSuspendFlag};
///
/// // QEMU 7.2's bytes load into the later layout, and back.
/// let old = vmstate_core::qemu::to_bytes(&GlobalState::with_runstate("running")).unwrap();
/// let mut new = GlobalStateWithSuspendFlag::with_runstate("paused", true);
/// vmstate_core::qemu::from_bytes(&mut new, &old, 1, 0).unwrap();
/// assert_eq!(new.runstate_name(), Some("running"));
/// assert_eq!(new.has_vm_was_suspended, 0); // a 7.2 source sends no flag
/// assert_eq!(vmstate_core::qemu::to_bytes(&new).unwrap(), old);
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "globalstate", version = 1)]
pub struct GlobalStateWithSuspendFlag {
    /// The name's length + 1, as the source's `pre_save` computed it (not checked on load).
    pub size: u32,
    /// The run state's name, NUL-terminated (`VMSTATE_BUFFER`).
    #[vmstate(buffer, validate = "run_state_in_32_bytes")]
    pub runstate: [u8; 32],
    /// 1 when `vm_was_suspended` is meaningful (a 7.2 source sends 0 here).
    pub has_vm_was_suspended: u8,
    /// Whether the guest was suspended when the source stopped it.
    pub vm_was_suspended: u8,
    /// The rest of 7.2's buffer: a `VMSTATE_BUFFER` QEMU names `unused`, zeroes on save and
    /// ignores on load, so padding here (`Unused`: written as zeros, skipped on load).
    pub unused: Unused<66>,
}

impl GlobalStateWithSuspendFlag {
    /// A state naming `runstate` (truncated to 31 bytes), with `size` as QEMU's `pre_save`
    /// sets it and `vm_was_suspended` present, as a 10.0 source sends it.
    pub fn with_runstate(runstate: &str, vm_was_suspended: bool) -> Self {
        let mut state = GlobalStateWithSuspendFlag {
            has_vm_was_suspended: 1,
            vm_was_suspended: u8::from(vm_was_suspended),
            ..Default::default()
        };
        state.size = copy_name(&mut state.runstate, runstate);
        state
    }

    /// The run state's name, when the buffer holds one of [`RUN_STATES`] before its NUL.
    pub fn runstate_name(&self) -> Option<&'static str> {
        known_run_state(&self.runstate)
    }
}

/// Copies as much of `name` as leaves room for a NUL, zeroes the rest; returns QEMU's `size`.
fn copy_name(buffer: &mut [u8], name: &str) -> u32 {
    let len = name.len().min(buffer.len() - 1);
    buffer.fill(0);
    buffer[..len].copy_from_slice(&name.as_bytes()[..len]);
    // At most 99 + 1.
    u32::try_from(len + 1).unwrap_or(u32::MAX)
}

/// The run state a buffer names: the bytes before its first NUL, if there is one and they
/// spell a name of [`RUN_STATES`].
fn known_run_state(buffer: &[u8]) -> Option<&'static str> {
    let end = buffer.iter().position(|&b| b == 0)?;
    RUN_STATES
        .iter()
        .copied()
        .find(|name| name.as_bytes() == &buffer[..end])
}

/// A `globalstate` buffer that names no run state QEMU knows.
#[derive(Debug)]
struct UnknownRunState(String);

impl fmt::Display for UnknownRunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no run state named {:?}", self.0)
    }
}

impl std::error::Error for UnknownRunState {}

/// QEMU's `post_load` check: the name up to the first NUL (a buffer without one reads as
/// its first `len - 1` bytes, as QEMU's forced NUL makes it) must be a run state.
fn check_run_state(buffer: &[u8]) -> Result<(), UnknownRunState> {
    match known_run_state(buffer) {
        Some(_) => Ok(()),
        None => {
            let end = (buffer.iter().position(|&b| b == 0)).unwrap_or(buffer.len() - 1);
            Err(UnknownRunState(
                String::from_utf8_lossy(&buffer[..end]).into_owned(),
            ))
        }
    }
}

fn run_state_in_100_bytes(buffer: &[u8; 100]) -> Result<(), UnknownRunState> {
    check_run_state(buffer)
}

fn run_state_in_32_bytes(buffer: &[u8; 32]) -> Result<(), UnknownRunState> {
    check_run_state(buffer)
}
