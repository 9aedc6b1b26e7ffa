//! QEMU's VMState wire format for one device section's data.
//!
//! The data of a QEMU `SECTION_FULL` is the migrated fields in order, fixed-width big-endian,
//! with no names, tags or lengths; immutable, derived and skipped fields are not on this wire.
//! So the 11-register `integratorcm` encodes to exactly QEMU's 44 bytes.
//!
//! ```
//! use vmstate_core::qemu::{self, Section, SectionKind, Stream};
//! use vmstate_core::VmState;
//!
//! #[derive(VmState, Default)]
//! #[vmstate(name = "pl031")]
//! struct Rtc { lr: u32 }
//!
//! // A stream holding one device's section ...
//! let mut bytes = qemu::MAGIC.to_be_bytes().to_vec();
//! bytes.extend_from_slice(&qemu::FILE_VERSION.to_be_bytes());
//! let header = Section { kind: SectionKind::Full, section_id: 1, idstr: "pl031".into(),
//!     instance_id: 0, version_id: 1, range: 0..0, data: 0..0, footer: true };
//! qemu::write_section(&mut bytes, &header, &qemu::to_bytes(&Rtc { lr: 50 }).unwrap());
//! bytes.push(qemu::tag::EOF);
//!
//! // ... read back: the device loads from its section's data.
//! let stream = Stream::parse(bytes).unwrap();
//! let s = stream.device("pl031", 0).unwrap();
//! let mut rtc = Rtc::default();
//! qemu::from_bytes(&mut rtc, stream.data(s), s.version_id, s.data.start).unwrap();
//! assert_eq!(rtc.lr, 50);
//! ```

mod stream;

pub use stream::{
    tag, write_section, Item, Section, SectionKind, Stream, FILE_VERSION, MAGIC, MAX_ITEMS,
};

use crate::error::Error;
use crate::wire::{QemuDecoder, QemuEncoder};
use crate::VmState;

/// Encodes `value`'s section data in QEMU's format.
///
/// ```
/// use vmstate_core::VmState;
/// #[derive(VmState)]
/// #[vmstate(name = "icp_control")]
/// struct IcpControl { intreg_state: u32 }
/// assert_eq!(vmstate_core::qemu::to_bytes(&IcpControl { intreg_state: 8 }).unwrap(), [0, 0, 0, 8]);
/// ```
pub fn to_bytes<T: VmState>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    save(value, &mut out)?;
    Ok(out)
}

/// Appends `value`'s section data in QEMU's format to `out`.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] struct IcpControl { intreg_state: u32 }
/// let mut out = vec![0x04];
/// vmstate_core::qemu::save(&IcpControl { intreg_state: 8 }, &mut out).unwrap();
/// assert_eq!(out, [4, 0, 0, 0, 8]);
/// ```
pub fn save<T: VmState>(value: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    let start = out.len();
    let result = value.save(&mut QemuEncoder::new(out));
    if result.is_err() {
        out.truncate(start);
    }
    result.map_err(|e| e.in_field(T::DESCRIPTION.name))
}

/// Loads `value` from section data `bytes` written with section version `version`.
/// `base` is the absolute offset of `bytes[0]` in the stream, for error messages.
/// Atomic: on any error `value` is unchanged.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] struct IcpControl { intreg_state: u32 }
/// let mut dev = IcpControl { intreg_state: 0 };
/// vmstate_core::qemu::from_bytes(&mut dev, &[0, 0, 0, 8], 1, 0).unwrap();
/// assert_eq!(dev.intreg_state, 8);
/// assert!(vmstate_core::qemu::from_bytes(&mut dev, &[0, 0, 0], 1, 0).is_err());
/// ```
pub fn from_bytes<T: VmState>(
    value: &mut T,
    bytes: &[u8],
    version: u32,
    base: usize,
) -> Result<(), Error> {
    let d = T::DESCRIPTION;
    crate::check_version(d, version).map_err(|e| e.or_offset(base).in_field(d.name))?;
    crate::load_atomic(value, &mut QemuDecoder::new(bytes, base), version)
}
