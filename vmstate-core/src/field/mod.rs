//! What a type must do to be a field of a migratable struct.

use crate::describe::Shape;
use crate::error::Error;
use crate::wire::{Decoder, Encoder, Scalar};

mod padding;
mod sequence;

pub use padding::{Removed, Unused};
pub(crate) use sequence::min_item_bytes;
pub use sequence::{
    check_save_len, load_new, load_struct_elements, save_struct_elements, Bounded, Element,
};

/// A type that can be a migrated field: it writes itself, reads a *staged* copy of itself, and
/// commits the staged copy by swapping it in.
///
/// Loads are atomic: every field of a section is read into [`Field::Staged`] values first, and
/// only when the whole section has been read and checked does [`Field::commit`] swap them into
/// the device. Since commit swaps, the staged values then hold the old state, and a second
/// commit restores it; no `Clone` is needed.
///
/// `#[derive(VmState)]` implements this for structs and fieldless enums; the crate implements
/// it for `bool`, the integers, `f32`, `f64`, arrays `[T; N]`, `Box<T>`, `Cell<T>`, and
/// `Wrapping<T>`, `Saturating<T>`, the atomic integers and `AtomicBool` (each as the value it
/// holds, on both wires and in its description). `Vec<T>`, `VecDeque<T>`, `Box<[T]>`
/// and `String` need a bound and implement [`Bounded`] instead (use `#[vmstate(max_len = N)]`).
///
/// # Implementing it by hand
/// A type the derive cannot handle (an enum with data, a type with its own encoding)
/// implements `Field` on top of an existing implementation. Here an enum travels as a `u8`
/// and refuses unknown values. (A fieldless enum can derive this instead, see
/// [`VmState`](derive@crate::VmState)'s Enums; the derived one describes itself as
/// [`Shape::Enum`] and the schema calls it `uint8`, where this one is `Mode`: switching
/// between the two keeps the bytes, but `check` reports the type change as an error, which
/// is then a false alarm.)
///
/// ```
/// use vmstate_core::{Decoder, Encoder, Error, ErrorKind, Field, Shape, VmState};
///
/// #[derive(Clone, Copy, Debug, PartialEq)]
/// enum Mode { Off = 0, On = 1 }
///
/// impl Field for Mode {
///     const SHAPE: Shape = Shape::Custom { name: "Mode", qemu_size: Some(1) };
///     type Staged = Mode;
///     fn placeholder() -> Mode { Mode::Off }
///     fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
///         e.scalar(*self as u8);
///         Ok(())
///     }
///     fn load<D: Decoder>(&self, d: &mut D) -> Result<Mode, Error> {
///         let at = d.offset();
///         match d.scalar::<u8>()? {
///             0 => Ok(Mode::Off),
///             1 => Ok(Mode::On),
///             v => Err(Error::at(ErrorKind::InvalidValue(format!("unknown Mode {v}")), at)),
///         }
///     }
///     fn matches(&self, staged: &Mode) -> bool { self == staged }
///     fn commit(&mut self, staged: &mut Mode) { core::mem::swap(self, staged) }
/// }
///
/// #[derive(VmState)]
/// struct Led { mode: Mode }
///
/// let bytes = vmstate_core::to_bytes(&Led { mode: Mode::On }).unwrap();
/// let mut led = Led { mode: Mode::Off };
/// vmstate_core::from_bytes(&mut led, &bytes).unwrap();
/// assert_eq!(led.mode, Mode::On);
/// ```
///
/// A type from another crate cannot implement this trait (Rust's orphan rule); wrap it in a
/// newtype of your own and implement `Field` for the newtype.
///
/// What a hand-written implementation must keep to:
/// - `commit` swaps: applied twice, it gives the destination back its value (a load commits
///   to run checks on the would-be state and commits again to undo them, and undoes a
///   commit whose `post_load` failed). With `type Staged = Self`, `core::mem::swap` is it.
/// - `load` reads without changing anything; a value holding a struct that derives
///   `VmState` reads it with [`load_new`], which runs that struct's checks and hooks there
///   (see below). Overriding [`Field::check_committed`] takes `const VALIDATES: bool = true`,
///   or it is never called.
/// - As a field marked `immutable` or `equal`, the type and its `Staged` type are `Debug`
///   (for the mismatch error); as a `Vec` element or the `T` of [`Removed<T>`], the type
///   also implements [`Plain`] (`impl Plain for Mode {}` when `Staged = Self`).
///
/// An enum with data, one variant holding a derived struct, travels as a tag byte and the
/// struct's fields:
///
/// ```
/// use vmstate_core::{Decoder, Encoder, Error, ErrorKind, Field, Shape, VmState};
///
/// #[derive(VmState, Debug, Default, PartialEq)]
/// #[vmstate(name = "timer_regs", validate = "Self::check")]
/// struct TimerRegs {
///     load: u32,
///     ctrl: u32,
///     #[vmstate(derived = "Self::recalc")]
///     enabled: bool,
/// }
/// impl TimerRegs {
///     fn check(&self) -> Result<(), std::io::Error> {
///         match self.load {
///             0 => Err(std::io::Error::other("a zero load value")),
///             _ => Ok(()),
///         }
///     }
///     fn recalc(&mut self) { self.enabled = self.ctrl & 0x80 != 0 }
/// }
///
/// #[derive(Debug, PartialEq)]
/// enum TimerState { Stopped, Programmed(TimerRegs) }
///
/// impl Field for TimerState {
///     // `None`: its size varies, so QEMU's descriptions cannot give one.
///     const SHAPE: Shape = Shape::Custom { name: "TimerState", qemu_size: None };
///     type Staged = TimerState;
///     fn placeholder() -> Self { TimerState::Stopped }
///     fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
///         match self {
///             TimerState::Stopped => e.scalar(0u8),
///             TimerState::Programmed(regs) => {
///                 e.scalar(1u8);
///                 regs.save(e)?;
///             }
///         }
///         Ok(())
///     }
///     fn load<D: Decoder>(&self, d: &mut D) -> Result<Self, Error> {
///         let at = d.offset();
///         match d.scalar::<u8>()? {
///             0 => Ok(TimerState::Stopped),
///             // Read and committed as a load of its own: `check` and `recalc` run here.
///             1 => Ok(TimerState::Programmed(vmstate_core::load_new(d)?)),
///             v => Err(Error::at(ErrorKind::InvalidValue(format!("no TimerState {v}")), at)),
///         }
///     }
///     fn matches(&self, staged: &Self) -> bool { self == staged }
///     fn commit(&mut self, staged: &mut Self) { core::mem::swap(self, staged) }
/// }
///
/// #[derive(VmState)]
/// #[vmstate(name = "sp804")]
/// struct Sp804 { state: TimerState }
///
/// let src = Sp804 {
///     state: TimerState::Programmed(TimerRegs { load: 100, ctrl: 0x80, enabled: false }),
/// };
/// let mut dst = Sp804 { state: TimerState::Stopped };
/// vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
/// let want = TimerRegs { load: 100, ctrl: 0x80, enabled: true }; // recomputed
/// assert_eq!(dst.state, TimerState::Programmed(want));
///
/// // The payload's `validate` refuses a zero load value, and the device is left as it was.
/// let bad = Sp804 { state: TimerState::Programmed(TimerRegs::default()) };
/// let mut dst = Sp804 { state: TimerState::Stopped };
/// let err = vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&bad).unwrap());
/// assert!(err.unwrap_err().to_string().contains("a zero load value"));
/// assert_eq!(dst.state, TimerState::Stopped);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot migrate: it does not implement `vmstate_core::Field`",
    label = "`{Self}` cannot migrate",
    note = "derive `VmState` for it (with `#[vmstate(from = \"T\", into = \"T\")]` to travel as a plain `T` through conversions of yours), implement `Field` by hand (for another crate's type, on a newtype of your own), mark the field `#[vmstate(skip)]`, or, for `Vec`/`VecDeque`/`Box<[T]>`/`String`, add `#[vmstate(max_len = N)]`"
)]
pub trait Field: Sized {
    /// How the type looks on the wire.
    const SHAPE: Shape;
    /// The type a load decodes into before committing.
    type Staged;
    /// A cheap value of `Staged` that a load overwrites (used to build staged arrays), and
    /// that stands for "no optional part carried" where a value did not come from the input
    /// (see [`Field::post_commit`]).
    fn placeholder() -> Self::Staged;
    /// Writes the value.
    fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error>;
    /// Reads a staged value; `self` is the destination's current value (for immutable checks).
    fn load<D: Decoder>(&self, d: &mut D) -> Result<Self::Staged, Error>;
    /// [`Field::load`] into `out`, a staged value already in place (its previous contents
    /// are overwritten; after an error, `out` is to be dropped). Arrays and derived structs
    /// load in place, so that a large inline array is not moved, and so copied on the
    /// stack, at every level of a load.
    #[doc(hidden)]
    #[inline]
    fn load_into<D: Decoder>(&self, d: &mut D, out: &mut Self::Staged) -> Result<(), Error> {
        *out = self.load(d)?;
        Ok(())
    }
    /// Whether the staged value equals the current one (immutable fields).
    fn matches(&self, staged: &Self::Staged) -> bool;
    /// Where a staged value that does not [match](Field::matches) differs, for the error:
    /// the path to its innermost differing part and, if that part prints, both versions.
    /// The default knows nothing more than that the values differ.
    #[doc(hidden)]
    fn difference(&self, staged: &Self::Staged) -> Difference {
        let _ = staged;
        Difference::unprintable()
    }
    /// Swaps the staged value in (so `staged` then holds the old value).
    fn commit(&mut self, staged: &mut Self::Staged);
    /// Runs once the whole input is decoded, before the commit: `pre_load` hooks.
    /// `staged` is what will be committed. (These three are not named after the hooks they
    /// run, so that a hook path such as `Self::validate`, with the trait in scope and the
    /// inherent function missing, is reported missing rather than resolved to the method
    /// that calls the hook, which would recurse until the stack overflows; and the derive
    /// refuses hooks of the struct named like them.)
    fn pre_commit(&mut self, staged: &Self::Staged) -> Result<(), Error> {
        let _ = staged;
        Ok(())
    }
    /// Whether this type (or anything nested in it) has checks of the committed state: a
    /// container `validate` function, or an `exists` test asked again of the loaded state.
    /// [`Field::check_committed`] runs only when this holds.
    const VALIDATES: bool = false;
    /// Checks the committed state: the container `validate` functions, and that each
    /// `exists` test answers as it did for the load. `staged` is as
    /// for [`Field::post_commit`]: a subsection the input lacked is not checked.
    fn check_committed(&self, staged: &Self::Staged) -> Result<(), Error> {
        let _ = staged;
        Ok(())
    }
    /// Runs after a commit: recomputes derived state, runs `post_load` hooks. `staged` is the
    /// committed input after the swap (it holds the previous values, but tells which optional
    /// parts, such as subsections, the input carried). For a value that a field's `default`
    /// supplied, `staged` is [`Field::placeholder`]: the value's own derived state and hooks
    /// run, those of optional parts inside it do not.
    fn post_commit(&mut self, staged: &Self::Staged) -> Result<(), Error> {
        let _ = staged;
        Ok(())
    }

    /// `N` placeholders, as the placeholder of `[Self; N]`: scalars build theirs in place
    /// (a repeat expression) rather than one by one and then moved, which debug builds
    /// copied four times on the stack.
    #[doc(hidden)]
    #[inline]
    fn placeholder_array<const N: usize>() -> [Self::Staged; N] {
        core::array::from_fn(|_| Self::placeholder())
    }

    /// Writes a slice of values; primitives override this to write one block.
    #[doc(hidden)]
    fn save_slice<E: Encoder>(items: &[Self], e: &mut E) -> Result<(), Error> {
        for (i, item) in items.iter().enumerate() {
            item.save(e).map_err(|err| err.in_index(i))?;
        }
        Ok(())
    }
    /// Reads a slice of staged values; primitives override this to read one block.
    #[doc(hidden)]
    fn load_slice<D: Decoder>(
        current: &[Self],
        out: &mut [Self::Staged],
        d: &mut D,
    ) -> Result<(), Error> {
        for (i, (cur, slot)) in current.iter().zip(out.iter_mut()).enumerate() {
            cur.load_into(d, slot).map_err(|err| err.in_index(i))?;
        }
        Ok(())
    }
    /// [`Field::placeholder`] in a box; arrays build theirs on the heap, so a
    /// `Box<[u8; 1 << 24]>` field is never staged on the stack.
    #[doc(hidden)]
    fn boxed_placeholder() -> Box<Self::Staged> {
        Box::new(Self::placeholder())
    }
    /// [`Field::load`] into a box (for a `Box<Self>` field), read in place there.
    #[doc(hidden)]
    fn load_boxed<D: Decoder>(&self, d: &mut D) -> Result<Box<Self::Staged>, Error> {
        let mut out = Self::boxed_placeholder();
        self.load_into(d, &mut out)?;
        Ok(out)
    }
    /// Commits a slice of staged values.
    #[doc(hidden)]
    fn commit_slice(items: &mut [Self], staged: &mut [Self::Staged]) {
        for (item, s) in items.iter_mut().zip(staged.iter_mut()) {
            item.commit(s);
        }
    }
    /// A copy of the value, for a field the input lacks ([`Optional::KeptCopy`]): if the load
    /// is undone after its commit, it is put back in place of the field, undoing what
    /// a `post_load` hook wrote over the field meanwhile. `None` (the default) for a type
    /// that cannot copy itself (a struct with a skipped or derived field, a struct or enum
    /// that needs dropping, a hand-written `Field` that does not override this, a sequence or
    /// struct holding one); such a field is kept as it is.
    #[doc(hidden)]
    fn undo_copy(&self) -> Option<Self> {
        None
    }
    /// [`Field::undo_copy`] in a box; arrays build theirs on the heap.
    #[doc(hidden)]
    fn undo_copy_boxed(&self) -> Option<Box<Self>> {
        self.undo_copy().map(Box::new)
    }
    /// Whether a load of this type, or of anything nested in it, runs code after the commit
    /// (derived functions, `post_load`): only such a load can fail after its commit and be
    /// undone, and only it needs [`Field::stage_kept_copies`].
    #[doc(hidden)]
    const AFTER_COMMIT: bool = false;
    /// Just before the commit, after `pre_load`: turns each [`Optional::Keep`] part of
    /// `staged`, at any depth, into an [`Optional::KeptCopy`] copy of the value it keeps (as
    /// `pre_load` left it), where the type can copy itself.
    #[doc(hidden)]
    #[inline]
    fn stage_kept_copies(&self, staged: &mut Self::Staged) {
        let _ = staged;
    }
    /// Undoing a commit, after the swap back: puts each [`Optional::KeptCopy`] of `staged`, at
    /// any depth, back in place of what the hooks made of the kept value.
    #[doc(hidden)]
    #[inline]
    fn restore_kept(&mut self, staged: &mut Self::Staged) {
        let _ = staged;
    }
}

/// A type whose wire form is all of it (no skipped or immutable parts): what `Vec<T>` holds.
///
/// ```
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Debug, Clone, Copy, PartialEq)]
/// #[repr(u8)]
/// enum Slot { Free = 0, Busy = 1 }
///
/// fn is_plain<T: vmstate_core::Plain>() {}
/// is_plain::<[u32; 4]>();
/// is_plain::<Slot>(); // so a `Vec<Slot>` can migrate
///
/// #[derive(VmState)]
/// #[vmstate(name = "slots")]
/// struct Slots { #[vmstate(max_len = 8)] slots: Vec<Slot> }
///
/// let bytes = vmstate_core::to_bytes(&Slots { slots: vec![Slot::Busy, Slot::Free] }).unwrap();
/// let mut back = Slots { slots: Vec::new() };
/// vmstate_core::from_bytes(&mut back, &bytes).unwrap();
/// assert_eq!(back.slots, [Slot::Busy, Slot::Free]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a plain value (a primitive, a fieldless enum that derives `VmState`, a `transparent` struct of a plain value, a type that travels as one through `from`/`into`, or an array of them)",
    label = "must be a plain value here: a `Vec`/`VecDeque`/`Box<[T]>` element that is not a struct deriving `VmState`, a `validate`/`range` field, and the `T` of `Removed<T>`, `Cell<T>`, `Wrapping<T>` and `Saturating<T>` are, and so are a `transparent` struct's field and the type `from`/`into` name",
    note = "a fieldless enum with an integer `repr` is one once it derives `VmState`; a struct is not (its load is staged apart from the struct itself): an element struct derives `VmState`, and a nested struct is validated by its own container `validate`; a sequence of sequences (`Vec<Vec<u8>>`) is not either: put the inner one in a struct that derives `VmState`, with its own `max_len`; an atomic is not one either: check it in the container's `validate`; a type with a hand-written `Field` whose `Staged` is itself becomes one with `impl vmstate_core::Plain for T {{}}`"
)]
pub trait Plain: Field<Staged = Self> {
    /// The fewest bytes one value takes in either format: a length is refused, before
    /// anything is allocated, when that many values cannot follow.
    #[doc(hidden)]
    const MIN_WIRE_BYTES: usize = 1;
    /// Reads `out.len()` values; a value's own placeholder serves as its "current" value,
    /// since a plain type has no immutable parts to compare.
    #[doc(hidden)]
    fn load_fresh_slice<D: Decoder>(out: &mut [Self], d: &mut D) -> Result<(), Error> {
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = slot.load(d).map_err(|err| err.in_index(i))?;
        }
        Ok(())
    }
    /// Reads `len` values into a new vector; primitives override this to read one block.
    #[doc(hidden)]
    fn load_vec<D: Decoder>(len: usize, d: &mut D) -> Result<Vec<Self>, Error> {
        let mut v: Vec<Self> = (0..len).map(|_| Self::placeholder()).collect();
        Self::load_fresh_slice(&mut v, d)?;
        Ok(v)
    }
    /// Whether two slices hold the same values by [`Field::matches`]; integers override
    /// this with one slice comparison.
    #[doc(hidden)]
    fn same_slices(a: &[Self], b: &[Self]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.matches(y))
    }
    /// Reads one value and discards it ([`Removed`]); a fieldless enum overrides this to read
    /// its integer unchecked, as QEMU's `VMSTATE_UNUSED` takes whatever bytes are there.
    #[doc(hidden)]
    fn skip<D: Decoder>(d: &mut D) -> Result<(), Error> {
        Self::placeholder().load(d).map(drop)
    }
    /// Reads `len` values as a slice of them travels, and discards them.
    #[doc(hidden)]
    fn skip_slice<D: Decoder>(len: usize, d: &mut D) -> Result<(), Error> {
        Self::load_vec(len, d).map(drop)
    }
    /// Writes what [`Removed`] writes in place of one value: its zero value (a fieldless
    /// enum's first variant). A type that travels as another writes that type's, whatever
    /// its own placeholder converts to.
    #[doc(hidden)]
    fn save_padding<E: Encoder>(e: &mut E) -> Result<(), Error> {
        Self::placeholder().save(e)
    }
    /// [`Plain::save_padding`] for `len` values, as a slice of them travels (a block of
    /// fixed-width integers in the native format, where one value is a varint).
    #[doc(hidden)]
    fn save_padding_slice<E: Encoder>(len: usize, e: &mut E) -> Result<(), Error> {
        let items: Vec<Self> = (0..len).map(|_| Self::placeholder()).collect();
        Self::save_slice(&items, e)
    }
}

/// `Field` and `Plain` for scalars; `$same` says when two values are the same (an
/// immutable field's check).
macro_rules! scalar_field {
    ($same:expr; $($t:ty),*) => {$(
        impl Field for $t {
            const SHAPE: Shape = Shape::Primitive(<$t as Scalar>::PRIMITIVE);
            type Staged = $t;
            #[inline]
            fn placeholder() -> $t { <$t>::default() }
            #[inline]
            fn placeholder_array<const N: usize>() -> [$t; N] { [<$t>::default(); N] }
            #[inline]
            fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
                e.scalar(*self);
                Ok(())
            }
            #[inline]
            fn load<D: Decoder>(&self, d: &mut D) -> Result<$t, Error> { d.scalar() }
            #[inline]
            fn matches(&self, staged: &$t) -> bool { ($same)(self, staged) }
            fn difference(&self, staged: &$t) -> Difference { Difference::values(staged, self) }
            #[inline]
            fn commit(&mut self, staged: &mut $t) { core::mem::swap(self, staged) }
            #[inline]
            fn save_slice<E: Encoder>(items: &[Self], e: &mut E) -> Result<(), Error> {
                e.block(items);
                Ok(())
            }
            #[inline]
            fn load_slice<D: Decoder>(_: &[Self], out: &mut [$t], d: &mut D) -> Result<(), Error> {
                d.block(out)
            }
            #[inline]
            fn commit_slice(items: &mut [Self], staged: &mut [$t]) { items.swap_with_slice(staged) }
            fn undo_copy(&self) -> Option<Self> { Some(*self) }
        }
        impl Plain for $t {
            #[inline]
            fn load_fresh_slice<D: Decoder>(out: &mut [$t], d: &mut D) -> Result<(), Error> {
                d.block(out)
            }
            #[inline]
            fn load_vec<D: Decoder>(len: usize, d: &mut D) -> Result<Vec<$t>, Error> {
                d.block_vec(len)
            }
            // What `Removed<$t>` reads: a removed bool's byte means nothing, so any byte is
            // taken (as QEMU's `VMSTATE_UNUSED` takes it and a removed enum takes any integer).
            fn skip<D: Decoder>(d: &mut D) -> Result<(), Error> {
                match <$t as Scalar>::PRIMITIVE {
                    crate::Primitive::Bool => d.scalar::<u8>().map(drop),
                    _ => d.scalar::<$t>().map(drop),
                }
            }
            fn skip_slice<D: Decoder>(len: usize, d: &mut D) -> Result<(), Error> {
                match <$t as Scalar>::PRIMITIVE {
                    crate::Primitive::Bool => d.block_vec::<u8>(len).map(drop),
                    _ => d.block_vec::<$t>(len).map(drop),
                }
            }
            fn same_slices(a: &[$t], b: &[$t]) -> bool {
                match <$t as Scalar>::PRIMITIVE {
                    // By their bits, as `matches` compares them.
                    crate::Primitive::F32 | crate::Primitive::F64 => {
                        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| ($same)(x, y))
                    }
                    // `==` is `matches` for the others: one comparison of the whole slices.
                    _ => a == b,
                }
            }
        }
    )*};
}

scalar_field!(|a: &Self, b: &Self| a == b; bool, u8, u16, u32, u64, u128, i8, i16, i32, i64, i128);
// Floats by their bits: a NaN is then the same as itself, and -0.0 differs from 0.0, as on the
// wire.
scalar_field!(|a: &Self, b: &Self| a.to_bits() == b.to_bits(); f32, f64);

impl<T: Field, const N: usize> Field for [T; N] {
    const SHAPE: Shape = Shape::Array {
        elem: &T::SHAPE,
        len: N,
    };
    type Staged = [T::Staged; N];
    #[inline]
    fn placeholder() -> Self::Staged {
        T::placeholder_array::<N>()
    }
    #[inline]
    fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        T::save_slice(self, e)
    }
    #[inline]
    fn load<D: Decoder>(&self, d: &mut D) -> Result<Self::Staged, Error> {
        let mut out = Self::placeholder();
        self.load_into(d, &mut out)?;
        Ok(out)
    }
    #[inline]
    fn load_into<D: Decoder>(&self, d: &mut D, out: &mut Self::Staged) -> Result<(), Error> {
        T::load_slice(self, out, d)
    }
    fn boxed_placeholder() -> Box<Self::Staged> {
        let items: Box<[T::Staged]> = (0..N).map(|_| T::placeholder()).collect();
        match items.try_into() {
            Ok(array) => array,
            Err(_) => unreachable!("{N} elements were collected"),
        }
    }
    fn undo_copy(&self) -> Option<Self> {
        let items: Vec<T> = self.iter().map(T::undo_copy).collect::<Option<_>>()?;
        items.try_into().ok()
    }
    fn undo_copy_boxed(&self) -> Option<Box<Self>> {
        let items: Box<[T]> = self.iter().map(T::undo_copy).collect::<Option<_>>()?;
        items.try_into().ok()
    }
    const AFTER_COMMIT: bool = T::AFTER_COMMIT;
    #[inline]
    fn stage_kept_copies(&self, staged: &mut Self::Staged) {
        for (item, s) in self.iter().zip(staged.iter_mut()) {
            item.stage_kept_copies(s);
        }
    }
    #[inline]
    fn restore_kept(&mut self, staged: &mut Self::Staged) {
        for (item, s) in self.iter_mut().zip(staged.iter_mut()) {
            item.restore_kept(s);
        }
    }
    fn matches(&self, staged: &Self::Staged) -> bool {
        self.iter().zip(staged).all(|(a, b)| a.matches(b))
    }
    fn difference(&self, staged: &Self::Staged) -> Difference {
        first_difference(self, staged)
    }
    #[inline]
    fn commit(&mut self, staged: &mut Self::Staged) {
        T::commit_slice(self, staged)
    }
    fn pre_commit(&mut self, staged: &Self::Staged) -> Result<(), Error> {
        for (i, (item, s)) in self.iter_mut().zip(staged).enumerate() {
            item.pre_commit(s).map_err(|e| e.in_index(i))?;
        }
        Ok(())
    }
    const VALIDATES: bool = T::VALIDATES;
    fn check_committed(&self, staged: &Self::Staged) -> Result<(), Error> {
        for (i, (item, s)) in self.iter().zip(staged).enumerate() {
            item.check_committed(s).map_err(|e| e.in_index(i))?;
        }
        Ok(())
    }
    fn post_commit(&mut self, staged: &Self::Staged) -> Result<(), Error> {
        // Every element's derived functions and `post_load` run, the first error returned, as
        // a struct's nested steps do: undoing a failed load runs them all again over the
        // restored values, so none keeps state computed from the refused input.
        let mut result = Ok(());
        for (i, (item, s)) in self.iter_mut().zip(staged).enumerate() {
            let step = item.post_commit(s).map_err(|e| e.in_index(i));
            crate::__private::keep_first(&mut result, step);
        }
        result
    }
}

impl<T: Plain, const N: usize> Plain for [T; N]
where
    [T; N]: Field<Staged = [T; N]>,
{
    const MIN_WIRE_BYTES: usize = N.saturating_mul(T::MIN_WIRE_BYTES);
    fn skip<D: Decoder>(d: &mut D) -> Result<(), Error> {
        T::skip_slice(N, d)
    }
    fn skip_slice<D: Decoder>(len: usize, d: &mut D) -> Result<(), Error> {
        (0..len).try_for_each(|i| T::skip_slice(N, d).map_err(|e| e.in_index(i)))
    }
    // As the array's values travel: one slice of `N` elements.
    fn save_padding<E: Encoder>(e: &mut E) -> Result<(), Error> {
        T::save_padding_slice(N, e)
    }
    fn save_padding_slice<E: Encoder>(len: usize, e: &mut E) -> Result<(), Error> {
        (0..len).try_for_each(|_| T::save_padding_slice(N, e))
    }
}

/// Where an immutable value differs from the input's: the path below the value to the
/// innermost part that differs and, where that part prints, both versions of it.
#[doc(hidden)]
pub struct Difference {
    /// Innermost step first, as in [`Error`]'s path.
    path: Vec<Step>,
    /// The input's version and the destination's, if the part prints.
    values: Option<(String, String)>,
}

enum Step {
    Field(&'static str),
    Index(usize),
}

impl Difference {
    /// The differing part prints: the input has `stream`, the destination `destination`.
    pub fn values(stream: &dyn core::fmt::Debug, destination: &dyn core::fmt::Debug) -> Self {
        let values = Some((format!("{stream:?}"), format!("{destination:?}")));
        Difference {
            path: Vec::new(),
            values,
        }
    }

    /// The part differs, and cannot say how.
    pub fn unprintable() -> Self {
        Difference {
            path: Vec::new(),
            values: None,
        }
    }

    /// Prefixes the path with a field name.
    pub fn in_field(mut self, name: &'static str) -> Self {
        self.path.push(Step::Field(name));
        self
    }

    /// Prefixes the path with an element index.
    pub fn in_index(mut self, index: usize) -> Self {
        self.path.push(Step::Index(index));
        self
    }

    /// Adds `by` to the outermost index: the difference was found in a part of a sequence
    /// that starts at element `by`.
    pub(crate) fn shift_index(mut self, by: usize) -> Self {
        if let Some(Step::Index(i)) = self.path.last_mut() {
            *i += by;
        }
        self
    }

    /// The load error at byte `offset` (where the whole value starts). A part that does not
    /// print is described by the whole values (`stream`, `destination`), and the path stops
    /// at them.
    #[cold]
    pub fn into_error(
        self,
        stream: &dyn core::fmt::Debug,
        destination: &dyn core::fmt::Debug,
        offset: usize,
    ) -> Error {
        self.into_mismatch(stream, destination, offset, false)
    }

    /// As [`Difference::into_error`], for an `equal` field ([`ErrorKind::EqualMismatch`](crate::ErrorKind::EqualMismatch)).
    #[cold]
    pub fn into_equal_error(
        self,
        stream: &dyn core::fmt::Debug,
        destination: &dyn core::fmt::Debug,
        offset: usize,
    ) -> Error {
        self.into_mismatch(stream, destination, offset, true)
    }

    fn into_mismatch(
        self,
        stream: &dyn core::fmt::Debug,
        destination: &dyn core::fmt::Debug,
        offset: usize,
        equal: bool,
    ) -> Error {
        let (path, (stream, destination)) = match self.values {
            Some(values) => (self.path, values),
            None => (
                Vec::new(),
                (format!("{stream:?}"), format!("{destination:?}")),
            ),
        };
        let kind = if equal {
            crate::ErrorKind::EqualMismatch {
                stream,
                destination,
            }
        } else {
            crate::ErrorKind::ImmutableMismatch {
                stream,
                destination,
            }
        };
        (path.into_iter()).fold(Error::at(kind, offset), |e, step| match step {
            Step::Field(name) => e.in_field(name),
            Step::Index(i) => e.in_index(i),
        })
    }
}

/// The first element of `current` that differs from its staged counterpart, named by index.
fn first_difference<T: Field>(current: &[T], staged: &[T::Staged]) -> Difference {
    match current.iter().zip(staged).position(|(a, b)| !a.matches(b)) {
        Some(i) => current[i].difference(&staged[i]).in_index(i),
        None => Difference::unprintable(),
    }
}

/// `Bounded`, `Count` and `WireCount` (in `count`) are implemented in this crate only: their
/// hidden items are how the generated code uses them, and may change.
pub(crate) mod sealed {
    pub trait Sealed {}
    impl<const N: usize> Sealed for [u8; N] {}
    impl<const N: usize> Sealed for Box<[u8; N]> {}
    impl<T> Sealed for Vec<T> {}
    impl<T> Sealed for Box<[T]> {}
    impl<T> Sealed for std::collections::VecDeque<T> {}
    impl Sealed for String {}
    impl<T> Sealed for core::cell::Cell<T> {}
    impl Sealed for usize {}
}

/// A byte array that `#[vmstate(buffer)]` may describe as QEMU's `VMSTATE_BUFFER`: one
/// element of `N` bytes rather than `N` one-byte elements (the same bytes on both wires).
/// Sealed: `[u8; N]` and `Box<[u8; N]>`.
///
/// ```
/// use vmstate_core::{schema::Desc, VmState};
///
/// #[derive(VmState)]
/// #[vmstate(name = "ps2")]
/// struct Queue {
///     #[vmstate(buffer)]
///     data: [u8; 256],
///     ids: [u8; 4],
/// }
/// let desc = Desc::from_description(Queue::DESCRIPTION);
/// assert_eq!((desc.fields[0].size, desc.fields[0].array_len), (256, None));
/// assert_eq!((desc.fields[1].size, desc.fields[1].array_len), (1, Some(4)));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a byte array",
    label = "`buffer` describes a `[u8; N]` as QEMU's `VMSTATE_BUFFER`"
)]
pub trait ByteBuffer: Field + sealed::Sealed {}

impl<const N: usize> ByteBuffer for [u8; N] {}
impl<const N: usize> ByteBuffer for Box<[u8; N]> {}

/// A staged value that the input may lack: a field present only from a version on
/// (`since`), a subsection, a field behind an `exists` test.
#[doc(hidden)]
pub enum Optional<S, T> {
    /// The input carried it.
    Loaded(S),
    /// The input lacked it: the destination keeps its value (a type that cannot copy
    /// itself; else see [`Optional::KeptCopy`]).
    Keep,
    /// The input lacked it: the field's `default` replaces the destination's value (after the
    /// commit's swap, this holds the previous value).
    Replace(T),
    /// The input lacked it: the destination keeps its value, untouched by the commit, and
    /// this copy of it ([`Field::undo_copy`], taken after `pre_load` by
    /// [`Field::stage_kept_copies`]) replaces whatever a failed load's `post_load` wrote over
    /// it when the commit is undone ([`Field::restore_kept`]). No hooks run for it.
    KeptCopy(T),
}

impl<S, T> Optional<S, T> {
    /// Whether the input carried the value.
    pub fn is_loaded(&self) -> bool {
        matches!(self, Optional::Loaded(_))
    }
}

/// A field that a `fn(&Self)` hook updates, typically `pre_save` filling a value computed
/// at save time (QEMU's pattern of a shadow field written by `pre_save`).
///
/// ```
/// use std::cell::Cell;
/// use vmstate_core::VmState;
///
/// #[derive(VmState)]
/// #[vmstate(pre_save = "Self::snapshot")]
/// struct Counter {
///     saved_ticks: Cell<u32>,
///     #[vmstate(skip)]
///     live_ticks: u32,
/// }
/// impl Counter {
///     fn snapshot(&self) { self.saved_ticks.set(self.live_ticks) }
/// }
/// let c = Counter { saved_ticks: Cell::new(0), live_ticks: 9 };
/// assert_eq!(vmstate_core::qemu::to_bytes(&c).unwrap(), [0, 0, 0, 9]);
/// ```
impl<T: Plain + Copy> Field for core::cell::Cell<T> {
    const SHAPE: Shape = T::SHAPE;
    type Staged = T;
    fn placeholder() -> T {
        T::placeholder()
    }
    fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        self.get().save(e)
    }
    fn load<D: Decoder>(&self, d: &mut D) -> Result<T, Error> {
        self.get().load(d)
    }
    fn matches(&self, staged: &T) -> bool {
        self.get().matches(staged)
    }
    fn difference(&self, staged: &T) -> Difference {
        self.get().difference(staged)
    }
    fn commit(&mut self, staged: &mut T) {
        core::mem::swap(self.get_mut(), staged)
    }
    fn undo_copy(&self) -> Option<Self> {
        Some(core::cell::Cell::new(self.get()))
    }
    // An array of cells travels as the array of values (a block of fixed-width integers in
    // the native format, as the description says; it was one varint per element).
    // The values are copied out in pieces on the stack, not into a `Vec` at each save; a
    // slice's wire form is its pieces' one after the other.
    fn save_slice<E: Encoder>(items: &[Self], e: &mut E) -> Result<(), Error> {
        const PIECE: usize = 64;
        let Some(first) = items.first() else {
            return T::save_slice(&[], e);
        };
        // An error names the element of the whole array, not of its piece.
        if core::mem::size_of::<T>() > 16 {
            // A wide value: 64 of them would take too much stack; one at a time.
            return (items.iter().enumerate())
                .try_for_each(|(i, c)| T::save_slice(&[c.get()], e).map_err(|x| x.of_element(i)));
        }
        let mut piece = [first.get(); PIECE];
        for (n, cells) in items.chunks(PIECE).enumerate() {
            for (value, cell) in piece.iter_mut().zip(cells) {
                *value = cell.get();
            }
            T::save_slice(&piece[..cells.len()], e).map_err(|x| x.of_piece(n * PIECE))?;
        }
        Ok(())
    }
    fn load_slice<D: Decoder>(_: &[Self], out: &mut [T], d: &mut D) -> Result<(), Error> {
        T::load_fresh_slice(out, d)
    }
}

/// A boxed value travels as the value itself, as serde treats it: a `Box<[u8; 4096]>` is a
/// `[u8; 4096]` on both wires and in the description, a boxed nested struct is that struct
/// (a subsection too). A boxed *slice*, `Box<[T]>`, is a sequence instead and needs
/// `max_len` (see [`Bounded`]). The load stages a new box and swaps its contents in; a boxed
/// array is staged on the heap, so box a large array field (an unboxed one is staged on the
/// stack, inside its struct's staged value).
///
/// ```
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Debug, Default, PartialEq)]
/// #[vmstate(name = "regs")]
/// struct Regs { ctrl: u32 }
///
/// #[derive(VmState, Debug, PartialEq)]
/// #[vmstate(name = "nic")]
/// struct Nic { regs: Box<Regs>, rom: Box<[u8; 8]> }
///
/// let nic = Nic { regs: Box::new(Regs { ctrl: 5 }), rom: Box::new([1; 8]) };
/// let bytes = vmstate_core::qemu::to_bytes(&nic).unwrap();
/// assert_eq!(bytes, [0, 0, 0, 5, 1, 1, 1, 1, 1, 1, 1, 1]);
/// let mut back = Nic { regs: Box::default(), rom: Box::new([0; 8]) };
/// vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
/// assert_eq!(back, nic);
/// ```
impl<T: Field> Field for Box<T> {
    const SHAPE: Shape = T::SHAPE;
    type Staged = Box<T::Staged>;
    fn placeholder() -> Box<T::Staged> {
        T::boxed_placeholder()
    }
    #[inline]
    fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        (**self).save(e)
    }
    #[inline]
    fn load<D: Decoder>(&self, d: &mut D) -> Result<Box<T::Staged>, Error> {
        (**self).load_boxed(d)
    }
    #[inline]
    fn load_into<D: Decoder>(&self, d: &mut D, out: &mut Box<T::Staged>) -> Result<(), Error> {
        (**self).load_into(d, out)
    }
    fn matches(&self, staged: &Box<T::Staged>) -> bool {
        (**self).matches(staged)
    }
    fn difference(&self, staged: &Box<T::Staged>) -> Difference {
        (**self).difference(staged)
    }
    fn commit(&mut self, staged: &mut Box<T::Staged>) {
        (**self).commit(staged)
    }
    fn pre_commit(&mut self, staged: &Box<T::Staged>) -> Result<(), Error> {
        (**self).pre_commit(staged)
    }
    const VALIDATES: bool = T::VALIDATES;
    fn check_committed(&self, staged: &Box<T::Staged>) -> Result<(), Error> {
        (**self).check_committed(staged)
    }
    fn post_commit(&mut self, staged: &Box<T::Staged>) -> Result<(), Error> {
        (**self).post_commit(staged)
    }
    fn undo_copy(&self) -> Option<Self> {
        (**self).undo_copy_boxed()
    }
    #[inline]
    fn stage_kept_copies(&self, staged: &mut Box<T::Staged>) {
        (**self).stage_kept_copies(staged)
    }
    const AFTER_COMMIT: bool = T::AFTER_COMMIT;
    #[inline]
    fn restore_kept(&mut self, staged: &mut Box<T::Staged>) {
        (**self).restore_kept(staged)
    }
}

impl<T: crate::VmState> crate::VmState for Box<T> {
    const DESCRIPTION: &'static crate::Description = T::DESCRIPTION;
    fn load_version<D: Decoder>(&self, d: &mut D, version: u32) -> Result<Box<T::Staged>, Error> {
        let mut out = T::boxed_placeholder();
        (**self).load_version_into(d, version, &mut out)?;
        Ok(out)
    }
    fn load_version_into<D: Decoder>(
        &self,
        d: &mut D,
        version: u32,
        out: &mut Box<T::Staged>,
    ) -> Result<(), Error> {
        (**self).load_version_into(d, version, out)
    }
}
