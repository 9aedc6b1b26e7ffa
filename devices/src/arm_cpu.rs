//! The migrated state of the Integrator/CP's ARM926 CPU (the `cpu` section, version 22), as
//! QEMU 7.2's `vmstate_arm_cpu` (`target/arm/machine.c`) lays it out for that CPU: state
//! only, no emulation. It shows two of QEMU's forms a port needs: the coprocessor register
//! lists are `VMSTATE_VARRAY_INT32`s that share one count (`#[vmstate(len = "...")]`), and
//! a subsection carries the IRQ line state. Other CPU models add subsections (VFP, M-profile,
//! ...) that this port does not know, and refuses by name.
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
    /// The IRQ line state, which QEMU 7.2 always sends.
    #[vmstate(subsection, needed = "Self::irq_line_state_needed")]
    pub irq_line_state: IrqLineState,
}

/// The `cpu/irq-line-state` subsection.
#[derive(VmState, Debug, Clone, Default, PartialEq, Eq)]
#[vmstate(name = "cpu/irq-line-state")]
pub struct IrqLineState {
    /// The CPU's interrupt inputs (IRQ, FIQ, ...), one bit each.
    #[vmstate(name = "env.irq_line_state")]
    pub irq_line_state: u32,
}

impl ArmCpuState {
    fn irq_line_state_needed(&self) -> bool {
        true
    }
}
