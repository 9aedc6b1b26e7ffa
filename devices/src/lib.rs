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

/// The ported devices' descriptions, keyed by QEMU's type names, so a schema of them
/// (`vmstate schema`) lines up with QEMU's `-dump-vmstate`.
///
/// ```
/// let keys = devices::qemu_device_keys();
/// assert_eq!(keys[0].0, "integrator_core");
/// assert_eq!(keys[0].1.name, "integratorcm"); // QEMU's section name
/// ```
pub fn qemu_device_keys() -> [(&'static str, &'static vmstate_core::Description); 5] {
    use vmstate_core::VmState;
    [
        ("integrator_core", IntegratorCm::DESCRIPTION),
        ("integrator_pic", IcpPic::DESCRIPTION),
        ("pl031", Pl031::DESCRIPTION),
        ("icp-ctrl-regs", IcpControl::DESCRIPTION),
        ("pl022", Pl022::DESCRIPTION),
    ]
}
