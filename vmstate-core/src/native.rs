//! The native section: one device's state, self-identifying and checksummed.
//!
//! ```text
//! name      postcard string (varint length + UTF-8)
//! version   postcard varint u32
//! length    u32 little-endian: bytes of `fields` (fixed width: written after them)
//! fields    the migrated fields in order (see `wire`)
//! crc32     4 bytes little-endian: CRC-32 (IEEE) of everything above
//! ```
//!
//! Every struct's fields (the section's own and each nested struct's) are followed by its
//! subsections, each `0x05`, name, version and fields, then by [`SUBSECTIONS_END`]. QEMU's
//! wire has no end marker: a loader there takes the next bytes for a subsection when they
//! spell one with the struct's prefix, so a nested struct followed by a field whose value
//! happens to spell one (guest data in a byte array) cannot load. The marker costs a byte
//! per struct and makes the native format unambiguous.

use crate::checksum::header_crc;
use crate::error::{Error, ErrorKind};
use crate::wire::{Decoder, NativeDecoder, NativeEncoder, Scalar};
use crate::VmState;

/// Ends a struct's subsections in the native format.
pub(crate) const SUBSECTIONS_END: u8 = 0x00;

/// Longest section name accepted on load.
const MAX_NAME_LEN: usize = 255;

/// Saves `value` as one native section.
///
/// ```
/// use vmstate_core::VmState;
/// #[derive(VmState)]
/// #[vmstate(name = "uart")]
/// struct Uart { lcr: u8, dll: u8 }
///
/// let bytes = vmstate_core::to_bytes(&Uart { lcr: 3, dll: 12 }).unwrap();
/// assert_eq!(&bytes[..5], b"\x04uart");
/// ```
pub fn to_bytes<T: VmState>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    save_section(value, &mut out)?;
    Ok(out)
}

/// Writes one native section holding `value` to `writer`, as [`to_bytes`] builds it: nothing
/// is written when the save fails. A write that fails is [`ErrorKind::Io`].
///
/// ```
/// use vmstate_core::VmState;
/// #[derive(VmState, Debug, PartialEq)]
/// #[vmstate(name = "uart")]
/// struct Uart { lcr: u8 }
///
/// let mut file = Vec::new(); // or a `File`, a `TcpStream`, ...
/// vmstate_core::to_writer(&Uart { lcr: 3 }, &mut file).unwrap();
/// vmstate_core::to_writer(&Uart { lcr: 7 }, &mut file).unwrap();
/// let mut reader = &file[..];
/// let mut dst = Uart { lcr: 0 };
/// vmstate_core::from_reader(&mut dst, &mut reader).unwrap();
/// assert_eq!(dst, Uart { lcr: 3 });
/// vmstate_core::from_reader(&mut dst, &mut reader).unwrap();
/// assert_eq!(dst, Uart { lcr: 7 });
/// ```
pub fn to_writer<T: VmState, W: std::io::Write>(value: &T, mut writer: W) -> Result<(), Error> {
    let bytes = to_bytes(value)?;
    writer
        .write_all(&bytes)
        .and_then(|()| writer.flush())
        .map_err(|e| Error::new(ErrorKind::Io(e)))
}

/// Loads `value` from the native section at the front of `reader`, as [`from_bytes`]:
/// reads the section's bytes and no more ([`read_section`]), so sections written one after
/// another read back one by one. A read that fails is [`ErrorKind::Io`]; a stream that ends
/// early is refused as truncated, and `value` is then unchanged.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] #[vmstate(name = "uart")] struct Uart { lcr: u8 }
/// let bytes = vmstate_core::to_bytes(&Uart { lcr: 3 }).unwrap();
/// let mut dst = Uart { lcr: 0 };
/// let err = vmstate_core::from_reader(&mut dst, &bytes[..bytes.len() - 1]).unwrap_err();
/// assert!(err.to_string().contains("truncated"), "{err}");
/// assert_eq!(dst.lcr, 0);
/// ```
pub fn from_reader<T: VmState, R: std::io::Read>(value: &mut T, reader: R) -> Result<(), Error> {
    from_bytes(value, &read_section(reader)?)
}

/// The bytes of the native section at the front of `reader`, and no more: its header a byte
/// at a time (wrap a socket in a `BufReader` for many sections), then the length the header
/// gives. A hostile length costs no more memory than the bytes that really arrive. Where
/// the stream ends early or the header is malformed, what was read is returned, and
/// [`from_bytes`] then says what is wrong and where.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] #[vmstate(name = "uart")] struct Uart { lcr: u8 }
/// let one = vmstate_core::to_bytes(&Uart { lcr: 3 }).unwrap();
/// let two = [one.clone(), one.clone()].concat();
/// assert_eq!(vmstate_core::read_section(&two[..]).unwrap(), one);
/// ```
pub fn read_section<R: std::io::Read>(mut reader: R) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    append_section(&mut reader, &mut bytes).map_err(|e| Error::new(ErrorKind::Io(e)))?;
    Ok(bytes)
}

/// [`read_section`] appending to `bytes`: whether the whole section arrived.
pub(crate) fn append_section<R: std::io::Read>(
    reader: &mut R,
    bytes: &mut Vec<u8>,
) -> std::io::Result<bool> {
    // The name's length and the version are LEB128 varints: 10 bytes at most for a u64.
    let Some(name_len) = read_varint(reader, bytes)? else {
        return Ok(false);
    };
    if name_len > MAX_NAME_LEN as u64
        || !read_up_to(reader, bytes, name_len)?
        || read_varint(reader, bytes)?.is_none()
        || !read_up_to(reader, bytes, 4)?
    {
        return Ok(false);
    }
    let len = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().expect("4 bytes"));
    // The fields and the checksum.
    read_up_to(reader, bytes, u64::from(len) + 4)
}

/// Appends up to `n` bytes of `reader` to `bytes`, as many as arrive; whether all did.
pub(crate) fn read_up_to<R: std::io::Read>(
    reader: &mut R,
    bytes: &mut Vec<u8>,
    n: u64,
) -> std::io::Result<bool> {
    use std::io::Read;
    let read = reader.take(n).read_to_end(bytes)?;
    Ok(read as u64 == n)
}

/// Appends a LEB128 varint of `reader` to `bytes`: its value, or `None` where the stream ends
/// first or it runs past ten bytes (for the decoder to report).
pub(crate) fn read_varint<R: std::io::Read>(
    reader: &mut R,
    bytes: &mut Vec<u8>,
) -> std::io::Result<Option<u64>> {
    let mut value = 0u64;
    for i in 0..10 {
        if !read_up_to(reader, bytes, 1)? {
            return Ok(None);
        }
        let byte = bytes[bytes.len() - 1];
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(Some(value));
        }
    }
    Ok(None)
}

/// Appends one native section holding `value` to `out`; on error `out` is left as it was.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] struct Uart { lcr: u8 }
/// let mut stream = b"header".to_vec();
/// vmstate_core::save_section(&Uart { lcr: 3 }, &mut stream).unwrap();
/// assert!(stream.len() > 6);
/// ```
pub fn save_section<T: VmState>(value: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    let start = out.len();
    let d = T::DESCRIPTION;
    (d.name.len() as u64).put_native(out);
    out.extend_from_slice(d.name.as_bytes());
    d.version.put_native(out);
    // The length is fixed-width so the fields can be written in place and the length
    // patched afterwards, with no temporary buffer.
    let len_at = out.len();
    out.extend_from_slice(&[0; 4]);
    let fields_at = out.len();
    let mut encoder = NativeEncoder::checksummed(out);
    let saved = value.save(&mut encoder);
    let fields_crc = encoder.finish_crc();
    if let Err(e) = saved {
        out.truncate(start);
        return Err(e.in_field(d.name));
    }
    let len = out.len() - len_at - 4;
    let Ok(len) = u32::try_from(len) else {
        out.truncate(start);
        return Err(Error::new(ErrorKind::TooLong {
            len: len as u64,
            max_len: u32::MAX as usize,
        })
        .in_field(d.name));
    };
    let len = len.to_le_bytes();
    out[len_at..len_at + 4].copy_from_slice(&len);
    // The name and version are hashed at compile time and the length from the local copy:
    // reading back the header just written would stall (the wide loads of the checksum
    // wait for the narrow stores, the length's last of all).
    let mut crc = crc32fast::Hasher::new_with_initial(const { header_crc(T::DESCRIPTION) });
    crc.update(&len);
    match fields_crc {
        // The fields were hashed as they were written.
        Some(fields) => crc.combine(&fields),
        None => crc.update(&out[fields_at..]),
    }
    let crc = crc.finalize();
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// Loads `value` from a native section that fills `bytes` exactly.
///
/// The load is atomic: on any error `value`'s migrated state is left as it was (see the
/// crate docs for what hooks may have done).
///
/// ```
/// # use vmstate_core::VmState;
/// #[derive(VmState, Debug, PartialEq)]
/// #[vmstate(name = "uart")]
/// struct Uart { lcr: u8 }
/// let bytes = vmstate_core::to_bytes(&Uart { lcr: 3 }).unwrap();
/// let mut dst = Uart { lcr: 0 };
/// vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
/// assert_eq!(dst, Uart { lcr: 3 });
///
/// let err = vmstate_core::from_bytes(&mut dst, &bytes[..bytes.len() - 1]).unwrap_err();
/// assert!(err.to_string().contains("truncated"));
/// ```
pub fn from_bytes<T: VmState>(value: &mut T, bytes: &[u8]) -> Result<(), Error> {
    from_bytes_at(value, bytes, 0)
}

/// [`from_bytes`] for a section whose first byte is at absolute offset `base` of a larger
/// input (for error messages).
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] struct Uart { lcr: u8 }
/// let bytes = vmstate_core::to_bytes(&Uart { lcr: 3 }).unwrap();
/// let mut u = Uart { lcr: 0 };
/// vmstate_core::from_bytes_at(&mut u, &bytes, 100).unwrap();
/// let err = vmstate_core::from_bytes_at(&mut u, &bytes[..3], 100).unwrap_err();
/// assert!(err.offset().unwrap() >= 100);
/// ```
pub fn from_bytes_at<T: VmState>(value: &mut T, bytes: &[u8], base: usize) -> Result<(), Error> {
    decode(value, bytes, base, Exact::Whole, crate::commit).map(drop)
}

/// [`from_bytes_at`] that returns, once the load succeeded, the values it replaced: what
/// [`crate::undo_commit`] needs to undo the load exactly (a machine load whose later device
/// fails).
pub(crate) fn from_bytes_keeping<T: VmState>(
    value: &mut T,
    bytes: &[u8],
    base: usize,
) -> Result<T::Staged, Error> {
    decode(value, bytes, base, Exact::Whole, crate::commit_keeping).map(|(before, _)| before)
}

/// A native section's framing, read and checked but not yet decoded.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] #[vmstate(name = "uart")] struct Uart { lcr: u8 }
/// let section = vmstate_core::to_bytes(&Uart { lcr: 3 }).unwrap();
/// let frame = vmstate_core::read_frame(&section, 0).unwrap();
/// assert_eq!(frame.fields, [3, 0]); // `lcr`, then the end of the subsections
/// assert_eq!(&section[frame.fields_offset..][..2], frame.fields);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionFrame<'a> {
    /// The section's name.
    pub name: &'a str,
    /// The version it was written with.
    pub version: u32,
    /// The field bytes.
    pub fields: &'a [u8],
    /// Offset of `fields[0]` from the start of the section.
    pub fields_offset: usize,
    /// Total bytes of the section, checksum included.
    pub len: usize,
}

/// Reads a section's framing from the front of `bytes` and verifies its checksum.
/// `base` is the absolute offset of `bytes[0]`, for error messages.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] #[vmstate(name = "uart", version = 3)] struct Uart { lcr: u8 }
/// let bytes = vmstate_core::to_bytes(&Uart { lcr: 3 }).unwrap();
/// let frame = vmstate_core::read_frame(&bytes, 0).unwrap();
/// assert_eq!((frame.name, frame.version, frame.len), ("uart", 3, bytes.len()));
/// ```
pub fn read_frame(bytes: &[u8], base: usize) -> Result<SectionFrame<'_>, Error> {
    let base = crate::wire::clamp_base(base, bytes);
    let section = open(bytes, base)?;
    section.verify(base)?;
    let name = std::str::from_utf8(section.name)
        .map_err(|e| Error::invalid_utf8(base + section.name_at, e).in_field("section name"))?;
    Ok(SectionFrame {
        name,
        version: section.version,
        fields: &section.covered[section.fields_at..],
        fields_offset: section.fields_at,
        len: section.len(),
    })
}

/// The name a section at the front of `bytes` gives itself, unchecked: for the context of
/// an error in its frame (a length or checksum that fails), when it is printable text.
pub(crate) fn unchecked_section_name(bytes: &[u8]) -> Option<&str> {
    let mut d = NativeDecoder::new(bytes, 0);
    let len = d.len(MAX_NAME_LEN, 1).ok()?;
    let at = d.offset();
    let name = std::str::from_utf8(bytes.get(at..at + len)?).ok()?;
    (!name.is_empty() && !name.chars().any(char::is_control)).then_some(name)
}

/// A section's header read from the front of the input, its checksum not yet verified.
struct OpenSection<'a> {
    /// The section up to its checksum: what the checksum covers.
    covered: &'a [u8],
    name: &'a [u8],
    /// Offset of the name in the section.
    name_at: usize,
    version: u32,
    /// Offset of the first field byte in the section.
    fields_at: usize,
    /// The checksum the section carries.
    stored: u32,
}

impl OpenSection<'_> {
    /// Total bytes of the section, checksum included.
    fn len(&self) -> usize {
        self.covered.len() + 4
    }

    /// Compares the computed checksum with the stored one.
    fn check_crc(&self, computed: u32, base: usize) -> Result<(), Error> {
        if computed == self.stored {
            return Ok(());
        }
        let stored = self.stored;
        Err(Error::at(
            ErrorKind::BadChecksum { stored, computed },
            base + self.covered.len(),
        )
        .in_field("section checksum"))
    }

    /// Computes the checksum in a pass of its own and compares it.
    fn verify(&self, base: usize) -> Result<(), Error> {
        self.check_crc(crc32fast::hash(self.covered), base)
    }
}

/// Reads a section's header (name, version, length) and checks that the input holds the
/// whole section; the checksum is left to the caller.
#[inline(always)]
fn open(bytes: &[u8], base: usize) -> Result<OpenSection<'_>, Error> {
    let mut d = NativeDecoder::new(bytes, base);
    // A length beyond any name is a header that is not one (corrupt), not a value refused by
    // its bound (`TooLong`, which a device's `max_len` gives).
    let name_len = d
        .len(MAX_NAME_LEN, 1)
        .map_err(|e| match *e.kind() {
            ErrorKind::TooLong { len, .. } => Error::at(
                ErrorKind::Format(format!(
                    "a section name of {len} bytes (names are 1 to 255 bytes): not a section \
                     header"
                )),
                base,
            ),
            _ => e,
        })
        .map_err(|e| e.in_field("section name"))?;
    let name_at = d.offset() - base;
    if name_len == 0 {
        return Err(Error::at(
            ErrorKind::Format("the section name is empty (names are 1 to 255 bytes)".into()),
            base,
        )
        .in_field("section name"));
    }
    d.bytes(name_len)?;
    let name = &bytes[name_at..name_at + name_len];
    let version: u32 = d.scalar().map_err(|e| e.in_field("section version"))?;
    let len_at = d.offset();
    let mut len = [0u8; 4];
    d.raw(&mut len).map_err(|e| e.in_field("section length"))?;
    let len = u64::from(u32::from_le_bytes(len));
    let fields_at = d.offset() - base;
    let available = bytes.len() - fields_at;
    let needed = len.saturating_add(4);
    if needed > available as u64 {
        let needed = usize::try_from(needed).unwrap_or(usize::MAX);
        return Err(
            Error::at(ErrorKind::Truncated { needed, available }, len_at)
                .in_field("section length"),
        );
    }
    let end = fields_at + len as usize;
    let stored = u32::from_le_bytes(bytes[end..end + 4].try_into().expect("4 bytes"));
    Ok(OpenSection {
        covered: &bytes[..end],
        name,
        name_at,
        version,
        fields_at,
        stored,
    })
}

/// Whether a section must fill the input exactly or may be followed by more.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Exact {
    Whole,
    Prefix,
}

/// Decodes the section at the front of `bytes` into staged values for `value` (which is
/// not changed), verifying the checksum as it reads; then hands `value` and the staged
/// values to `then` (a load commits them) and returns its result and the section's length.
///
/// The staged values are used where the decode wrote them: moving them first (returning
/// them) cost a store-forwarding stall per load, a wide copy reading narrow stores.
///
/// Corruption is reported as such: whatever error the decoder meets, a section whose
/// checksum does not match gets the checksum error.
#[inline(always)]
fn decode<V, T, R>(
    value: V,
    bytes: &[u8],
    base: usize,
    exact: Exact,
    then: impl FnOnce(V, &mut T::Staged) -> Result<R, Error>,
) -> Result<(R, usize), Error>
where
    V: core::ops::Deref<Target = T>,
    T: VmState,
{
    let name = T::DESCRIPTION.name;
    let base = crate::wire::clamp_base(base, bytes);
    let section = open(bytes, base).map_err(|e| e.in_field(name))?;
    // Read in place: a large staged value is not moved (copied) on the way out.
    let mut staged = T::placeholder();
    let decoded = if exact == Exact::Whole && section.len() != bytes.len() {
        let count = bytes.len() - section.len();
        Err(Error::at(ErrorKind::TrailingBytes { count }, base + section.len()).in_field(name))
    } else {
        decode_fields(&*value, &section, base, &mut staged)
    };
    match decoded {
        // The checksum matched: what `then` returns is not corruption.
        Ok(()) => then(value, &mut staged).map(|r| (r, section.len())),
        // The decoder already compared the checksum it computed on the way.
        Err(e) if matches!(e.kind(), ErrorKind::BadChecksum { .. }) => Err(e.in_field(name)),
        Err(e) => match section.verify(base) {
            Err(corrupt) => Err(corrupt.in_field(name)),
            Ok(()) => Err(e),
        },
    }
}

/// Checks an open section's name and version and decodes its fields.
#[inline(always)]
fn decode_fields<T: VmState>(
    value: &T,
    section: &OpenSection<'_>,
    base: usize,
    staged: &mut T::Staged,
) -> Result<(), Error> {
    let d = T::DESCRIPTION;
    if section.name != d.name.as_bytes() {
        return Err(Error::at(
            ErrorKind::WrongSection {
                expected: d.name.to_owned(),
                found: String::from_utf8_lossy(section.name).into_owned(),
            },
            base + section.name_at,
        ));
    }
    // At the version itself, which follows the name.
    let version_at = base + section.name_at + section.name.len();
    crate::check_version(d, section.version)
        .map_err(|e| e.or_offset(version_at).in_field(d.name))?;
    let mut dec = NativeDecoder::checksummed(section.covered, section.fields_at, base);
    value
        .load_version_into(&mut dec, section.version, staged)
        .map_err(|e| e.in_field(d.name))?;
    if dec.remaining() != 0 {
        let count = dec.remaining();
        let at = dec.offset();
        return Err(Error::at(ErrorKind::TrailingBytes { count }, at).in_field(d.name));
    }
    section.check_crc(dec.finish_crc(), base)
}

/// Loads `value` from the native section at the front of `bytes` and returns the number of
/// bytes it used. `base` is the absolute offset of `bytes[0]`, for error messages.
/// Atomic: on any error `value` is unchanged.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] struct Uart { lcr: u8 }
/// let mut stream = Vec::new();
/// vmstate_core::save_section(&Uart { lcr: 3 }, &mut stream).unwrap();
/// vmstate_core::save_section(&Uart { lcr: 4 }, &mut stream).unwrap();
/// let mut u = Uart { lcr: 0 };
/// let used = vmstate_core::load_section(&mut u, &stream, 0).unwrap();
/// vmstate_core::load_section(&mut u, &stream[used..], used).unwrap();
/// assert_eq!(u.lcr, 4);
/// ```
pub fn load_section<T: VmState>(value: &mut T, bytes: &[u8], base: usize) -> Result<usize, Error> {
    decode(value, bytes, base, Exact::Prefix, crate::commit).map(|((), len)| len)
}

/// Checks that `bytes` is exactly one native section that `value` would load (framing,
/// checksum, name, version, every field, immutable values), without changing `value`.
/// The struct's hooks do not run (`pre_load`, container `validate`, derived functions,
/// `post_load`), nor are `exists` tests asked again of the loaded state, so their failures
/// are not predicted; field `validate` and `range` checks
/// do run, and the elements of a `Vec` of structs are built as a load builds them, on fresh
/// values, their hooks included.
///
/// ```
/// # use vmstate_core::VmState;
/// # #[derive(VmState)] struct Uart { lcr: u8 }
/// let bytes = vmstate_core::to_bytes(&Uart { lcr: 3 }).unwrap();
/// let u = Uart { lcr: 0 };
/// vmstate_core::check_section(&u, &bytes, 0).unwrap();
/// assert!(vmstate_core::check_section(&u, &bytes[1..], 1).is_err());
/// assert_eq!(u.lcr, 0);
/// ```
///
/// A save does not run a field's checks (a load does, as in QEMU); a test or a debug
/// assertion can hold a device's own state to them by checking what it saves:
///
/// ```
/// # use vmstate_core::VmState;
/// #[derive(VmState)]
/// struct Fifo { #[vmstate(range = "0..16")] head: u8 }
///
/// let fifo = Fifo { head: 16 };
/// let saved = vmstate_core::to_bytes(&fifo).unwrap(); // saves
/// let err = vmstate_core::check_section(&fifo, &saved, 0).unwrap_err();
/// assert!(err.to_string().contains("value 16 is outside the valid range 0..16"));
/// ```
pub fn check_section<T: VmState>(value: &T, bytes: &[u8], base: usize) -> Result<(), Error> {
    decode(value, bytes, base, Exact::Whole, |_, _| Ok(())).map(drop)
}
