//! A device as tools see it: its description, its two encodings and its registers, behind
//! one object-safe trait so a board can be saved, loaded and poked generically.
//!
//! ```
//! use devices::{icp_pic::reg, Device, IcpPic, Pl031, QemuDevice};
//!
//! let mut devs: Vec<Box<dyn Device>> = vec![Box::new(IcpPic::default()), Box::new(Pl031::new())];
//! devs[0].write(reg::IRQ_ENABLESET, 0x100);
//! assert_eq!(devs[0].read(reg::IRQ_ENABLESET), Ok(0x100));
//!
//! let mut data = Vec::new();
//! devs[0].save_qemu(&mut data).unwrap(); // QEMU's section data
//! let mut pic = IcpPic::default();
//! pic.load_qemu(&data, devs[0].description().version, 0).unwrap();
//! assert_eq!(pic.irq_enabled, 0x100);
//! ```

use crate::mmio::{Unimplemented, WriteEffects};

/// A migratable device with MMIO registers: a [`vmstate_core::qemu::Device`] (its
/// description, its native section for machine streams and its QEMU section data) with its
/// registers.
///
/// ```
/// use devices::{Device, IcpPic, Section};
///
/// let mut src = IcpPic::default();
/// src.set_input(3, true);
/// let dev: &dyn Device = &src;
/// let mut section = Vec::new();
/// dev.save_native(&mut section).unwrap();
///
/// let mut dst = IcpPic::default();
/// dst.check_native(&section, 0).unwrap(); // would load; `dst` is unchanged
/// dst.load_native(&section, 0).unwrap();
/// assert_eq!(dst, src);
/// assert_eq!(dev.description().name, "icp_pic");
/// ```
pub trait Device: vmstate_core::qemu::Device {
    /// Reads a 32-bit register.
    fn read(&self, offset: u64) -> Result<u32, Unimplemented>;
    /// Writes a 32-bit register.
    fn write(&mut self, offset: u64, value: u32) -> WriteEffects;
}

macro_rules! device {
    ($($t:ty),*) => {$(
        impl Device for $t {
            fn read(&self, offset: u64) -> Result<u32, Unimplemented> {
                self.read_checked(offset)
            }
            fn write(&mut self, offset: u64, value: u32) -> WriteEffects {
                <$t>::write(self, offset, value)
            }
        }
    )*};
}

device!(
    crate::IntegratorCm,
    crate::IcpPic,
    crate::IcpControl,
    crate::Pl031
);
