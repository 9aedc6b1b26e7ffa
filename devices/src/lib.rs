//! Device models ported from QEMU 7.2's Integrator/CP board, with migratable state.
//!
//! Each device is a plain struct deriving [`vmstate_core::VmState`], with MMIO `read`/`write`
//! that follow QEMU's behaviour register by register, and a description equal to QEMU's
//! (so its QEMU-format section is byte-compatible). Where QEMU aborts the whole emulator on a
//! guest access, these models report the condition instead (see [`mmio`]).
//!
//! ```
//! use devices::IntegratorCp;
//!
//! let mut board = IntegratorCp::new(32);
//! board.write(0x1000_0014, 0xa05f).unwrap(); // unlock the core module
//! board.write(0x1000_0008, 0x777).unwrap();  // CM_OSC
//! assert_eq!(board.read(0x1000_0008).unwrap(), 0x777);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod arm_cpu;
pub mod board;
pub mod clock;
pub mod device;
pub mod icp_control;
pub mod icp_pic;
pub mod integratorcm;
pub mod machine;
pub mod memory;
pub mod mmio;
pub mod pl022;
pub mod pl031;
pub mod qemu_image;
pub mod qemu_sections;

pub use arm_cpu::ArmCpuState;
pub use board::{BoardError, IntegratorCp};
pub use clock::{Clock, FakeClock, HostClock, WallClock};
pub use device::Device;
pub use icp_control::IcpControl;
pub use icp_pic::IcpPic;
pub use integratorcm::IntegratorCm;
pub use memory::{MemoryRegion, RegionKind};
pub use mmio::{Unimplemented, WriteEffects};
pub use pl022::Pl022;
pub use pl031::Pl031;
/// What a machine stream saves and loads of a device (`Device`'s supertrait): in scope, its
/// methods (`save_native`, `description`, ...) are callable on a device's concrete type.
pub use vmstate_core::machine::Section;
/// What a QEMU stream saves and loads of a device (`Device`'s supertrait, a [`Section`]):
/// in scope, its methods (`save_qemu`, `load_qemu`, ...) are callable on a device's
/// concrete type.
pub use vmstate_core::qemu::Device as QemuDevice;

/// The ported devices' descriptions, keyed by QEMU's type names, so a schema of them
/// (`vmstate schema`) lines up with QEMU's `-dump-vmstate`: the device models, then the
/// state-only ports of QEMU's qdev devices ([`qemu_sections`]; the PL050 under both of
/// QEMU's type names; the timers and QEMU's own sections are not qdev devices, so its dumps
/// do not list them).
///
/// ```
/// let keys = devices::qemu_device_keys();
/// assert_eq!(keys[0].0, "integrator_core");
/// assert_eq!(keys[0].1.name, "integratorcm"); // QEMU's section name
/// assert!(keys.iter().any(|(key, d)| *key == "ps2-kbd" && d.name == "ps2kbd"));
/// ```
pub fn qemu_device_keys() -> Vec<(&'static str, &'static vmstate_core::Description)> {
    use qemu_sections::{pl011, pl041, pl050, pl110, pl181, ps2, sd_card, smc91c111};
    use vmstate_core::VmState;
    vec![
        ("integrator_core", IntegratorCm::DESCRIPTION),
        ("integrator_pic", IcpPic::DESCRIPTION),
        ("pl031", Pl031::DESCRIPTION),
        ("icp-ctrl-regs", IcpControl::DESCRIPTION),
        ("pl022", Pl022::DESCRIPTION),
        ("pl011", pl011::Pl011State::DESCRIPTION),
        ("ps2-kbd", ps2::Ps2KbdState::DESCRIPTION),
        ("ps2-mouse", ps2::Ps2MouseState::DESCRIPTION),
        ("pl050_keyboard", pl050::Pl050State::DESCRIPTION),
        ("pl050_mouse", pl050::Pl050State::DESCRIPTION),
        ("pl181", pl181::Pl181State::DESCRIPTION),
        ("sd-card", sd_card::SdCardState::DESCRIPTION),
        ("pl041", pl041::Pl041State::DESCRIPTION),
        ("smc91c111", smc91c111::Smc91c111State::DESCRIPTION),
        ("pl110", pl110::Pl110State::DESCRIPTION),
    ]
}
