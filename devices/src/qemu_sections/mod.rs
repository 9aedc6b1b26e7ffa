//! State-only ports of the other sections QEMU sends for the Integrator/CP: what each device
//! (and QEMU itself) migrates, laid out as QEMU 7.2 lays it out, with no device behaviour.
//!
//! Each loads the bytes of real streams of QEMU 5.2, 7.2, 10.0 and 11.1 and writes them back
//! byte for byte, and its description matches the stream's vmdesc (but for names QEMU changed
//! between releases) and, for qdev devices, QEMU 7.2's `-dump-vmstate` (`tests/tests/qemu_sections_*.rs`). `vmstate qemu inspect` decodes
//! these sections with them ([`description`]). Together with the board's devices and the
//! ARM926's [`ArmCpuState`](crate::ArmCpuState), that is every section of an Integrator/CP
//! stream but `slirp` (the user-mode network stack's, which libslirp describes).
//!
//! ```
//! use devices::qemu_sections::{self, pl011::Pl011State};
//! use vmstate_core::VmState;
//!
//! let desc = qemu_sections::description("pl011").unwrap();
//! assert_eq!(desc.name, Pl011State::DESCRIPTION.name);
//! assert_eq!(desc.version, 2);
//! ```

pub mod arm_timer;
pub mod machine;
pub mod pl011;
pub mod pl041;
pub mod pl050;
pub mod pl110;
pub mod pl181;
pub mod ps2;
pub mod sd_card;
pub mod smc91c111;

use vmstate_core::{Description, VmState};

/// The description of QEMU section `idstr` among the state-only ports (the ARM CPU's
/// included), for sections the board does not model; `None` for sections not ported.
/// `globalstate` is QEMU 7.2's layout ([`machine::GlobalState`]; later QEMUs split its
/// buffer, [`machine::GlobalStateWithSuspendFlag`], in the same bytes).
///
/// ```
/// use devices::qemu_sections;
/// assert_eq!(qemu_sections::description("cpu").unwrap().version, 22);
/// assert!(qemu_sections::description("integratorcm").is_none()); // a board device
/// ```
pub fn description(idstr: &str) -> Option<&'static Description> {
    Some(match idstr {
        "timer" => machine::TimersState::DESCRIPTION,
        "cpu_common" => machine::CpuCommonState::DESCRIPTION,
        "cpu" => crate::ArmCpuState::DESCRIPTION,
        "arm_timer" => arm_timer::ArmTimerState::DESCRIPTION,
        "pl011" => pl011::Pl011State::DESCRIPTION,
        "ps2kbd" => ps2::Ps2KbdState::DESCRIPTION,
        "ps2mouse" => ps2::Ps2MouseState::DESCRIPTION,
        "pl050" => pl050::Pl050State::DESCRIPTION,
        "pl181" => pl181::Pl181State::DESCRIPTION,
        "sd-card" => sd_card::SdCardState::DESCRIPTION,
        "pl041" => pl041::Pl041State::DESCRIPTION,
        "smc91c111" => smc91c111::Smc91c111State::DESCRIPTION,
        "pl110" => pl110::Pl110State::DESCRIPTION,
        "globalstate" => machine::GlobalState::DESCRIPTION,
        "audio" => machine::AudioState::DESCRIPTION,
        _ => return None,
    })
}
