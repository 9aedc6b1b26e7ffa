//! `Field` for std's wrappers of a plain value, which travel as the value itself: the same
//! bytes on both wires and the same description, so a field may switch between `u16` and
//! `Wrapping<u16>` without a migration break.
//!
//! - `Wrapping<T>` and `Saturating<T>`: a virtio queue's `next_avail: Wrapping<u16>`.
//! - The atomic integers and `AtomicBool`, read with `SeqCst` when saved: a device's
//!   interrupt status that other threads set. A load swaps the staged value in through
//!   `&mut`, as for any field (the VM is stopped while its devices load).
//!
//! Arrays and vectors of them travel as blocks, as arrays and vectors of the value do.

use crate::describe::Shape;
use crate::error::Error;
use crate::field::{Difference, Field, Plain};
use crate::wire::{Decoder, Encoder};
use core::num::{Saturating, Wrapping};
use core::sync::atomic::Ordering::SeqCst;

macro_rules! transparent_wrapper {
    ($($wrapper:ident),*) => {$(
        impl<T: Plain + Copy> Field for $wrapper<T> {
            const SHAPE: Shape = T::SHAPE;
            type Staged = Self;
            #[inline]
            fn placeholder() -> Self {
                $wrapper(T::placeholder())
            }
            #[inline]
            fn placeholder_array<const N: usize>() -> [Self; N] {
                [$wrapper(T::placeholder()); N]
            }
            #[inline]
            fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
                self.0.save(e)
            }
            #[inline]
            fn load<D: Decoder>(&self, d: &mut D) -> Result<Self, Error> {
                self.0.load(d).map($wrapper)
            }
            fn matches(&self, staged: &Self) -> bool {
                self.0.matches(&staged.0)
            }
            fn difference(&self, staged: &Self) -> Difference {
                self.0.difference(&staged.0)
            }
            #[inline]
            fn commit(&mut self, staged: &mut Self) {
                core::mem::swap(self, staged)
            }
            fn undo_copy(&self) -> Option<Self> {
                Some(*self)
            }
            fn save_slice<E: Encoder>(items: &[Self], e: &mut E) -> Result<(), Error> {
                let values: Vec<T> = items.iter().map(|w| w.0).collect();
                T::save_slice(&values, e)
            }
            fn load_slice<D: Decoder>(_: &[Self], out: &mut [Self], d: &mut D) -> Result<(), Error> {
                Self::load_fresh_slice(out, d)
            }
        }

        impl<T: Plain + Copy> Plain for $wrapper<T> {
            const MIN_WIRE_BYTES: usize = T::MIN_WIRE_BYTES;
            fn load_fresh_slice<D: Decoder>(out: &mut [Self], d: &mut D) -> Result<(), Error> {
                let mut values: Vec<T> = out.iter().map(|w| w.0).collect();
                T::load_fresh_slice(&mut values, d)?;
                for (slot, value) in out.iter_mut().zip(values) {
                    *slot = $wrapper(value);
                }
                Ok(())
            }
            fn load_vec<D: Decoder>(len: usize, d: &mut D) -> Result<Vec<Self>, Error> {
                Ok(T::load_vec(len, d)?.into_iter().map($wrapper).collect())
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
    )*};
}

transparent_wrapper!(Wrapping, Saturating);

macro_rules! atomic_field {
    ($($bits:literal $atomic:ident: $t:ty),* $(,)?) => {$(
        #[cfg(target_has_atomic = $bits)]
        impl Field for core::sync::atomic::$atomic {
            const SHAPE: Shape = <$t as Field>::SHAPE;
            type Staged = $t;
            #[inline]
            fn placeholder() -> $t {
                <$t as Field>::placeholder()
            }
            #[inline]
            fn placeholder_array<const N: usize>() -> [$t; N] {
                [<$t as Field>::placeholder(); N]
            }
            // `self.load(SeqCst)` below is the atomic's own method, not `Field::load`.
            #[inline]
            fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
                e.scalar(self.load(SeqCst));
                Ok(())
            }
            #[inline]
            fn load<D: Decoder>(&self, d: &mut D) -> Result<$t, Error> {
                d.scalar()
            }
            fn matches(&self, staged: &$t) -> bool {
                self.load(SeqCst).matches(staged)
            }
            fn difference(&self, staged: &$t) -> Difference {
                self.load(SeqCst).difference(staged)
            }
            #[inline]
            fn commit(&mut self, staged: &mut $t) {
                core::mem::swap(self.get_mut(), staged)
            }
            fn undo_copy(&self) -> Option<Self> {
                Some(Self::new(self.load(SeqCst)))
            }
            fn save_slice<E: Encoder>(items: &[Self], e: &mut E) -> Result<(), Error> {
                let values: Vec<$t> = items.iter().map(|a| a.load(SeqCst)).collect();
                <$t as Field>::save_slice(&values, e)
            }
            fn load_slice<D: Decoder>(_: &[Self], out: &mut [$t], d: &mut D) -> Result<(), Error> {
                <$t as Plain>::load_fresh_slice(out, d)
            }
        }
    )*};
}

atomic_field!(
    "8" AtomicBool: bool,
    "8" AtomicU8: u8,
    "8" AtomicI8: i8,
    "16" AtomicU16: u16,
    "16" AtomicI16: i16,
    "32" AtomicU32: u32,
    "32" AtomicI32: i32,
    "64" AtomicU64: u64,
    "64" AtomicI64: i64,
);
