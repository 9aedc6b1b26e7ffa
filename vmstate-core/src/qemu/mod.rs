//! QEMU's VMState wire format for one device section's data.
//!
//! The data of a QEMU `SECTION_FULL` is the migrated fields in order, fixed-width big-endian,
//! with no names, tags or lengths; immutable, derived and skipped fields are not on this wire.
//! So the 11-register `integratorcm` encodes to exactly QEMU's 44 bytes.
//!
//! [`Stream`] reads a whole migration stream; [`load_devices`] loads several of one's own
//! devices from it all or nothing, and [`Stream::save_devices`] writes them back into it.
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

mod devices;
mod sent;
mod stream;

pub use devices::{
    compare_vmdesc, load_devices, load_devices_with, load_present_devices, write_stream, Device,
    LoadOptions,
};
pub use sent::{check_sent, same_wire_type, sent_description, sent_key, vmdesc_names};
pub use stream::{
    tag, write_section, Item, Section, SectionKind, Stream, FILE_VERSION, MAGIC, MAX_ITEMS,
};

use crate::error::Error;
use crate::wire::{Decoder, QemuDecoder, QemuEncoder};
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
    decode(value, bytes, version, base, crate::commit)
}

/// Checks that `bytes` is section data of `version` that `value` would load, without
/// changing `value`: the QEMU codec's [`check_section`](crate::check_section), with its
/// limits (the struct's hooks do not run; field `validate` and `range` checks do, and the
/// elements of a `Vec` of structs are built as a load builds them, on fresh values, their
/// hooks included).
///
/// ```
/// # use vmstate_core::VmState;
/// #[derive(VmState)]
/// struct Fifo { #[vmstate(range = "0..16")] head: u8 }
///
/// let fifo = Fifo { head: 0 };
/// vmstate_core::qemu::check_bytes(&fifo, &[15], 1, 0).unwrap();
/// let err = vmstate_core::qemu::check_bytes(&fifo, &[16], 1, 0).unwrap_err();
/// assert!(err.to_string().contains("value 16 is outside the valid range 0..16"), "{err}");
/// assert!(vmstate_core::qemu::check_bytes(&fifo, &[1, 2], 1, 0).is_err()); // trailing bytes
/// ```
pub fn check_bytes<T: VmState>(
    value: &T,
    bytes: &[u8],
    version: u32,
    base: usize,
) -> Result<(), Error> {
    decode(value, bytes, version, base, |_, _| Ok(()))
}

/// [`from_bytes`] that returns, once the load succeeded, the values it replaced: what undoes
/// the load exactly (a load of several devices whose later device fails).
pub(crate) fn from_bytes_keeping<T: VmState>(
    value: &mut T,
    bytes: &[u8],
    version: u32,
    base: usize,
) -> Result<T::Staged, Error> {
    decode(value, bytes, version, base, crate::commit_keeping)
}

/// Checks the version and decodes the whole of `bytes` into staged values, then hands them
/// to `then` with `value`; on any error before `then`, `value` is unchanged.
fn decode<V, T, R>(
    value: V,
    bytes: &[u8],
    version: u32,
    base: usize,
    then: impl FnOnce(V, &mut T::Staged) -> Result<R, Error>,
) -> Result<R, Error>
where
    V: core::ops::Deref<Target = T>,
    T: VmState,
{
    let name = T::DESCRIPTION.name;
    crate::check_version(T::DESCRIPTION, version).map_err(|e| e.or_offset(base).in_field(name))?;
    let mut d = QemuDecoder::new(bytes, base);
    // Read in place: a large staged value is not moved (copied) on the way out.
    let mut staged = T::placeholder();
    value
        .load_version_into(&mut d, version, &mut staged)
        .map_err(|e| e.in_field(name))?;
    if d.remaining() != 0 {
        return Err(crate::left_over(&mut d).in_field(name));
    }
    then(value, &mut staged)
}
