//! The two wire formats, as encoders and decoders of scalars, blocks and lengths.
//!
//! Field code ([`Field`](crate::Field)) is written once against [`Encoder`]/[`Decoder`]; each
//! codec decides how a scalar looks:
//!
//! | | native | QEMU |
//! |---|---|---|
//! | scalar | postcard's encoding (varint integers, zigzag for signed, LE floats) | fixed-width big-endian |
//! | array of primitives | one fixed-width little-endian block | fixed-width big-endian, element by element |
//! | length of a `Vec`/`String` | postcard varint | be32 |
//! | immutable fields | carried and compared | not carried |
//! | after a struct's subsections | a 0 byte | nothing |
//!
//! Arrays travel as blocks in the native format because per-element varints cost 30-60x a
//! memory copy; postcard's encoding keeps what it is good at, compact scalars and lengths.
//! The scalars are written and read here directly, byte for byte as the `postcard` crate
//! does (the tests check both against it): going through serde for each register cost more
//! than the rest of a small device's save.

use crate::checksum::{RunningCrc, CHUNK, FUSE_MIN};
use crate::crc_copy;
use crate::describe::Primitive;
use crate::error::{Error, ErrorKind};
use crate::simd::wide_for;

mod sealed {
    pub trait Sealed {}
}

/// A primitive value with a native and a QEMU encoding. Implemented for `bool`, the integers
/// up to 128 bits, `f32` and `f64`; sealed.
///
/// ```
/// use vmstate_core::{Primitive, Scalar};
/// let mut native = Vec::new();
/// 300u16.put_native(&mut native);
/// assert_eq!(native, [0xac, 0x02]); // postcard varint
/// assert_eq!(u16::get_native(&native).unwrap(), (300, 2));
///
/// let mut be = Vec::new();
/// 300u16.put_be(&mut be);
/// assert_eq!(be, [0x01, 0x2c]);
/// assert_eq!(u16::get_be(&be).unwrap(), 300);
/// assert_eq!(u16::PRIMITIVE, Primitive::U16);
/// ```
pub trait Scalar: Copy + Default + PartialEq + std::fmt::Debug + 'static + sealed::Sealed {
    /// Which primitive this is.
    const PRIMITIVE: Primitive;
    /// Appends the postcard encoding.
    fn put_native(self, out: &mut Vec<u8>);
    /// Reads the postcard encoding from the front of `input`; returns the value and the bytes used.
    fn get_native(input: &[u8]) -> Result<(Self, usize), ErrorKind>;
    /// Appends the fixed-width big-endian encoding.
    fn put_be(self, out: &mut Vec<u8>);
    /// Reads the fixed-width big-endian encoding from exactly `Self::PRIMITIVE.size()` bytes.
    fn get_be(bytes: &[u8]) -> Result<Self, ErrorKind>;
    /// Appends the fixed-width encoding of every element: big-endian when `BE`, else
    /// little-endian.
    ///
    /// ```
    /// use vmstate_core::Scalar;
    /// let mut out = Vec::new();
    /// u16::put_block::<true>(&[1, 0x203], &mut out);
    /// assert_eq!(out, [0, 1, 2, 3]);
    /// let mut back = [0u16; 2];
    /// u16::get_block::<true>(&out, &mut back).unwrap();
    /// assert_eq!(back, [1, 0x203]);
    /// let mut more = vec![7u16];
    /// u16::extend_block::<true>(&out, &mut more).unwrap();
    /// assert_eq!(more, [7, 1, 0x203]);
    /// ```
    fn put_block<const BE: bool>(items: &[Self], out: &mut Vec<u8>);
    /// The native (little-endian) block encoding of `items` when it is their bytes in memory
    /// (the integers and floats on a little-endian host), so it can be read without a copy.
    #[doc(hidden)]
    #[inline]
    fn native_block_in_memory(items: &[Self]) -> Option<&[u8]> {
        let _ = items;
        None
    }
    /// When the native block encoding is the bytes in memory: copies the block `bytes` into
    /// `out` (as many elements) in one pass with its CRC-32, continued from `crc`, and
    /// returns the CRC. `None` (and `out` untouched) when the elements need converting.
    #[doc(hidden)]
    #[inline]
    fn load_native_hashed(crc: u32, bytes: &[u8], out: &mut [Self]) -> Option<u32> {
        let _ = (crc, bytes, out);
        None
    }
    /// [`Self::load_native_hashed`] appending to a vector.
    #[doc(hidden)]
    #[inline]
    fn extend_native_hashed(crc: u32, bytes: &[u8], out: &mut Vec<Self>) -> Option<u32> {
        let _ = (crc, bytes, out);
        None
    }
    /// Reads `out.len()` fixed-width elements from exactly that many bytes.
    fn get_block<const BE: bool>(bytes: &[u8], out: &mut [Self]) -> Result<(), ErrorKind>;
    /// Appends every element of `bytes` (a whole number of them) to `out`, in one pass.
    fn extend_block<const BE: bool>(bytes: &[u8], out: &mut Vec<Self>) -> Result<(), ErrorKind>;
}

/// Elements converted per round of a block save: a stack buffer that stays in L1, copied
/// out in one `extend_from_slice`, so the output needs no zero-filling first.
const BLOCK_CHUNK_BYTES: usize = 4096;

/// The varint codec for one width of integer: `u64` for the integers up to 64 bits, `u128`
/// for the 128-bit ones (a `u128` shift costs two registers and a branch).
macro_rules! varint_codec {
    ($put:ident, $get:ident, $w:ty) => {
        /// Appends `v` as a LEB128 varint, exactly as postcard writes an unsigned integer.
        #[inline(always)]
        fn $put(mut v: $w, out: &mut Vec<u8>) {
            while v >= 0x80 {
                out.push(v as u8 | 0x80);
                v >>= 7;
            }
            out.push(v as u8);
        }

        /// Reads a LEB128 varint of a `bits`-bit integer with postcard's rules: at most
        /// `ceil(bits / 7)` bytes, and the last byte may not carry bits beyond `bits`.
        #[inline(always)]
        fn $get(input: &[u8], bits: u32) -> Result<($w, usize), ErrorKind> {
            let max_bytes = bits.div_ceil(7) as usize;
            let mut out: $w = 0;
            for i in 0..max_bytes {
                let Some(&byte) = input.get(i) else {
                    return Err(ErrorKind::Truncated {
                        needed: 1,
                        available: 0,
                    });
                };
                out |= <$w>::from(byte & 0x7f) << (7 * i);
                if byte & 0x80 == 0 {
                    let last_bits = bits - 7 * (max_bytes as u32 - 1);
                    if i == max_bytes - 1 && u32::from(byte) >> last_bits != 0 {
                        return Err(ErrorKind::InvalidVarint);
                    }
                    return Ok((out, i + 1));
                }
            }
            Err(ErrorKind::InvalidVarint)
        }
    };
}

varint_codec!(put_varint64, get_varint64, u64);
varint_codec!(put_varint128, get_varint128, u128);

/// The native (postcard) encoding of each kind of scalar.
macro_rules! native_unsigned {
    ($t:ty, $put:ident, $get:ident) => {
        #[inline(always)]
        fn put_native(self, out: &mut Vec<u8>) {
            $put(self as _, out)
        }
        #[inline(always)]
        fn get_native(input: &[u8]) -> Result<(Self, usize), ErrorKind> {
            let (v, used) = $get(input, <$t>::BITS)?;
            Ok((v as $t, used))
        }
    };
}

macro_rules! native_signed {
    ($t:ty, $u:ty, $put:ident, $get:ident) => {
        #[inline(always)]
        fn put_native(self, out: &mut Vec<u8>) {
            // zigzag: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ...
            let zz = ((self << 1) ^ (self >> (<$t>::BITS - 1))) as $u;
            $put(zz as _, out)
        }
        #[inline(always)]
        fn get_native(input: &[u8]) -> Result<(Self, usize), ErrorKind> {
            let (v, used) = $get(input, <$t>::BITS)?;
            let zz = v as $u;
            Ok((((zz >> 1) as $t) ^ -((zz & 1) as $t), used))
        }
    };
}

macro_rules! native_raw {
    ($t:ty) => {
        #[inline(always)]
        fn put_native(self, out: &mut Vec<u8>) {
            out.extend_from_slice(&self.to_le_bytes())
        }
        #[inline(always)]
        fn get_native(input: &[u8]) -> Result<(Self, usize), ErrorKind> {
            const W: usize = core::mem::size_of::<$t>();
            match input.get(..W) {
                Some(b) => Ok((<$t>::from_le_bytes(b.try_into().expect("W bytes")), W)),
                None => Err(ErrorKind::Truncated {
                    needed: W,
                    available: input.len(),
                }),
            }
        }
    };
}

/// Blocks of a word type: converted through a stack buffer (see [`BLOCK_CHUNK_BYTES`]).
macro_rules! word_blocks {
    ($t:ty) => {
        #[inline]
        fn native_block_in_memory(items: &[Self]) -> Option<&[u8]> {
            cfg!(target_endian = "little").then(|| bytemuck::cast_slice(items))
        }
        #[inline]
        fn load_native_hashed(crc: u32, bytes: &[u8], out: &mut [Self]) -> Option<u32> {
            cfg!(target_endian = "little")
                .then(|| crc_copy::copy_hashed(crc, bytes, bytemuck::cast_slice_mut(out)))
        }
        #[inline]
        fn extend_native_hashed(crc: u32, bytes: &[u8], out: &mut Vec<Self>) -> Option<u32> {
            cfg!(target_endian = "little").then(|| crc_copy::extend_hashed(crc, bytes, out))
        }
        #[inline]
        fn put_block<const BE: bool>(items: &[Self], out: &mut Vec<u8>) {
            const W: usize = core::mem::size_of::<$t>();
            if !BE && cfg!(target_endian = "little") {
                // The in-memory form is the wire form: one copy.
                return out.extend_from_slice(bytemuck::cast_slice(items));
            }
            out.reserve(items.len() * W);
            let mut buf = [0u8; BLOCK_CHUNK_BYTES];
            for chunk in items.chunks(BLOCK_CHUNK_BYTES / W) {
                wide_for(chunk.len(), || {
                    for (dst, v) in buf.chunks_exact_mut(W).zip(chunk) {
                        dst.copy_from_slice(&if BE { v.to_be_bytes() } else { v.to_le_bytes() });
                    }
                });
                out.extend_from_slice(&buf[..chunk.len() * W]);
            }
        }
        #[inline]
        fn extend_block<const BE: bool>(
            bytes: &[u8],
            out: &mut Vec<Self>,
        ) -> Result<(), ErrorKind> {
            const W: usize = core::mem::size_of::<$t>();
            wide_for(bytes.len() / W, || {
                out.extend(bytes.chunks_exact(W).map(|src| {
                    let src = src.try_into().expect("chunks_exact");
                    if BE {
                        <$t>::from_be_bytes(src)
                    } else {
                        <$t>::from_le_bytes(src)
                    }
                }))
            });
            Ok(())
        }
    };
}

/// Blocks of bytes: one copy.
macro_rules! byte_blocks {
    ($t:ty) => {
        #[inline]
        fn native_block_in_memory(items: &[Self]) -> Option<&[u8]> {
            Some(items)
        }
        #[inline]
        fn load_native_hashed(crc: u32, bytes: &[u8], out: &mut [Self]) -> Option<u32> {
            Some(crc_copy::copy_hashed(crc, bytes, out))
        }
        #[inline]
        fn extend_native_hashed(crc: u32, bytes: &[u8], out: &mut Vec<Self>) -> Option<u32> {
            Some(crc_copy::extend_hashed(crc, bytes, out))
        }
        #[inline]
        fn put_block<const BE: bool>(items: &[Self], out: &mut Vec<u8>) {
            out.extend_from_slice(items)
        }
        #[inline]
        fn extend_block<const BE: bool>(
            bytes: &[u8],
            out: &mut Vec<Self>,
        ) -> Result<(), ErrorKind> {
            out.extend_from_slice(bytes);
            Ok(())
        }
    };
}

macro_rules! scalar_int {
    ($($t:ty => $p:ident, $native:ident, $blocks:ident $(, $extra:tt)*);* $(;)?) => {$(
        impl sealed::Sealed for $t {}
        impl Scalar for $t {
            const PRIMITIVE: Primitive = Primitive::$p;
            $native!($t $(, $extra)*);
            #[inline(always)]
            fn put_be(self, out: &mut Vec<u8>) { out.extend_from_slice(&self.to_be_bytes()) }
            #[inline(always)]
            fn get_be(bytes: &[u8]) -> Result<Self, ErrorKind> {
                Ok(<$t>::from_be_bytes(bytes.try_into().expect("caller passes the exact size")))
            }
            $blocks!($t);
            #[inline]
            fn get_block<const BE: bool>(bytes: &[u8], out: &mut [Self]) -> Result<(), ErrorKind> {
                const W: usize = core::mem::size_of::<$t>();
                wide_for(out.len(), || {
                    for (dst, src) in out.iter_mut().zip(bytes.chunks_exact(W)) {
                        let src = src.try_into().expect("chunks_exact");
                        *dst = if BE { <$t>::from_be_bytes(src) } else { <$t>::from_le_bytes(src) };
                    }
                });
                Ok(())
            }
        }
    )*};
}

scalar_int! {
    u8 => U8, native_raw, byte_blocks;
    u16 => U16, native_unsigned, word_blocks, put_varint64, get_varint64;
    u32 => U32, native_unsigned, word_blocks, put_varint64, get_varint64;
    u64 => U64, native_unsigned, word_blocks, put_varint64, get_varint64;
    u128 => U128, native_unsigned, word_blocks, put_varint128, get_varint128;
    i8 => I8, native_raw, word_blocks;
    i16 => I16, native_signed, word_blocks, u16, put_varint64, get_varint64;
    i32 => I32, native_signed, word_blocks, u32, put_varint64, get_varint64;
    i64 => I64, native_signed, word_blocks, u64, put_varint64, get_varint64;
    i128 => I128, native_signed, word_blocks, u128, put_varint128, get_varint128;
    f32 => F32, native_raw, word_blocks;
    f64 => F64, native_raw, word_blocks;
}

impl sealed::Sealed for bool {}
impl Scalar for bool {
    const PRIMITIVE: Primitive = Primitive::Bool;
    #[inline(always)]
    fn put_native(self, out: &mut Vec<u8>) {
        out.push(self as u8)
    }
    #[inline(always)]
    fn get_native(input: &[u8]) -> Result<(Self, usize), ErrorKind> {
        match input.first() {
            Some(&b) => Self::get_be(&[b]).map(|v| (v, 1)),
            None => Err(ErrorKind::Truncated {
                needed: 1,
                available: 0,
            }),
        }
    }
    fn put_be(self, out: &mut Vec<u8>) {
        out.push(self as u8)
    }
    fn get_be(bytes: &[u8]) -> Result<Self, ErrorKind> {
        match bytes[0] {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(ErrorKind::InvalidBool(b)),
        }
    }
    fn put_block<const BE: bool>(items: &[Self], out: &mut Vec<u8>) {
        out.extend(items.iter().map(|&b| b as u8))
    }
    fn get_block<const BE: bool>(bytes: &[u8], out: &mut [Self]) -> Result<(), ErrorKind> {
        for (dst, &b) in out.iter_mut().zip(bytes) {
            *dst = Self::get_be(&[b])?;
        }
        Ok(())
    }
    fn extend_block<const BE: bool>(bytes: &[u8], out: &mut Vec<Self>) -> Result<(), ErrorKind> {
        for &b in bytes {
            out.push(Self::get_be(&[b])?);
        }
        Ok(())
    }
}

/// An error decoding the block `bytes` (at absolute offset `at`), placed at its element:
/// only a `bool` element can be invalid, and each takes one byte.
#[cold]
fn block_error(kind: ErrorKind, bytes: &[u8], at: usize) -> Error {
    match (&kind, bytes.iter().position(|&b| b > 1)) {
        (ErrorKind::InvalidBool(_), Some(i)) => Error::at(kind, at + i).in_index(i),
        _ => Error::at(kind, at),
    }
}

/// Where field code writes; one implementation per wire format.
///
/// ```
/// use vmstate_core::{Encoder, NativeEncoder, QemuEncoder};
///
/// // Field code is written once, against the trait.
/// fn write_regs<E: Encoder>(e: &mut E) {
///     e.scalar(1u32);
///     e.block(&[2u8, 3]);
///     e.len(2);
///     e.raw(b"ok");
/// }
///
/// let (mut native, mut qemu) = (Vec::new(), Vec::new());
/// write_regs(&mut NativeEncoder::new(&mut native));
/// write_regs(&mut QemuEncoder::new(&mut qemu));
/// assert_eq!(native, [1, 2, 3, 2, b'o', b'k']);
/// assert_eq!(qemu, [0, 0, 0, 1, 2, 3, 0, 0, 0, 2, b'o', b'k']);
/// ```
pub trait Encoder {
    /// Whether immutable fields travel in this format (native: yes, QEMU: no).
    const CARRIES_IMMUTABLE: bool;
    /// Writes one scalar.
    fn scalar<S: Scalar>(&mut self, v: S);
    /// Writes a fixed-length array of scalars.
    fn block<S: Scalar>(&mut self, items: &[S]);
    /// Writes the length of a variable-length value.
    fn len(&mut self, len: usize);
    /// Writes raw bytes (a string's contents, padding).
    fn raw(&mut self, bytes: &[u8]);
    /// Writes a subsection name (native: varint length; QEMU: one length byte).
    fn name(&mut self, name: &str);
    /// Ends a struct's subsections (native: a 0 byte; QEMU's wire has no end marker).
    #[inline(always)]
    fn end_subsections(&mut self) {}
}

/// Where field code reads from; one implementation per wire format. Every read is bounds
/// checked and reports the offset of what it could not read.
///
/// ```
/// use vmstate_core::{Decoder, QemuDecoder};
///
/// let input = [0, 0, 0, 1, 0, 0, 0, 2, b'o', b'k'];
/// let mut d = QemuDecoder::new(&input, 100);
/// assert_eq!(d.scalar::<u32>().unwrap(), 1);
/// let mark = d.mark();
/// let len = d.len(16, 1).unwrap();
/// let mut text = vec![0; len];
/// d.raw(&mut text).unwrap();
/// assert_eq!((text.as_slice(), d.remaining()), (&b"ok"[..], 0));
/// d.reset(mark);
/// assert_eq!((d.offset(), d.peek_u8()), (104, Some(0)));
/// // Reads past the end fail with the absolute offset.
/// assert!(d.bytes(7).unwrap_err().offset().is_some());
/// ```
pub trait Decoder {
    /// Whether immutable fields travel in this format (native: yes, QEMU: no).
    const CARRIES_IMMUTABLE: bool;
    /// Whether each struct's subsections end with a marker (native: yes; QEMU: no, a
    /// struct's subsections end where the next byte does not start one of its own).
    const MARKS_SUBSECTION_END: bool = false;
    /// The absolute byte offset of the next read.
    fn offset(&self) -> usize;
    /// Bytes left.
    fn remaining(&self) -> usize;
    /// Reads one scalar.
    fn scalar<S: Scalar>(&mut self) -> Result<S, Error>;
    /// Reads `out.len()` scalars.
    fn block<S: Scalar>(&mut self, out: &mut [S]) -> Result<(), Error>;
    /// Reads `len` scalars into a new vector (the length already checked against the input).
    fn block_vec<S: Scalar>(&mut self, len: usize) -> Result<Vec<S>, Error>;
    /// Reads a length and refuses it, before anything is allocated, when it is above `max_len`
    /// or when `len * min_elem_size` bytes cannot follow.
    fn len(&mut self, max_len: usize, min_elem_size: usize) -> Result<usize, Error>;
    /// Reads `out.len()` raw bytes.
    fn raw(&mut self, out: &mut [u8]) -> Result<(), Error>;
    /// Reads a subsection name.
    fn name(&mut self) -> Result<String, Error>;
    /// Reads `n` bytes in place.
    fn bytes(&mut self, n: usize) -> Result<&[u8], Error>;
    /// The next byte, without consuming it.
    fn peek_u8(&self) -> Option<u8>;
    /// The current position, for [`Decoder::reset`].
    fn mark(&self) -> usize;
    /// Goes back to a position from [`Decoder::mark`].
    fn reset(&mut self, mark: usize);
}

/// The native format's encoder, appending to a `Vec<u8>`.
///
/// ```
/// use vmstate_core::{Field, NativeEncoder, VmState};
/// #[derive(VmState)]
/// struct Uart { lcr: u8, #[vmstate(immutable)] base: u16 }
///
/// let mut out = Vec::new();
/// Uart { lcr: 3, base: 0x1000 }.save(&mut NativeEncoder::new(&mut out)).unwrap();
/// assert_eq!(out, [3, 0x80, 0x20, 0]); // immutable fields travel; 0 ends the subsections
/// ```
pub struct NativeEncoder<'a> {
    out: &'a mut Vec<u8>,
    /// The CRC-32 of what is written, from a position on, when saving a whole section.
    crc: Option<RunningCrc>,
}

impl<'a> NativeEncoder<'a> {
    /// An encoder that appends to `out`.
    ///
    /// ```
    /// use vmstate_core::{Encoder, NativeEncoder};
    /// let mut buf = Vec::new();
    /// NativeEncoder::new(&mut buf).scalar(300u32);
    /// assert_eq!(buf, [0xac, 0x02]); // postcard varint
    /// ```
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        NativeEncoder { out, crc: None }
    }

    /// An encoder that appends to `out` and computes the CRC-32 of everything it writes;
    /// see [`Self::finish_crc`].
    #[inline]
    pub(crate) fn checksummed(out: &'a mut Vec<u8>) -> Self {
        let start = out.len();
        NativeEncoder {
            out,
            crc: Some(RunningCrc::starting_at(start)),
        }
    }

    /// The hasher over everything a [`Self::checksummed`] encoder wrote, or `None` when it
    /// wrote no large block (hashing the bytes in one call is then cheaper).
    #[inline]
    pub(crate) fn finish_crc(self) -> Option<crc32fast::Hasher> {
        self.crc?.finish(self.out)
    }
}

impl Encoder for NativeEncoder<'_> {
    const CARRIES_IMMUTABLE: bool = true;
    #[inline(always)]
    fn end_subsections(&mut self) {
        self.out.push(crate::native::SUBSECTIONS_END);
    }
    fn name(&mut self, name: &str) {
        self.len(name.len());
        self.raw(name.as_bytes());
    }
    #[inline(always)]
    fn scalar<S: Scalar>(&mut self, v: S) {
        v.put_native(self.out)
    }
    /// A large block under a running checksum is copied and hashed in one pass when its
    /// wire form is its bytes in memory; else written 4 KiB at a time, each piece hashed
    /// right after it is written, while it is in L1.
    #[inline]
    fn block<S: Scalar>(&mut self, items: &[S]) {
        match &mut self.crc {
            Some(crc) if std::mem::size_of_val(items) >= FUSE_MIN => {
                if let Some(bytes) = S::native_block_in_memory(items) {
                    let so_far = crc.crc_at(self.out, self.out.len());
                    let crc_after = crc_copy::extend_hashed(so_far, bytes, self.out);
                    return crc.hashed_by_caller(crc_after, bytes.len());
                }
                self.out.reserve(std::mem::size_of_val(items));
                for chunk in items.chunks(CHUNK / S::PRIMITIVE.size()) {
                    S::put_block::<false>(chunk, self.out);
                    crc.catch_up(self.out, self.out.len());
                }
            }
            _ => S::put_block::<false>(items, self.out),
        }
    }
    #[inline]
    fn len(&mut self, len: usize) {
        (len as u64).put_native(self.out)
    }
    #[inline]
    fn raw(&mut self, bytes: &[u8]) {
        self.block(bytes)
    }
}

/// QEMU's format's encoder (fixed-width big-endian), appending to a `Vec<u8>`.
///
/// ```
/// use vmstate_core::{Field, QemuEncoder, VmState};
/// #[derive(VmState)]
/// struct Uart { lcr: u8, #[vmstate(immutable)] base: u16 }
///
/// let mut out = Vec::new();
/// Uart { lcr: 3, base: 0x1000 }.save(&mut QemuEncoder::new(&mut out)).unwrap();
/// assert_eq!(out, [3]); // QEMU's wire carries no immutable field
/// ```
pub struct QemuEncoder<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> QemuEncoder<'a> {
    /// An encoder that appends to `out`.
    ///
    /// ```
    /// use vmstate_core::{Encoder, QemuEncoder};
    /// let mut buf = Vec::new();
    /// QemuEncoder::new(&mut buf).scalar(0x777u32);
    /// assert_eq!(buf, [0, 0, 7, 0x77]);
    /// ```
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        QemuEncoder { out }
    }
}

impl Encoder for QemuEncoder<'_> {
    const CARRIES_IMMUTABLE: bool = false;
    fn name(&mut self, name: &str) {
        // QEMU's names are at most 255 bytes (one length byte).
        let bytes = &name.as_bytes()[..name.len().min(255)];
        self.out.push(bytes.len() as u8);
        self.out.extend_from_slice(bytes);
    }
    #[inline(always)]
    fn scalar<S: Scalar>(&mut self, v: S) {
        v.put_be(self.out)
    }
    #[inline]
    fn block<S: Scalar>(&mut self, items: &[S]) {
        S::put_block::<true>(items, self.out)
    }
    #[inline]
    fn len(&mut self, len: usize) {
        (len as u32).put_be(self.out)
    }
    #[inline]
    fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes)
    }
}

/// Bounds-checked reading shared by both decoders and the QEMU stream parser.
pub(crate) struct Cursor<'a> {
    pub(crate) input: &'a [u8],
    pub(crate) pos: usize,
    /// Offset of `input[0]` in the whole input, for error messages.
    base: usize,
}

/// A caller's `base` (the offset of `input[0]` in a larger whole, for error messages) kept
/// low enough that every offset inside `input` is a `usize`: a nonsensical base shifts the
/// messages' offsets rather than overflowing.
#[inline]
pub(crate) fn clamp_base(base: usize, input: &[u8]) -> usize {
    base.min(usize::MAX - input.len())
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `input`, whose first byte is at offset `base` of the whole.
    #[inline]
    pub(crate) fn new(input: &'a [u8], base: usize) -> Self {
        Cursor {
            input,
            pos: 0,
            base: clamp_base(base, input),
        }
    }
    #[inline(always)]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let available = self.input.len() - self.pos;
        if n > available {
            return Err(Error::at(
                ErrorKind::Truncated {
                    needed: n,
                    available,
                },
                self.offset(),
            ));
        }
        let s = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    #[inline]
    fn offset(&self) -> usize {
        self.base + self.pos
    }
    #[inline]
    fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }
    pub(crate) fn name(&mut self, len: usize) -> Result<String, Error> {
        let at = self.offset();
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|e| Error::invalid_utf8(at, e.utf8_error()))
    }
    #[inline]
    fn check_len(
        &self,
        len: u64,
        max_len: usize,
        min_elem_size: usize,
        at: usize,
    ) -> Result<usize, Error> {
        if len > max_len as u64 {
            return Err(Error::at(ErrorKind::TooLong { len, max_len }, at));
        }
        let len = len as usize;
        room_for(len, min_elem_size, self.remaining(), self.offset())?;
        Ok(len)
    }
}

/// Refuses, before anything is allocated, `len` elements of at least `min_elem_size` bytes
/// each when only `remaining` bytes follow `offset`.
#[inline]
pub(crate) fn room_for(
    len: usize,
    min_elem_size: usize,
    remaining: usize,
    offset: usize,
) -> Result<(), Error> {
    let needed = len.saturating_mul(min_elem_size);
    if needed > remaining {
        let kind = ErrorKind::Truncated {
            needed,
            available: remaining,
        };
        return Err(Error::at(kind, offset));
    }
    Ok(())
}

/// The [`Decoder`] methods that only move through the input, the same in both formats.
macro_rules! cursor_methods {
    () => {
        #[inline]
        fn offset(&self) -> usize {
            self.cur.offset()
        }
        #[inline]
        fn remaining(&self) -> usize {
            self.cur.remaining()
        }
        #[inline]
        fn bytes(&mut self, n: usize) -> Result<&[u8], Error> {
            self.cur.take(n)
        }
        #[inline]
        fn peek_u8(&self) -> Option<u8> {
            self.cur.input.get(self.cur.pos).copied()
        }
        fn mark(&self) -> usize {
            self.cur.pos
        }
        fn reset(&mut self, mark: usize) {
            self.cur.pos = mark.min(self.cur.input.len());
        }
    };
}

/// The native format's decoder over a byte slice.
///
/// ```
/// use vmstate_core::{NativeDecoder, VmState};
/// #[derive(VmState, Default)]
/// struct Uart { lcr: u8, dll: u16 }
///
/// // The fields of a native section: varints, then the end of the subsections.
/// let mut d = NativeDecoder::new(&[3, 0xac, 0x02, 0], 0);
/// let uart: Uart = vmstate_core::load_new(&mut d).unwrap();
/// assert_eq!((uart.lcr, uart.dll), (3, 300));
/// ```
pub struct NativeDecoder<'a> {
    cur: Cursor<'a>,
    /// The section checksum, computed on the way when decoding a whole section.
    crc: Option<RunningCrc>,
}

impl<'a> NativeDecoder<'a> {
    /// A decoder over `input`, whose first byte is at absolute offset `base` (for messages).
    ///
    /// ```
    /// use vmstate_core::{Decoder, NativeDecoder};
    /// let mut d = NativeDecoder::new(&[0xac, 0x02], 0);
    /// assert_eq!(d.scalar::<u32>().unwrap(), 300);
    /// assert_eq!(d.remaining(), 0);
    /// ```
    pub fn new(input: &'a [u8], base: usize) -> Self {
        NativeDecoder {
            cur: Cursor::new(input, base),
            crc: None,
        }
    }

    /// A decoder over the fields of a section (`section[fields_at..]`, checksum excluded)
    /// that computes the CRC-32 of all of `section` as it reads; see [`Self::finish_crc`].
    #[inline]
    pub(crate) fn checksummed(section: &'a [u8], fields_at: usize, base: usize) -> Self {
        NativeDecoder {
            cur: Cursor {
                input: section,
                pos: fields_at,
                base,
            },
            crc: Some(RunningCrc::starting_at(0)),
        }
    }

    /// The CRC-32 of the whole input of a [`Self::checksummed`] decoder.
    #[inline]
    pub(crate) fn finish_crc(self) -> u32 {
        let input = self.cur.input;
        match self.crc.and_then(|crc| crc.finish(input)) {
            Some(hasher) => hasher.finalize(),
            None => crc32fast::hash(input),
        }
    }

    /// Reads the next `n` bytes through `read`: in one piece, or, when a section checksum
    /// is running and the block is large, in [`CHUNK`]-sized pieces each hashed just before
    /// (`read` gets the piece's index). Errors are reported at the element's offset.
    #[inline]
    fn read_block(
        &mut self,
        n: usize,
        mut read: impl FnMut(usize, &[u8]) -> Result<(), ErrorKind>,
    ) -> Result<(), Error> {
        let at = self.cur.offset();
        let start = self.cur.pos;
        let bytes = self.cur.take(n)?;
        let result = match &mut self.crc {
            Some(crc) if n >= FUSE_MIN => crc.read_hashed(self.cur.input, start, n, read),
            _ => read(0, bytes),
        };
        result.map_err(|k| block_error(k, &self.cur.input[start..start + n], at))
    }

    /// Reads the next `n` bytes with `copy`, which copies them where they go in one pass with
    /// their CRC, continued from the CRC so far, and returns the CRC after them: when a
    /// section checksum is running, the block is large and not read before, and `copy` can
    /// (it returns `None` for elements that need converting). `false` when nothing was read:
    /// the caller reads the block through [`Self::read_block`], which also reports a
    /// truncated input.
    #[inline]
    fn read_copied(&mut self, n: usize, copy: impl FnOnce(u32, &[u8]) -> Option<u32>) -> bool {
        if n < FUSE_MIN {
            return false;
        }
        let (start, input) = (self.cur.pos, self.cur.input);
        let Some(crc) = self.crc.as_mut().filter(|crc| !crc.hashed(start)) else {
            return false;
        };
        let Some(bytes) = input[start..].get(..n) else {
            return false;
        };
        let so_far = crc.crc_at(input, start);
        let Some(crc_after) = copy(so_far, bytes) else {
            return false;
        };
        crc.hashed_by_caller(crc_after, n);
        self.cur.pos += n;
        true
    }
}

impl Decoder for NativeDecoder<'_> {
    const CARRIES_IMMUTABLE: bool = true;
    const MARKS_SUBSECTION_END: bool = true;
    cursor_methods!();
    fn name(&mut self) -> Result<String, Error> {
        let len = self.len(255, 1)?;
        self.cur.name(len)
    }
    #[inline(always)]
    fn scalar<S: Scalar>(&mut self) -> Result<S, Error> {
        let at = self.cur.offset();
        let rest = &self.cur.input[self.cur.pos..];
        let (v, used) = S::get_native(rest).map_err(|k| match k {
            // A varint cut short read to the end of the input: the byte it needs is the next.
            // (A fixed-width value, `f32`, says what was left where it starts.)
            ErrorKind::Truncated { available: 0, .. } => Error::at(k, at + rest.len()),
            _ => Error::at(k, at),
        })?;
        self.cur.pos += used;
        Ok(v)
    }
    #[inline]
    fn block<S: Scalar>(&mut self, out: &mut [S]) -> Result<(), Error> {
        let n = std::mem::size_of_val(out);
        if self.read_copied(n, |crc, bytes| S::load_native_hashed(crc, bytes, out)) {
            return Ok(());
        }
        let per_chunk = CHUNK / S::PRIMITIVE.size();
        self.read_block(n, |i, bytes| {
            let from = i * per_chunk;
            S::get_block::<false>(
                bytes,
                &mut out[from..from + bytes.len() / S::PRIMITIVE.size()],
            )
        })
    }
    #[inline]
    fn block_vec<S: Scalar>(&mut self, len: usize) -> Result<Vec<S>, Error> {
        let mut out = Vec::new();
        let n = len.saturating_mul(S::PRIMITIVE.size());
        // Either way the vector is allocated once the input is known to hold all of it.
        if self.read_copied(n, |crc, bytes| {
            S::extend_native_hashed(crc, bytes, &mut out)
        }) {
            return Ok(out);
        }
        self.read_block(n, |i, bytes| {
            if i == 0 {
                // Allocated once the input is known to hold all of it.
                out.reserve_exact(len);
            }
            S::extend_block::<false>(bytes, &mut out)
        })?;
        Ok(out)
    }
    #[inline]
    fn raw(&mut self, out: &mut [u8]) -> Result<(), Error> {
        if self.read_copied(out.len(), |crc, bytes| {
            Some(crc_copy::copy_hashed(crc, bytes, out))
        }) {
            return Ok(());
        }
        self.read_block(out.len(), |i, bytes| {
            out[i * CHUNK..i * CHUNK + bytes.len()].copy_from_slice(bytes);
            Ok(())
        })
    }
    #[inline]
    fn len(&mut self, max_len: usize, min_elem_size: usize) -> Result<usize, Error> {
        let at = self.cur.offset();
        let len: u64 = self.scalar()?;
        self.cur.check_len(len, max_len, min_elem_size, at)
    }
}

/// QEMU's format's decoder over a byte slice.
///
/// ```
/// use vmstate_core::{QemuDecoder, VmState};
/// #[derive(VmState, Default, Debug)]
/// struct Uart { lcr: u8, dll: u16 }
///
/// let mut d = QemuDecoder::new(&[3, 0x01], 40);
/// let err = vmstate_core::load_new::<Uart, _>(&mut d).unwrap_err();
/// assert_eq!(err.offset(), Some(41)); // `dll` needs two bytes
/// ```
pub struct QemuDecoder<'a> {
    cur: Cursor<'a>,
}

impl<'a> QemuDecoder<'a> {
    /// A decoder over `input`, whose first byte is at absolute offset `base` (for messages).
    ///
    /// ```
    /// use vmstate_core::{Decoder, QemuDecoder};
    /// let mut d = QemuDecoder::new(&[0, 0, 7, 0x77], 0);
    /// assert_eq!(d.scalar::<u32>().unwrap(), 0x777);
    /// ```
    pub fn new(input: &'a [u8], base: usize) -> Self {
        QemuDecoder {
            cur: Cursor::new(input, base),
        }
    }
}

impl Decoder for QemuDecoder<'_> {
    const CARRIES_IMMUTABLE: bool = false;
    cursor_methods!();
    fn name(&mut self) -> Result<String, Error> {
        let len = self.scalar::<u8>()? as usize;
        self.cur.name(len)
    }
    #[inline(always)]
    fn scalar<S: Scalar>(&mut self) -> Result<S, Error> {
        let at = self.cur.offset();
        let bytes = self.cur.take(S::PRIMITIVE.size())?;
        S::get_be(bytes).map_err(|k| Error::at(k, at))
    }
    #[inline]
    fn block<S: Scalar>(&mut self, out: &mut [S]) -> Result<(), Error> {
        let at = self.cur.offset();
        let bytes = self.cur.take(std::mem::size_of_val(out))?;
        S::get_block::<true>(bytes, out).map_err(|k| block_error(k, bytes, at))
    }
    #[inline]
    fn block_vec<S: Scalar>(&mut self, len: usize) -> Result<Vec<S>, Error> {
        let at = self.cur.offset();
        let bytes = self.cur.take(len.saturating_mul(S::PRIMITIVE.size()))?;
        let mut out = Vec::with_capacity(len);
        S::extend_block::<true>(bytes, &mut out).map_err(|k| block_error(k, bytes, at))?;
        Ok(out)
    }
    #[inline]
    fn raw(&mut self, out: &mut [u8]) -> Result<(), Error> {
        out.copy_from_slice(self.cur.take(out.len())?);
        Ok(())
    }
    fn len(&mut self, max_len: usize, min_elem_size: usize) -> Result<usize, Error> {
        let at = self.cur.offset();
        let len: u32 = self.scalar()?;
        self.cur
            .check_len(u64::from(len), max_len, min_elem_size, at)
    }
}
