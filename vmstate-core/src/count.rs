//! Sequences whose length another field holds (`#[vmstate(len = "...")]`, QEMU's
//! `VMSTATE_VARRAY_*` and `VMSTATE_VBUFFER_*`): the integers that can hold a length, and the
//! save and load of such a sequence.

use crate::error::Error;
use crate::field::{check_save_len, sealed, Bounded, Field, Optional, Plain};
use crate::wire::{Decoder, Encoder};

/// An integer that holds the length of a `Vec`, `Box<[T]>` or `String` field of the same
/// struct, named by that field's `#[vmstate(len = "...")]`: QEMU's `VMSTATE_VARRAY_*` and
/// `VMSTATE_VBUFFER_*` count. The sequence then travels without a length of its own; a save
/// refuses a sequence whose length differs from the count, a load refuses a negative count or
/// one above the sequence's `max_len`, before allocating. Implemented for `u8`..`u64`,
/// `i8`..`i64`, `usize` (for a skipped count, which no wire carries) and a `Cell` of one
/// (sealed: by this crate only); a migrated count is a [`WireCount`].
///
/// ```
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Debug, PartialEq)]
/// #[vmstate(name = "cpregs")]
/// struct CpRegs {
///     count: i32,                                        // VMSTATE_INT32
///     #[vmstate(len = "count", max_len = 64)]
///     indexes: Vec<u64>,                                 // VMSTATE_VARRAY_INT32
///     #[vmstate(len = "count", max_len = 64)]
///     values: Vec<u64>,
/// }
///
/// let regs = CpRegs { count: 2, indexes: vec![7, 9], values: vec![1, 2] };
/// let bytes = vmstate_core::qemu::to_bytes(&regs).unwrap();
/// assert_eq!(bytes.len(), 4 + 2 * 8 + 2 * 8); // no length but `count`
/// let mut back = CpRegs { count: 0, indexes: vec![], values: vec![] };
/// vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
/// assert_eq!(back, regs);
///
/// let wrong = CpRegs { count: 3, ..regs };
/// let err = vmstate_core::qemu::to_bytes(&wrong).unwrap_err();
/// assert_eq!(err.to_string(), "cpregs.indexes: length 2, but its length field `count` holds 3");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold the length of another field",
    label = "a field named by `len` must be an integer: `u8`..`u64`, `i8`..`i64`, `usize` (if skipped) or a `Cell` of one"
)]
pub trait Count: sealed::Sealed {
    /// The value.
    ///
    /// ```
    /// use vmstate_core::Count;
    /// use std::cell::Cell;
    /// assert_eq!((-2i8).count(), -2);
    /// assert_eq!(Cell::new(300u16).count(), 300);
    /// ```
    fn count(&self) -> i128;
}

/// A [`Count`] that a wire carries (a migrated field): the generated code reads it from the
/// value a load staged. Implemented for `u8`..`u64`, `i8`..`i64` and a `Cell` of one; a
/// skipped count may also be a `usize` (a `Count` only), which no wire carries.
///
/// ```
/// use std::cell::Cell;
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(name = "fifo", pre_save = "Self::sync_count")]
/// struct Fifo {
///     count: Cell<u8>, // migrated: a `WireCount`
///     #[vmstate(len = "count", max_len = 16)]
///     data: Vec<u8>,
/// }
/// impl Fifo {
///     fn sync_count(&self) { self.count.set(self.data.len() as u8) }
/// }
///
/// let fifo = Fifo { count: Cell::new(0), data: vec![7, 8, 9] };
/// assert_eq!(vmstate_core::qemu::to_bytes(&fifo).unwrap(), [3, 7, 8, 9]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold the length of another field",
    label = "a migrated field named by `len` must be an integer: `u8`..`u64`, `i8`..`i64` or a `Cell` of one"
)]
pub trait WireCount: Count + Field {
    /// The value a load staged (what a count decoded before the sequence holds).
    #[doc(hidden)]
    fn staged_count(staged: &Self::Staged) -> i128;
}

macro_rules! count {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Count for $t {
            #[inline(always)]
            fn count(&self) -> i128 {
                *self as i128
            }
        }
        impl WireCount for $t {
            #[inline(always)]
            fn staged_count(staged: &$t) -> i128 {
                *staged as i128
            }
        }
    )*};
}
count!(u8, u16, u32, u64, i8, i16, i32, i64);

impl Count for usize {
    #[inline(always)]
    fn count(&self) -> i128 {
        *self as i128
    }
}

impl<T: Count + Copy> Count for core::cell::Cell<T> {
    #[inline(always)]
    fn count(&self) -> i128 {
        self.get().count()
    }
}

impl<T: WireCount + Plain + Copy> WireCount for core::cell::Cell<T> {
    #[inline(always)]
    fn staged_count(staged: &T) -> i128 {
        staged.count()
    }
}

/// The count a load uses from a field the input may lack: the loaded value, its `default`, or
/// the destination's.
#[doc(hidden)]
#[inline]
pub fn optional_count<C: WireCount>(staged: &Optional<C::Staged, C>, current: &C) -> i128 {
    match staged {
        Optional::Loaded(v) => C::staged_count(v),
        Optional::Keep => current.count(),
        Optional::Replace(v) | Optional::KeptCopy(v) => v.count(),
    }
}

/// Saves a sequence whose length is `count`, the value of the field `count_field`: the
/// elements only, once the two lengths agree.
#[doc(hidden)]
#[inline]
pub fn save_counted<T: Bounded, E: Encoder>(
    value: &T,
    count: i128,
    count_field: &'static str,
    max_len: usize,
    e: &mut E,
) -> Result<(), Error> {
    check_save_len(value.items_len(), max_len)?;
    check_count(value.items_len(), count, count_field)?;
    value.save_items(e)
}

/// [`check_count`] of the destination's sequence, kept because the input lacked it while its
/// count loaded: the error is at the input's current offset.
#[doc(hidden)]
#[cold]
pub fn check_kept_count<D: Decoder>(
    len: usize,
    count: i128,
    count_field: &'static str,
    d: &D,
) -> Result<(), Error> {
    check_count(len, count, count_field).map_err(|e| e.or_offset(d.offset()))
}

/// Refuses a sequence of `len` elements whose length field `count_field` holds `count`.
#[doc(hidden)]
#[inline]
pub fn check_count(len: usize, count: i128, count_field: &'static str) -> Result<(), Error> {
    if count != len as i128 {
        return Err(Error::new(crate::ErrorKind::LengthMismatch {
            len,
            field: count_field.to_owned(),
            count,
        }));
    }
    Ok(())
}

/// Loads `count` elements, the value of the field `count_field`: refused before anything is
/// allocated when negative, above `max_len`, or more than the input left can hold.
#[doc(hidden)]
#[inline]
pub fn load_counted<T: Bounded, D: Decoder>(
    count: i128,
    count_field: &'static str,
    max_len: usize,
    d: &mut D,
) -> Result<T, Error> {
    let len = count_to_len(count, count_field, max_len, d.offset())?;
    check_room(len, crate::field::min_item_bytes::<T, D>(), d)?;
    T::load_items(len, d)
}

/// The length that the field `count_field` holding `count` gives a sequence of at most
/// `max_len` elements read at `at`: refused when negative or above the bound.
#[doc(hidden)]
pub fn count_to_len(
    count: i128,
    count_field: &str,
    max_len: usize,
    at: usize,
) -> Result<usize, Error> {
    if !(0..=max_len as i128).contains(&count) {
        let kind = crate::ErrorKind::LengthOutOfRange {
            field: count_field.to_owned(),
            count,
            max_len,
        };
        return Err(Error::at(kind, at));
    }
    Ok(count as usize)
}

/// Refuses, before anything is allocated, `len` elements of at least `min_item_bytes` each
/// that the input left cannot hold.
#[doc(hidden)]
pub fn check_room<D: Decoder>(len: usize, min_item_bytes: usize, d: &D) -> Result<(), Error> {
    crate::wire::room_for(len, min_item_bytes, d.remaining(), d.offset())
}
