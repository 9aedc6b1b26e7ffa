//! Sequences that migrate with a bound: `Vec<T>`, `VecDeque<T>`, `Box<[T]>` and `String`
//! (`Bounded`), and what they may hold (`Element`).

use std::collections::VecDeque;

use super::{first_difference, sealed, Difference, Field, Plain};
use crate::describe::Shape;
use crate::error::Error;
use crate::wire::{Decoder, Encoder};

/// A variable-length type that migrates only with a bound: `#[vmstate(max_len = N)]`.
///
/// Implemented for `Vec<T>`, `VecDeque<T>` and `Box<[T]>` of [`Element`]s and for `String`
/// (sealed: by this crate only). A load reads the length first and refuses one above the
/// bound, or one that the remaining input cannot hold, before allocating anything. A
/// `VecDeque` travels as a `Vec` of its elements from front to back (the same bytes, so
/// a field may turn from one into the other): where its ring buffer wraps is host memory,
/// not state.
///
/// ```
/// use vmstate_core::{ErrorKind, VmState};
///
/// #[derive(VmState, Debug)]
/// struct Fifo { #[vmstate(max_len = 4)] data: Vec<u8> }
///
/// let long = vmstate_core::to_bytes(&Fifo { data: vec![1; 4] }).unwrap();
/// let mut small = Fifo { data: vec![] };
/// vmstate_core::from_bytes(&mut small, &long).unwrap();
/// assert_eq!(small.data, [1, 1, 1, 1]);
///
/// // Saving more than max_len is refused too.
/// let err = vmstate_core::to_bytes(&Fifo { data: vec![0; 5] }).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::TooLong { len: 5, max_len: 4 }));
///
/// // A queue travels as its elements from front to back: the same bytes as the `Vec`.
/// #[derive(VmState)]
/// #[vmstate(name = "fifo")]
/// struct Rx { #[vmstate(max_len = 4)] data: std::collections::VecDeque<u8> }
///
/// let mut rx = Rx { data: [9, 1, 2].into() };
/// rx.data.pop_front();
/// rx.data.push_back(3);
/// let bytes = vmstate_core::to_bytes(&rx).unwrap();
/// assert_eq!(bytes, vmstate_core::to_bytes(&Fifo { data: vec![1, 2, 3] }).unwrap());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot carry `max_len`",
    label = "`max_len` applies to `Vec<T>`, `VecDeque<T>`, `Box<[T]>` and `String` only"
)]
pub trait Bounded: Sized + sealed::Sealed {
    /// The element's shape (`u8` for a string).
    const ELEM: Shape;
    /// Whether this is a string (`Shape::Str`) rather than a sequence.
    const IS_STR: bool;
    /// The fewest bytes one element takes in either format.
    #[doc(hidden)]
    const MIN_ITEM_BYTES: usize;
    /// The number of elements (a string's bytes).
    #[doc(hidden)]
    fn items_len(&self) -> usize;
    /// Writes the elements, without their number.
    #[doc(hidden)]
    fn save_items<E: Encoder>(&self, e: &mut E) -> Result<(), Error>;
    /// Reads `len` elements, a number already checked against the bound and the input left.
    #[doc(hidden)]
    fn load_items<D: Decoder>(len: usize, d: &mut D) -> Result<Self, Error>;
    /// Writes the length and the elements; refuses a value longer than `max_len`.
    ///
    /// ```
    /// use vmstate_core::{Bounded, QemuEncoder};
    /// let mut out = Vec::new();
    /// vec![1u16, 2].save_bounded(4, &mut QemuEncoder::new(&mut out)).unwrap();
    /// assert_eq!(out, [0, 0, 0, 2, 0, 1, 0, 2]); // be32 length, then the elements
    /// assert!(vec![0u16; 5].save_bounded(4, &mut QemuEncoder::new(&mut out)).is_err());
    /// ```
    #[inline]
    fn save_bounded<E: Encoder>(&self, max_len: usize, e: &mut E) -> Result<(), Error> {
        check_save_len(self.items_len(), max_len)?;
        e.len(self.items_len());
        self.save_items(e)
    }
    /// Reads a new value of at most `max_len` elements.
    ///
    /// ```
    /// use vmstate_core::{Bounded, QemuDecoder};
    /// let bytes = [0, 0, 0, 2, 0, 1, 0, 2];
    /// let v = Vec::<u16>::load_bounded(4, &mut QemuDecoder::new(&bytes, 0)).unwrap();
    /// assert_eq!(v, [1, 2]);
    /// // A length above the bound is refused before anything is allocated.
    /// assert!(Vec::<u16>::load_bounded(1, &mut QemuDecoder::new(&bytes, 0)).is_err());
    /// ```
    #[inline]
    fn load_bounded<D: Decoder>(max_len: usize, d: &mut D) -> Result<Self, Error> {
        let len = d.len(max_len, min_item_bytes::<Self, D>())?;
        Self::load_items(len, d)
    }
    /// A copy, as [`Field::undo_copy`]: `None` when the elements cannot copy themselves.
    #[doc(hidden)]
    fn undo_copy(&self) -> Option<Self>;
    /// Reads a value and compares it with `self` (an immutable field): `None` when equal,
    /// else the value read.
    ///
    /// ```
    /// use vmstate_core::{Bounded, QemuDecoder};
    /// let name = String::from("flash");
    /// let same = [0, 0, 0, 5, b'f', b'l', b'a', b's', b'h'];
    /// assert_eq!(name.load_if_different(16, &mut QemuDecoder::new(&same, 0)).unwrap(), None);
    /// let other = [0, 0, 0, 3, b'r', b'o', b'm'];
    /// let found = name.load_if_different(16, &mut QemuDecoder::new(&other, 0)).unwrap();
    /// assert_eq!(found.as_deref(), Some("rom"));
    /// ```
    fn load_if_different<D: Decoder>(
        &self,
        max_len: usize,
        d: &mut D,
    ) -> Result<Option<Self>, Error>
    where
        Self: PartialEq,
    {
        let v = Self::load_bounded(max_len, d)?;
        Ok((!self.same(&v)).then_some(v))
    }
    /// Whether `other` is the same value, as an immutable field compares: elements as their
    /// [`Field::matches`] does (floats by their bits: a NaN is itself, -0.0 is not 0.0),
    /// structs by `==`.
    #[doc(hidden)]
    fn same(&self, other: &Self) -> bool
    where
        Self: PartialEq,
    {
        self == other
    }
    /// As [`Field::difference`], for a value not the [`same`](Bounded::same) as `self`.
    #[doc(hidden)]
    fn difference(&self, other: &Self) -> Difference {
        let _ = other;
        Difference::unprintable()
    }
}

#[inline]
#[doc(hidden)]
pub fn check_save_len(len: usize, max_len: usize) -> Result<(), Error> {
    // QEMU's wire counts a sequence in 32 bits (a `max_len` constant may be larger).
    let max_len = max_len.min(u32::MAX as usize);
    if len > max_len {
        return Err(Error::new(crate::ErrorKind::TooLong {
            len: len as u64,
            max_len,
        }));
    }
    Ok(())
}

/// What `Vec<T>`, `VecDeque<T>` and `Box<[T]>` (with `max_len`) can hold: the plain types
/// (primitives and arrays of them, as one block) and, through `#[derive(VmState)]`, structs that are
/// `Default` and `PartialEq` (a bounded field is compared as a whole). Each element is built
/// from `Default` and loaded in full, hooks included, as it is decoded: on the new element,
/// before the owner's load is accepted; a skipped field of an element starts from its
/// default.
///
/// ```
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Debug, Default, Clone, PartialEq)]
/// #[vmstate(name = "desc")]
/// struct Descriptor { addr: u64, len: u32 }
///
/// #[derive(VmState, Debug, PartialEq)]
/// #[vmstate(name = "ring")]
/// struct Ring { #[vmstate(max_len = 256)] descs: Vec<Descriptor> }
///
/// let ring = Ring { descs: vec![Descriptor { addr: 0x1000, len: 64 }; 3] };
/// let mut back = Ring { descs: Vec::new() };
/// vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&ring).unwrap()).unwrap();
/// assert_eq!(back, ring);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an element of a `Vec`, `VecDeque` or `Box<[T]>` field",
    label = "elements must be primitives, arrays of them, or structs that derive `VmState`, implement `Default` and `PartialEq` and do not depend on the destination's configuration (no `immutable` or `equal` field, no length held by a skipped field)",
    note = "a sequence's elements are built anew from `Default` on every load; a fixed array (`[{Self}; N]`) loads its elements in place, into the destination's, so it may hold structs with `immutable` or `equal` fields"
)]
pub trait Element: Field {
    /// The fewest bytes one element takes in either format: a length is refused, before
    /// anything is allocated, when that many elements cannot follow.
    #[doc(hidden)]
    const MIN_WIRE_BYTES: usize;
    /// Writes the elements.
    #[doc(hidden)]
    fn save_elements<E: Encoder>(items: &[Self], e: &mut E) -> Result<(), Error>;
    /// Reads `len` new elements.
    #[doc(hidden)]
    fn load_elements<D: Decoder>(len: usize, d: &mut D) -> Result<Vec<Self>, Error>;
    /// Whether two sequences hold the same elements by [`Field::matches`]; `None` when the
    /// element type cannot tell (a struct's staged form is another type): then `==` decides.
    #[doc(hidden)]
    fn same_elements(a: &[Self], b: &[Self]) -> Option<bool> {
        let _ = (a, b);
        None
    }
    /// As [`Field::difference`], for two sequences of one length that differ (`a` the
    /// destination's, `b` the input's): the first element that does, if it can tell.
    #[doc(hidden)]
    fn elements_difference(a: &[Self], b: &[Self]) -> Difference {
        let _ = (a, b);
        Difference::unprintable()
    }
    /// Copies of the elements ([`Field::undo_copy`]), if they can copy themselves.
    #[doc(hidden)]
    fn undo_copy_elements(items: &[Self]) -> Option<Vec<Self>> {
        let _ = items;
        None
    }
}

impl<T: Plain> Element for T {
    const MIN_WIRE_BYTES: usize = <T as Plain>::MIN_WIRE_BYTES;
    #[inline]
    fn save_elements<E: Encoder>(items: &[Self], e: &mut E) -> Result<(), Error> {
        T::save_slice(items, e)
    }
    #[inline]
    fn load_elements<D: Decoder>(len: usize, d: &mut D) -> Result<Vec<Self>, Error> {
        T::load_vec(len, d)
    }
    fn same_elements(a: &[Self], b: &[Self]) -> Option<bool> {
        Some(T::same_slices(a, b))
    }
    fn elements_difference(a: &[Self], b: &[Self]) -> Difference {
        first_difference(a, b)
    }
    fn undo_copy_elements(items: &[Self]) -> Option<Vec<Self>> {
        items.iter().map(Field::undo_copy).collect()
    }
}

/// Reads a new `T`, starting from `T::default()`, and commits it as a load of its own would:
/// its checks, `pre_load`, derived functions and `post_load` run (as for each element of a
/// `Vec` of structs). For a hand-written [`Field`] whose value holds a struct that derives
/// `VmState`, such as an enum with data (see [`Field`]'s "Implementing it by hand"): the
/// struct's hooks then run as it is decoded, before the owner's load is accepted. `T` starts
/// from its default, so its `immutable` and `equal` fields have nothing to be checked against.
///
/// ```
/// use vmstate_core::{QemuDecoder, VmState};
///
/// #[derive(VmState, Default)]
/// #[vmstate(name = "regs")]
/// struct Regs { ctrl: u32, #[vmstate(derived = "Self::recalc")] enabled: bool }
/// impl Regs {
///     fn recalc(&mut self) { self.enabled = self.ctrl & 0x80 != 0 }
/// }
///
/// let mut d = QemuDecoder::new(&[0, 0, 0, 0x80], 0);
/// let regs: Regs = vmstate_core::load_new(&mut d).unwrap();
/// assert!(regs.enabled);
/// ```
pub fn load_new<T: Field + Default, D: Decoder>(d: &mut D) -> Result<T, Error> {
    let mut item = T::default();
    let mut staged = item.load(d)?;
    crate::commit_staged(&mut item, &mut staged)?;
    Ok(item)
}

/// `Element::load_elements` of a struct: each element from `Default`, loaded and committed
/// as a struct of its own ([`load_new`]). Called by the derive's `Element` impls.
#[doc(hidden)]
pub fn load_struct_elements<T: Field + Default, D: Decoder>(
    len: usize,
    d: &mut D,
) -> Result<Vec<T>, Error> {
    // Grown as elements arrive: the length is bounded by `max_len`, not by the input.
    let mut out = Vec::new();
    for i in 0..len {
        out.push(load_new(d).map_err(|e| e.in_index(i))?);
    }
    Ok(out)
}

/// `Element::save_elements` of a struct.
#[doc(hidden)]
pub fn save_struct_elements<T: Field, E: Encoder>(items: &[T], e: &mut E) -> Result<(), Error> {
    for (i, item) in items.iter().enumerate() {
        item.save(e).map_err(|err| err.in_index(i))?;
    }
    Ok(())
}

// `Vec<T>`, `VecDeque<T>` and `Box<[T]>` are written out rather than made by a macro: rustc
// lists these impls in a misplaced `max_len`'s error, and a macro's would show there as its
// invocations.
impl<T: Element> Bounded for Vec<T> {
    const ELEM: Shape = T::SHAPE;
    const IS_STR: bool = false;
    const MIN_ITEM_BYTES: usize = T::MIN_WIRE_BYTES;
    #[inline]
    fn items_len(&self) -> usize {
        self.len()
    }
    #[inline]
    fn save_items<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        T::save_elements(self, e)
    }
    #[inline]
    fn load_items<D: Decoder>(len: usize, d: &mut D) -> Result<Self, Error> {
        T::load_elements(len, d)
    }
    fn undo_copy(&self) -> Option<Self> {
        T::undo_copy_elements(self)
    }
    fn same(&self, other: &Self) -> bool
    where
        Self: PartialEq,
    {
        T::same_elements(self, other).unwrap_or_else(|| self == other)
    }
    fn difference(&self, other: &Self) -> Difference {
        sequence_difference(self, other)
    }
}

impl<T: Element> Bounded for Box<[T]> {
    const ELEM: Shape = T::SHAPE;
    const IS_STR: bool = false;
    const MIN_ITEM_BYTES: usize = T::MIN_WIRE_BYTES;
    #[inline]
    fn items_len(&self) -> usize {
        self.len()
    }
    #[inline]
    fn save_items<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        T::save_elements(self, e)
    }
    #[inline]
    fn load_items<D: Decoder>(len: usize, d: &mut D) -> Result<Self, Error> {
        T::load_elements(len, d).map(Vec::into_boxed_slice)
    }
    fn undo_copy(&self) -> Option<Self> {
        T::undo_copy_elements(self).map(Vec::into_boxed_slice)
    }
    fn same(&self, other: &Self) -> bool
    where
        Self: PartialEq,
    {
        T::same_elements(self, other).unwrap_or_else(|| self == other)
    }
    fn difference(&self, other: &Self) -> Difference {
        sequence_difference(self, other)
    }
}

impl<T: Element> Bounded for VecDeque<T> {
    const ELEM: Shape = T::SHAPE;
    const IS_STR: bool = false;
    const MIN_ITEM_BYTES: usize = T::MIN_WIRE_BYTES;
    #[inline]
    fn items_len(&self) -> usize {
        self.len()
    }
    #[inline]
    fn save_items<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        // Front to back, as one sequence: the second part's indexes follow the first's.
        let (front, back) = self.as_slices();
        T::save_elements(front, e)?;
        T::save_elements(back, e).map_err(|err| err.shift_index(front.len()))
    }
    #[inline]
    fn load_items<D: Decoder>(len: usize, d: &mut D) -> Result<Self, Error> {
        T::load_elements(len, d).map(VecDeque::from)
    }
    fn undo_copy(&self) -> Option<Self> {
        let (front, back) = self.as_slices();
        let mut copy = T::undo_copy_elements(front)?;
        copy.extend(T::undo_copy_elements(back)?);
        Some(copy.into())
    }
    fn same(&self, other: &Self) -> bool
    where
        Self: PartialEq,
    {
        if self.len() != other.len() {
            return false;
        }
        let same = aligned_parts(self.as_slices(), other.as_slices())
            .map(|(_, a, b)| T::same_elements(a, b))
            .try_fold(true, |all, part| Some(all && part?));
        same.unwrap_or_else(|| self == other)
    }
    fn difference(&self, other: &Self) -> Difference {
        if self.len() != other.len() {
            return lengths_difference(self.len(), other.len());
        }
        for (at, a, b) in aligned_parts(self.as_slices(), other.as_slices()) {
            match T::same_elements(a, b) {
                Some(true) => continue,
                Some(false) => return T::elements_difference(a, b).shift_index(at),
                None => break,
            }
        }
        Difference::unprintable()
    }
}

/// Two sequences of one length, each held in two parts (a `VecDeque`'s), cut into pairs of
/// parts of equal length: `(index of the first element, part of a, part of b)`.
fn aligned_parts<'a, T>(
    a: (&'a [T], &'a [T]),
    b: (&'a [T], &'a [T]),
) -> impl Iterator<Item = (usize, &'a [T], &'a [T])> {
    let mut a_parts = [a.0, a.1].into_iter().filter(|p| !p.is_empty());
    let mut b_parts = [b.0, b.1].into_iter().filter(|p| !p.is_empty());
    let (mut x, mut y, mut at) = (a_parts.next(), b_parts.next(), 0);
    core::iter::from_fn(move || {
        let (xs, ys) = (x?, y?);
        let n = xs.len().min(ys.len());
        let part = (at, &xs[..n], &ys[..n]);
        at += n;
        x = if n < xs.len() {
            Some(&xs[n..])
        } else {
            a_parts.next()
        };
        y = if n < ys.len() {
            Some(&ys[n..])
        } else {
            b_parts.next()
        };
        Some(part)
    })
}

/// The fewest bytes an element of `B` takes in the format `D` reads: on QEMU's wire, where
/// plain values have a fixed size, that size (so a length the input cannot hold is refused
/// with the bytes it needs); else the fewest in either format.
#[inline(always)]
pub(crate) fn min_item_bytes<B: Bounded, D: Decoder>() -> usize {
    const fn fixed(shape: &Shape) -> Option<usize> {
        match shape {
            Shape::Primitive(_) | Shape::Enum { .. } => shape.qemu_size(),
            Shape::Array { elem, len } => match fixed(elem) {
                Some(n) => Some(n * *len),
                None => None,
            },
            _ => None,
        }
    }
    match (D::CARRIES_IMMUTABLE, const { fixed(&B::ELEM) }) {
        (false, Some(n)) => n.max(B::MIN_ITEM_BYTES),
        _ => B::MIN_ITEM_BYTES,
    }
}

/// Sequences of different lengths print their lengths; of one length, the first element
/// that differs, where the elements can tell.
fn sequence_difference<T: Element>(destination: &[T], stream: &[T]) -> Difference {
    if stream.len() == destination.len() {
        return T::elements_difference(destination, stream);
    }
    lengths_difference(destination.len(), stream.len())
}

/// Sequences of different lengths print their lengths.
fn lengths_difference(destination: usize, stream: usize) -> Difference {
    let elements = |n: usize| format!("{n} element{}", if n == 1 { "" } else { "s" });
    Difference::values(
        &format_args!("{}", elements(stream)),
        &format_args!("{}", elements(destination)),
    )
}

impl Bounded for String {
    const ELEM: Shape = Shape::Primitive(crate::Primitive::U8);
    const IS_STR: bool = true;
    const MIN_ITEM_BYTES: usize = 1;
    #[inline]
    fn items_len(&self) -> usize {
        self.len()
    }
    #[inline]
    fn save_items<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        e.raw(self.as_bytes());
        Ok(())
    }
    fn load_items<D: Decoder>(len: usize, d: &mut D) -> Result<Self, Error> {
        let at = d.offset();
        let mut bytes = vec![0u8; len];
        d.raw(&mut bytes)?;
        String::from_utf8(bytes).map_err(|e| Error::invalid_utf8(at, e.utf8_error()))
    }
    fn undo_copy(&self) -> Option<Self> {
        Some(self.clone())
    }
    fn load_if_different<D: Decoder>(
        &self,
        max_len: usize,
        d: &mut D,
    ) -> Result<Option<Self>, Error> {
        let len = d.len(max_len, 1)?;
        let at = d.offset();
        let bytes = d.bytes(len)?;
        if bytes == self.as_bytes() {
            return Ok(None);
        }
        let s = std::str::from_utf8(bytes).map_err(|e| Error::invalid_utf8(at, e))?;
        Ok(Some(s.to_owned()))
    }
    fn difference(&self, other: &Self) -> Difference {
        Difference::values(other, self)
    }
}
