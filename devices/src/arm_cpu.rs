//! The migrated state of the Integrator/CP's ARM926 CPU (the `cpu` section, version 22), as
//! QEMU 7.2's `vmstate_arm_cpu` (`target/arm/machine.c`) lays it out for that CPU: state
//! only, no emulation. It shows two of QEMU's forms a port needs: the coprocessor register
//! lists are `VMSTATE_VARRAY_INT32`s that share one count (`#[vmstate(len = "...")]`), and
//! subsections carry the IRQ line state and, for a CPU with a VFP (QEMU 10.0's ARM926, not
//! 7.2's: configuration, [`ArmCpuState::has_vfp`]), the VFP registers. The other CPU models
//! the Integrator/CP runs (`-cpu`) add subsections this port knows too: iwMMXt (PXA2xx),
//! ThumbEE (Cortex-A7/A8/A9/A15), the PMSAv7 MPU (Cortex-R5), a pending SError, and QEMU
//! 11.1's WFxT timer. Those of CPUs the board cannot run (M-profile, SVE, ...) it does not
//! know, and refuses by name.
//!
//! ```
//! use devices::ArmCpuState;
//!
//! let cpu = ArmCpuState {
//!     cpreg_vmstate_array_len: 2,
//!     cpreg_vmstate_indexes: vec![0x4020_0000_000f_0000, 0x4020_0000_000f_0800],
//!     cpreg_vmstate_values: vec![0x4106_9265, 0x1dd_20d2],
//!     ..ArmCpuState::default()
//! };
//! let bytes = vmstate_core::qemu::to_bytes(&cpu).unwrap();
//! let mut back = ArmCpuState::default();
//! vmstate_core::qemu::from_bytes(&mut back, &bytes, 22, 0).unwrap();
//! assert_eq!(back, cpu);
//! ```

use vmstate_core::{Unused, VmState};

/// The most coprocessor registers a load accepts (QEMU sizes its list by the CPU model; the
/// ARM926 has 36); also the lists' `max_len`.
pub const MAX_CPREGS: i32 = 1024;

// `max_len` takes a literal: the lists' bound below must stay `MAX_CPREGS`.
const _: () = assert!(MAX_CPREGS == 1024);

/// The `cpu` section. Field names are QEMU's (`env.regs`, `gt_timer[0]`), so schemas line
/// up with its vmdesc and dumps.
///
/// ```
/// use devices::ArmCpuState;
/// let mut cpu = ArmCpuState::default();
/// let without_vfp = vmstate_core::qemu::to_bytes(&cpu).unwrap().len();
/// cpu.has_vfp = true; // QEMU 10.0's ARM926: the `cpu/vfp` subsection is sent
/// let with_vfp = vmstate_core::qemu::to_bytes(&cpu).unwrap().len();
/// assert_eq!(with_vfp - without_vfp, 1 + 1 + "cpu/vfp".len() + 4 + 576);
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "cpu", version = 22, minimum_version = 22)]
pub struct ArmCpuState {
    /// R0..R15 of the current mode.
    #[vmstate(name = "env.regs")]
    pub regs: [u32; 16],
    /// AArch64 registers (zero on this CPU).
    #[vmstate(name = "env.xregs")]
    pub xregs: [u64; 32],
    /// AArch64 PC (zero on this CPU).
    #[vmstate(name = "env.pc")]
    pub pc: u64,
    /// CPSR (QEMU's `vmstate_cpsr`: a 32-bit value).
    pub cpsr: u32,
    /// SPSR of the current mode.
    #[vmstate(name = "env.spsr")]
    pub spsr: u32,
    /// SPSRs of the other modes.
    #[vmstate(name = "env.banked_spsr")]
    pub banked_spsr: [u64; 8],
    /// Banked R13s.
    #[vmstate(name = "env.banked_r13")]
    pub banked_r13: [u32; 8],
    /// Banked R14s.
    #[vmstate(name = "env.banked_r14")]
    pub banked_r14: [u32; 8],
    /// User-mode R8..R12 while in FIQ mode.
    #[vmstate(name = "env.usr_regs")]
    pub usr_regs: [u32; 5],
    /// FIQ-mode R8..R12 while in another mode.
    #[vmstate(name = "env.fiq_regs")]
    pub fiq_regs: [u32; 5],
    /// AArch64 exception link registers.
    #[vmstate(name = "env.elr_el")]
    pub elr_el: [u64; 4],
    /// AArch64 stack pointers.
    #[vmstate(name = "env.sp_el")]
    pub sp_el: [u64; 4],
    /// The number of coprocessor registers in the two lists below
    /// (`VMSTATE_INT32_POSITIVE_LE`). QEMU also refuses a count above its own CPU model's;
    /// this port, which has no CPU model, bounds it by [`MAX_CPREGS`] only.
    #[vmstate(range = "0..=MAX_CPREGS")]
    pub cpreg_vmstate_array_len: i32,
    /// Each coprocessor register's index, ascending.
    #[vmstate(len = "cpreg_vmstate_array_len", max_len = 1024)]
    pub cpreg_vmstate_indexes: Vec<u64>,
    /// Each coprocessor register's value.
    #[vmstate(len = "cpreg_vmstate_array_len", max_len = 1024)]
    pub cpreg_vmstate_values: Vec<u64>,
    /// The exclusive monitor's address.
    #[vmstate(name = "env.exclusive_addr")]
    pub exclusive_addr: u64,
    /// The exclusive monitor's value.
    #[vmstate(name = "env.exclusive_val")]
    pub exclusive_val: u64,
    /// The exclusive monitor's high word.
    #[vmstate(name = "env.exclusive_high")]
    pub exclusive_high: u64,
    /// A removed field (`VMSTATE_UNUSED(sizeof(uint64_t))`).
    pub unused: Unused<8>,
    /// The pending exception's syndrome.
    #[vmstate(name = "env.exception.syndrome")]
    pub syndrome: u32,
    /// The pending exception's fault status.
    #[vmstate(name = "env.exception.fsr")]
    pub fsr: u32,
    /// The pending exception's fault address.
    #[vmstate(name = "env.exception.vaddress")]
    pub vaddress: u64,
    /// The physical generic timer's expiry (`VMSTATE_TIMER_PTR`; -1 when not armed).
    #[vmstate(name = "gt_timer[0]")]
    pub gt_timer_phys: i64,
    /// The virtual generic timer's expiry.
    #[vmstate(name = "gt_timer[1]")]
    pub gt_timer_virt: i64,
    /// Whether the CPU is powered off (QEMU's `powered_off` byte).
    pub power_state: u8,
    /// Whether the CPU model has a VFP (QEMU's `vfp_needed`: the ISA registers' VFP/SIMD
    /// fields): configuration, never migrated. QEMU 7.2's ARM926 has none; QEMU 10.0's has,
    /// and sends the `cpu/vfp` subsection.
    #[vmstate(skip)]
    pub has_vfp: bool,
    /// The VFP registers, sent when the CPU has a VFP.
    #[vmstate(subsection, needed = "Self::vfp_needed")]
    pub vfp: VfpState,
    /// Whether the CPU model has iwMMXt (the PXA2xx): configuration, never migrated.
    #[vmstate(skip)]
    pub has_iwmmxt: bool,
    /// The iwMMXt registers, sent when the CPU has them.
    #[vmstate(subsection, needed = "Self::iwmmxt_needed")]
    pub iwmmxt: IwmmxtState,
    /// Whether the CPU model has ThumbEE (Cortex-A7, A8, A9, A15): configuration, never
    /// migrated.
    #[vmstate(skip)]
    pub has_thumb2ee: bool,
    /// The ThumbEE registers, sent when the CPU has them.
    #[vmstate(subsection, needed = "Self::thumb2ee_needed")]
    pub thumb2ee: Thumb2eeState,
    /// The PMSAv7 MPU regions (Cortex-R5), sent when its region count is configured
    /// ([`Pmsav7State::dregion`], QEMU's `pmsav7-dregion`).
    #[vmstate(subsection, needed = "Self::pmsav7_needed")]
    pub pmsav7: Pmsav7State,
    /// A pending SError, sent while one is.
    #[vmstate(subsection, needed = "Self::serror_needed")]
    pub serror: SerrorState,
    /// The IRQ line state, which QEMU 7.2 always sends.
    #[vmstate(subsection, needed = "Self::irq_line_state_needed")]
    pub irq_line_state: IrqLineState,
    /// Whether the CPU has QEMU's FEAT_WFxT timer object (QEMU 11.1 makes one for every model
    /// the board runs but the ARM926, ARM1026, SA-1110 and TI925T; QEMU 7.2 for none):
    /// configuration, never migrated.
    #[vmstate(skip)]
    pub has_wfxt_timer: bool,
    /// The WFxT timer's expiry, sent when the CPU has the timer.
    #[vmstate(subsection, needed = "Self::wfxt_timer_needed")]
    pub wfxt_timer: WfxtTimerState,
}

/// The `cpu/vfp` subsection (QEMU's `vmstate_vfp`, version 3): the 32 double registers, each
/// sent as the low two 64-bit words of QEMU's SVE-sized `zregs[i].d`, and the VFP system
/// registers but FPSCR, which follows through its own accessor (`vmstate_fpscr`: a
/// big-endian 32-bit value).
///
/// ```
/// use devices::arm_cpu::VfpState;
/// use vmstate_core::VmState;
/// let d = VfpState::DESCRIPTION;
/// assert_eq!((d.name, d.version), ("cpu/vfp", 3));
/// assert_eq!(d.qemu_size(), Some(32 * 16 + 4 + 14 * 4 + 4));
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "cpu/vfp", version = 3, minimum_version = 3)]
pub struct VfpState {
    /// D0 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[0].d")]
    pub zregs0: [u64; 2],
    /// D1 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[1].d")]
    pub zregs1: [u64; 2],
    /// D2 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[2].d")]
    pub zregs2: [u64; 2],
    /// D3 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[3].d")]
    pub zregs3: [u64; 2],
    /// D4 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[4].d")]
    pub zregs4: [u64; 2],
    /// D5 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[5].d")]
    pub zregs5: [u64; 2],
    /// D6 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[6].d")]
    pub zregs6: [u64; 2],
    /// D7 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[7].d")]
    pub zregs7: [u64; 2],
    /// D8 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[8].d")]
    pub zregs8: [u64; 2],
    /// D9 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[9].d")]
    pub zregs9: [u64; 2],
    /// D10 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[10].d")]
    pub zregs10: [u64; 2],
    /// D11 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[11].d")]
    pub zregs11: [u64; 2],
    /// D12 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[12].d")]
    pub zregs12: [u64; 2],
    /// D13 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[13].d")]
    pub zregs13: [u64; 2],
    /// D14 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[14].d")]
    pub zregs14: [u64; 2],
    /// D15 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[15].d")]
    pub zregs15: [u64; 2],
    /// D16 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[16].d")]
    pub zregs16: [u64; 2],
    /// D17 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[17].d")]
    pub zregs17: [u64; 2],
    /// D18 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[18].d")]
    pub zregs18: [u64; 2],
    /// D19 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[19].d")]
    pub zregs19: [u64; 2],
    /// D20 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[20].d")]
    pub zregs20: [u64; 2],
    /// D21 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[21].d")]
    pub zregs21: [u64; 2],
    /// D22 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[22].d")]
    pub zregs22: [u64; 2],
    /// D23 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[23].d")]
    pub zregs23: [u64; 2],
    /// D24 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[24].d")]
    pub zregs24: [u64; 2],
    /// D25 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[25].d")]
    pub zregs25: [u64; 2],
    /// D26 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[26].d")]
    pub zregs26: [u64; 2],
    /// D27 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[27].d")]
    pub zregs27: [u64; 2],
    /// D28 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[28].d")]
    pub zregs28: [u64; 2],
    /// D29 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[29].d")]
    pub zregs29: [u64; 2],
    /// D30 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[30].d")]
    pub zregs30: [u64; 2],
    /// D31 (and the next word, zero on AArch32).
    #[vmstate(name = "env.vfp.zregs[31].d")]
    pub zregs31: [u64; 2],
    /// FPSID.
    #[vmstate(name = "env.vfp.xregs[0]")]
    pub fpsid: u32,
    /// The system registers after FPSCR's slot (FPEXC, FPINST, ...; `VMSTATE_UINT32_SUB_ARRAY`
    /// from index 2).
    #[vmstate(name = "env.vfp.xregs")]
    pub xregs: [u32; 14],
    /// FPSCR.
    pub fpscr: u32,
}

/// The `cpu/iwmmxt` subsection (QEMU's `vmstate_iwmmxt`): the PXA2xx's iwMMXt data and
/// control registers.
///
/// ```
/// use devices::arm_cpu::IwmmxtState;
/// use vmstate_core::VmState;
/// assert_eq!(IwmmxtState::DESCRIPTION.qemu_size(), Some(16 * 8 + 16 * 4));
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "cpu/iwmmxt")]
pub struct IwmmxtState {
    /// wR0..wR15.
    #[vmstate(name = "env.iwmmxt.regs")]
    pub regs: [u64; 16],
    /// The control registers (wCID, wCon, ...).
    #[vmstate(name = "env.iwmmxt.cregs")]
    pub cregs: [u32; 16],
}

/// The `cpu/thumb2ee` subsection (QEMU's `vmstate_thumb2ee`).
///
/// ```
/// use devices::arm_cpu::Thumb2eeState;
/// use vmstate_core::VmState;
/// assert_eq!(Thumb2eeState::DESCRIPTION.qemu_size(), Some(8));
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "cpu/thumb2ee")]
pub struct Thumb2eeState {
    /// TEECR.
    #[vmstate(name = "env.teecr")]
    pub teecr: u32,
    /// TEEHBR.
    #[vmstate(name = "env.teehbr")]
    pub teehbr: u32,
}

/// The most PMSAv7 MPU regions QEMU allows (`pmsav7-dregion`); also the lists' `max_len`.
pub const MAX_PMSAV7_REGIONS: u32 = 255;

// `max_len` takes a literal: the lists' bound below must stay `MAX_PMSAV7_REGIONS`.
const _: () = assert!(MAX_PMSAV7_REGIONS == 255);

/// The `cpu/pmsav7` subsection (QEMU's `vmstate_pmsav7`): each MPU region's base, size and
/// access control, as many as the CPU model has regions (`VMSTATE_VARRAY_UINT32` counted by
/// the `pmsav7-dregion` property, which is not sent).
///
/// ```
/// use devices::arm_cpu::Pmsav7State;
/// let mpu = Pmsav7State { dregion: 2, drbar: vec![0, 0x2000_0000], drsr: vec![0x3f, 0x1b],
///     dracr: vec![0x300, 0x30c] };
/// let bytes = vmstate_core::qemu::to_bytes(&mpu).unwrap();
/// assert_eq!(bytes.len(), 3 * 2 * 4); // no count on the wire
/// let mut back = Pmsav7State { dregion: 2, ..Pmsav7State::default() };
/// vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
/// assert_eq!(back, mpu);
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "cpu/pmsav7")]
pub struct Pmsav7State {
    /// The number of MPU regions (QEMU's `pmsav7-dregion` property: 16 on the Cortex-R5):
    /// configuration, never migrated; 0 for a CPU without a PMSAv7 MPU.
    #[vmstate(skip)]
    pub dregion: u32,
    /// The regions' base addresses (DRBAR).
    #[vmstate(name = "env.pmsav7.drbar", len = "dregion", max_len = 255)]
    pub drbar: Vec<u32>,
    /// The regions' sizes and enables (DRSR).
    #[vmstate(name = "env.pmsav7.drsr", len = "dregion", max_len = 255)]
    pub drsr: Vec<u32>,
    /// The regions' access controls (DRACR).
    #[vmstate(name = "env.pmsav7.dracr", len = "dregion", max_len = 255)]
    pub dracr: Vec<u32>,
}

impl Pmsav7State {
    /// An MPU of `dregion` regions, all zero (as at reset): the count is configuration,
    /// and each list must be as long as it says.
    ///
    /// ```
    /// use devices::arm_cpu::Pmsav7State;
    /// let r5 = Pmsav7State::with_regions(16); // the Cortex-R5's
    /// assert_eq!((r5.dregion, r5.drbar.len(), r5.dracr.len()), (16, 16, 16));
    /// assert!(vmstate_core::qemu::to_bytes(&r5).is_ok());
    /// ```
    pub fn with_regions(dregion: u32) -> Self {
        let zeros = vec![0; dregion as usize];
        Pmsav7State {
            dregion,
            drbar: zeros.clone(),
            drsr: zeros.clone(),
            dracr: zeros,
        }
    }
}

/// The `cpu/serror` subsection (QEMU's `vmstate_serror`): a pending SError.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "cpu/serror")]
pub struct SerrorState {
    /// Whether an SError is pending.
    #[vmstate(name = "env.serror.pending")]
    pub pending: u8,
    /// Whether it has a syndrome.
    #[vmstate(name = "env.serror.has_esr")]
    pub has_esr: u8,
    /// Its syndrome.
    #[vmstate(name = "env.serror.esr")]
    pub esr: u64,
}

/// The `cpu/wfxt-timer` subsection (QEMU's `vmstate_wfxt_timer`, QEMU 11.1's): the timer
/// that ends a WFIT/WFET wait.
#[derive(VmState, Debug, Clone, PartialEq, Eq)]
#[vmstate(name = "cpu/wfxt-timer")]
pub struct WfxtTimerState {
    /// Its expiry (`VMSTATE_TIMER_PTR`; -1 when not armed).
    pub wfxt_timer: i64,
}

impl Default for WfxtTimerState {
    fn default() -> Self {
        WfxtTimerState { wfxt_timer: -1 }
    }
}

/// The `cpu/irq-line-state` subsection.
///
/// ```
/// use devices::{arm_cpu::IrqLineState, ArmCpuState};
/// let cpu = ArmCpuState { irq_line_state: IrqLineState { irq_line_state: 1 }, ..Default::default() };
/// let bytes = vmstate_core::qemu::to_bytes(&cpu).unwrap();
/// // Always sent, at the end: tag, name, version, then the line bits.
/// assert!(bytes.ends_with(b"cpu/irq-line-state\0\0\0\x01\0\0\0\x01"));
/// ```
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "cpu/irq-line-state")]
pub struct IrqLineState {
    /// The CPU's interrupt inputs (IRQ, FIQ, ...), one bit each.
    #[vmstate(name = "env.irq_line_state")]
    pub irq_line_state: u32,
}

impl ArmCpuState {
    fn vfp_needed(&self) -> bool {
        self.has_vfp
    }

    fn iwmmxt_needed(&self) -> bool {
        self.has_iwmmxt
    }

    fn thumb2ee_needed(&self) -> bool {
        self.has_thumb2ee
    }

    // QEMU asks the CPU's features (PMSA, v7 and not v8); a CPU without an MPU has no
    // regions configured.
    fn pmsav7_needed(&self) -> bool {
        self.pmsav7.dregion > 0
    }

    fn serror_needed(&self) -> bool {
        self.serror.pending != 0
    }

    fn wfxt_timer_needed(&self) -> bool {
        self.has_wfxt_timer
    }

    fn irq_line_state_needed(&self) -> bool {
        true
    }
}
