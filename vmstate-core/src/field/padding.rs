//! Padding that keeps a removed field's place on the wire: `Unused<N>` and `Removed<T>`.

use super::{Field, Plain};
use crate::describe::Shape;
use crate::error::Error;
use crate::wire::{Decoder, Encoder};

/// Padding that keeps the wire layout after a field was removed: `N` zero bytes written,
/// `N` bytes skipped on load (QEMU's `VMSTATE_UNUSED`), in both formats. Zero-sized in
/// memory. For a removed field that native streams carried, use [`Removed`] with the
/// field's old type (a native scalar is a varint, not a fixed number of bytes).
///
/// ```
/// use vmstate_core::{Unused, VmState};
///
/// #[derive(VmState, Default)]
/// struct Timer {
///     count: u32,
///     _removed_prescale: Unused<4>, // was a u32 in version 1
///     limit: u32,
/// }
/// let bytes = vmstate_core::qemu::to_bytes(&Timer { count: 1, limit: 2, ..Default::default() }).unwrap();
/// assert_eq!(bytes, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Unused<const N: usize>;

impl<const N: usize> Field for Unused<N> {
    // `Unused<0>` written so is refused by the derive; a length computed as 0 here.
    const SHAPE: Shape = {
        assert!(
            N > 0,
            "`Unused<0>` keeps no bytes, so it stands for no removed field: give the size in \
             bytes of the field it replaces (QEMU's `VMSTATE_UNUSED(size)`), or remove it"
        );
        Shape::Unused { len: N }
    };
    type Staged = Unused<N>;
    fn placeholder() -> Self {
        Unused
    }
    // Zeros from one small constant, and bytes skipped in place: an `[0u8; N]` would put N
    // bytes on the stack at each save and load (a large `N` overflowed it before reading a
    // byte) and N zeros in the binary.
    fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        const ZEROS: [u8; 256] = [0; 256];
        let mut left = N;
        while left > 0 {
            let n = left.min(ZEROS.len());
            e.raw(&ZEROS[..n]);
            left -= n;
        }
        Ok(())
    }
    fn load<D: Decoder>(&self, d: &mut D) -> Result<Self, Error> {
        d.bytes(N)?;
        Ok(Unused)
    }
    fn matches(&self, _: &Self) -> bool {
        true
    }
    fn commit(&mut self, _: &mut Self) {}
    fn undo_copy(&self) -> Option<Self> {
        Some(Unused)
    }
}

impl<const N: usize> Plain for Unused<N> {
    const MIN_WIRE_BYTES: usize = N;
}

/// A removed field of type `T`: a zero value (an enum's first variant; for a type that
/// travels as another through conversions, that type's zero) is written where it was, an
/// array or `Vec` of them as the array or `Vec` of `T` travels, and a load reads a `T` there
/// and drops it (a derived enum as its integer, whatever
/// variant it names, a bool as its byte, whatever it holds, as QEMU's `VMSTATE_UNUSED` takes
/// any bytes). On QEMU's wire it
/// takes the bytes of `Unused<size of T>`; in the native format, where a scalar is a varint,
/// only the type tells how many bytes to skip, so use this rather than [`Unused`] for a
/// field that native streams carried.
///
/// ```
/// use vmstate_core::{Removed, VmState};
///
/// #[derive(VmState, Default)]
/// struct V1 { control: u32, prescale: u32, limit: u32 }
///
/// #[derive(VmState, Default)]
/// #[vmstate(name = "v1")]
/// struct V2 { control: u32, _prescale: Removed<u32>, limit: u32 }
///
/// let old = vmstate_core::to_bytes(&V1 { control: 1, prescale: 300, limit: 2 }).unwrap();
/// let mut new = V2::default();
/// vmstate_core::from_bytes(&mut new, &old).unwrap();
/// assert_eq!((new.control, new.limit), (1, 2));
/// ```
pub struct Removed<T>(core::marker::PhantomData<fn() -> T>);

impl<T> Default for Removed<T> {
    fn default() -> Self {
        Removed(core::marker::PhantomData)
    }
}

impl<T> Clone for Removed<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Removed<T> {}

impl<T> PartialEq for Removed<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> core::fmt::Debug for Removed<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Removed")
    }
}

impl<T: Plain> Field for Removed<T> {
    // `Removed<Removed<T>>` takes a `T`'s bytes, as `Removed<T>` does: described alike, so a
    // decoder with only the schema skips it.
    const SHAPE: Shape = match T::SHAPE {
        Shape::Removed { of } => Shape::Removed { of },
        _ => Shape::Removed { of: &T::SHAPE },
    };
    type Staged = Removed<T>;
    fn placeholder() -> Self {
        Self::default()
    }
    fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        T::save_padding(e)
    }
    fn load<D: Decoder>(&self, d: &mut D) -> Result<Self, Error> {
        T::skip(d)?;
        Ok(Self::default())
    }
    fn matches(&self, _: &Self) -> bool {
        true
    }
    fn commit(&mut self, _: &mut Self) {}
    fn undo_copy(&self) -> Option<Self> {
        Some(Self::default())
    }
    // A sequence of removed values travels as a sequence of `T` (a block of fixed-width
    // integers in the native format, where one value is a varint).
    fn save_slice<E: Encoder>(items: &[Self], e: &mut E) -> Result<(), Error> {
        T::save_padding_slice(items.len(), e)
    }
    fn load_slice<D: Decoder>(_: &[Self], out: &mut [Self], d: &mut D) -> Result<(), Error> {
        T::skip_slice(out.len(), d)
    }
}

impl<T: Plain> Plain for Removed<T> {
    const MIN_WIRE_BYTES: usize = T::MIN_WIRE_BYTES;
    fn load_fresh_slice<D: Decoder>(out: &mut [Self], d: &mut D) -> Result<(), Error> {
        T::skip_slice(out.len(), d)
    }
    fn load_vec<D: Decoder>(len: usize, d: &mut D) -> Result<Vec<Self>, Error> {
        T::skip_slice(len, d)?;
        Ok(vec![Self::default(); len])
    }
    fn skip<D: Decoder>(d: &mut D) -> Result<(), Error> {
        T::skip(d)
    }
    fn skip_slice<D: Decoder>(len: usize, d: &mut D) -> Result<(), Error> {
        T::skip_slice(len, d)
    }
    fn save_padding<E: Encoder>(e: &mut E) -> Result<(), Error> {
        T::save_padding(e)
    }
    fn save_padding_slice<E: Encoder>(len: usize, e: &mut E) -> Result<(), Error> {
        T::save_padding_slice(len, e)
    }
}
