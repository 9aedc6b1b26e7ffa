//! A memory region: an address range a device maps into the guest's address space.
//!
//! As the 2011 design discussion suggested, a region's identity (name, size, address, kind)
//! is configuration, fixed when the device is created: it is `immutable`, carried by the
//! native stream only to refuse a destination that was configured differently. Whether it is
//! `enabled` mirrors a bit in its owner's registers, so it is `derived_by_owner`: never sent,
//! recomputed by the owner's mapping function after a load.
//!
//! **RAM contents migrate separately**, as in QEMU, where the iterative `ram` section carries
//! every RAM block and device sections carry registers only. The contents are `skip` here; the
//! owner of a RAM region sends them as a section of their own when it needs to. This keeps a
//! device's section small and its QEMU encoding equal to QEMU's.
//!
//! ```
//! use devices::MemoryRegion;
//!
//! let src = MemoryRegion::ram("integrator.flash", 0, 0x1000);
//! let bytes = vmstate_core::to_bytes(&src).unwrap();
//! assert!(bytes.len() < 64); // identity only: the contents migrate separately
//!
//! let mut dst = MemoryRegion::ram("integrator.flash", 0, 0x1000);
//! vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
//! // A destination configured differently is refused.
//! let mut bigger = MemoryRegion::ram("integrator.flash", 0, 0x2000);
//! assert!(vmstate_core::from_bytes(&mut bigger, &bytes).is_err());
//! ```

use vmstate_core::{Decoder, Encoder, Error, ErrorKind, Field, Shape, VmState};

/// What a region maps.
///
/// ```
/// use devices::{MemoryRegion, RegionKind};
/// use vmstate_core::{Field, QemuEncoder};
///
/// assert_eq!(MemoryRegion::ram("r", 0, 16).kind, RegionKind::Ram);
/// let mut out = Vec::new();
/// RegionKind::Io.save(&mut QemuEncoder::new(&mut out)).unwrap();
/// assert_eq!(out, [2]); // one byte on the wire
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    /// Guest RAM.
    Ram,
    /// Read-only memory.
    Rom,
    /// Device registers.
    Io,
}

impl RegionKind {
    const fn code(self) -> u8 {
        match self {
            RegionKind::Ram => 0,
            RegionKind::Rom => 1,
            RegionKind::Io => 2,
        }
    }
}

/// An enum implements [`Field`] by hand: one byte, and unknown values are refused.
impl Field for RegionKind {
    const SHAPE: Shape = Shape::Custom {
        name: "RegionKind",
        qemu_size: Some(1),
    };
    type Staged = RegionKind;
    fn placeholder() -> RegionKind {
        RegionKind::Ram
    }
    fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        e.scalar(self.code());
        Ok(())
    }
    fn load<D: Decoder>(&self, d: &mut D) -> Result<RegionKind, Error> {
        let at = d.offset();
        match d.scalar::<u8>()? {
            0 => Ok(RegionKind::Ram),
            1 => Ok(RegionKind::Rom),
            2 => Ok(RegionKind::Io),
            v => Err(Error::at(
                ErrorKind::InvalidValue(format!("unknown region kind {v}")),
                at,
            )),
        }
    }
    fn matches(&self, staged: &RegionKind) -> bool {
        self == staged
    }
    fn commit(&mut self, staged: &mut RegionKind) {
        std::mem::swap(self, staged)
    }
}

/// A memory region owned by a device.
///
/// ```
/// use devices::{MemoryRegion, RegionKind};
/// use vmstate_core::{FieldKind, VmState};
///
/// let flash = MemoryRegion::ram("integrator.flash", 0, 0x10_0000);
/// assert_eq!(flash.contents.len(), 0x10_0000);
/// let d = MemoryRegion::DESCRIPTION;
/// assert_eq!(d.field("size").unwrap().kind, FieldKind::Immutable);
/// assert_eq!(d.field("enabled").unwrap().kind, FieldKind::DerivedByOwner);
/// assert_eq!(d.field("contents").unwrap().kind, FieldKind::Skipped);
/// ```
#[derive(VmState, Debug, Clone, PartialEq)]
#[vmstate(name = "memory_region")]
pub struct MemoryRegion {
    /// The region's name (QEMU's RAM block id for RAM).
    #[vmstate(immutable, max_len = 256)]
    pub name: String,
    /// Size in bytes.
    #[vmstate(immutable)]
    pub size: u64,
    /// Guest physical base address while mapped.
    #[vmstate(immutable)]
    pub address: u64,
    /// What it maps.
    #[vmstate(immutable)]
    pub kind: RegionKind,
    /// Whether it is mapped; mirrors a register bit of the owner.
    #[vmstate(derived_by_owner)]
    pub enabled: bool,
    /// RAM contents (empty for other kinds); migrated separately, like QEMU's RAM section.
    #[vmstate(skip)]
    pub contents: Vec<u8>,
}

impl MemoryRegion {
    /// A RAM region of `size` zero bytes at `address`, enabled.
    pub fn ram(name: &str, address: u64, size: usize) -> Self {
        MemoryRegion {
            name: name.to_owned(),
            size: size as u64,
            address,
            kind: RegionKind::Ram,
            enabled: true,
            contents: vec![0; size],
        }
    }

    /// Whether `addr` falls inside the region while it is enabled.
    ///
    /// ```
    /// let mut r = devices::MemoryRegion::ram("r", 0x1000, 0x100);
    /// assert!(r.maps(0x10ff) && !r.maps(0x1100));
    /// r.enabled = false;
    /// assert!(!r.maps(0x1000));
    /// ```
    pub fn maps(&self, addr: u64) -> bool {
        self.enabled && addr >= self.address && addr - self.address < self.size
    }
}
