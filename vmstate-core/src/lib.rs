//! Migratable device state for virtual machine monitors.
//!
//! Annotate a device struct with `#[derive(VmState)]` and get a static description of every
//! field ([`VmState::DESCRIPTION`]), save/load code for two wire formats (this crate's
//! checksummed native sections, and QEMU's VMState format), and compile-time rejection of
//! incomplete descriptions: a derived field that nothing recomputes, a hook with the wrong
//! signature, a field type that cannot migrate.
//!
//! ```
//! use vmstate_core::VmState;
//!
//! #[derive(VmState, Debug)]
//! #[vmstate(name = "integratorcm", version = 1, post_load = "Self::after_load")]
//! struct CoreModule {
//!     #[vmstate(immutable)]
//!     memsz: u32,                  // configuration, fixed at creation
//!     #[vmstate(derived = "Self::update_mappings")]
//!     flash_mapped: bool,          // recomputed after a load, never sent
//!     cm_ctrl: u32,                // migrated (the default)
//!     #[vmstate(skip)]
//!     refcnt_offset: u32,          // host-side bookkeeping
//! }
//!
//! impl CoreModule {
//!     fn update_mappings(&mut self) {
//!         self.flash_mapped = self.cm_ctrl & 4 == 0;
//!     }
//!     fn after_load(&mut self) -> Result<(), std::io::Error> {
//!         Ok(())
//!     }
//! }
//!
//! let src = CoreModule { memsz: 32, flash_mapped: false, cm_ctrl: 4, refcnt_offset: 7 };
//! let bytes = vmstate_core::to_bytes(&src).unwrap();
//!
//! let mut dst = CoreModule { memsz: 32, flash_mapped: true, cm_ctrl: 0, refcnt_offset: 9 };
//! vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
//! assert_eq!(dst.cm_ctrl, 4);
//! assert!(!dst.flash_mapped);       // recomputed by update_mappings
//! assert_eq!(dst.refcnt_offset, 9); // skipped: the destination keeps its own
//! ```
//!
//! Loads are atomic: a load decodes the whole section into staged values, checks it, and only
//! then swaps the staged values in. If anything fails the destination's migrated state is
//! left as it was (see [`Field`] for how this works without `Clone`); what hooks do beyond it
//! stays (a `pre_load` hook's own changes; derived functions and `post_load` hooks run over
//! the restored values again when a later `post_load` fails).
//!
//! On load the hooks run in this order: each field's `validate` and `range` as its value is
//! decoded (and the hooks of `Vec` elements, as each new element is built); once the whole
//! input is decoded, the container `validate` functions on the would-be state (nested structs
//! first); `pre_load` (the outer struct first, on the old state); the commit; then derived
//! functions (each once, in field order) and `post_load`, nested structs first. A save runs
//! `pre_save` before writing the fields, the outer struct first.
// `unsafe` only in `simd`, to run conversion loops with AVX2, and in `crc_copy`, to copy and
// checksum a block in one pass with AVX-512 (see there).
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod checksum;
mod count;
mod crc_copy;
mod describe;
mod error;
mod field;
pub mod machine;
mod native;
pub mod qemu;
mod simd;
mod wire;
mod wrappers;

pub use count::{Count, WireCount};
pub use describe::{Description, FieldDesc, FieldKind, Hooks, Primitive, Shape};
pub use error::{Error, ErrorKind};
pub use field::{load_new, Bounded, ByteBuffer, Element, Field, Optional, Plain, Removed, Unused};
pub mod schema;
pub use native::{
    check_section, from_bytes, from_bytes_at, load_section, read_frame, save_section, to_bytes,
    SectionFrame,
};
pub use wire::{Decoder, Encoder, NativeDecoder, NativeEncoder, QemuDecoder, QemuEncoder, Scalar};

/// Derives [`VmState`] and [`Field`] for a struct with named fields, and [`Field`] (with
/// [`Plain`]) for a fieldless enum (see [Enums](#enums)).
///
/// Container attributes (`#[vmstate(...)]` on the struct):
///
/// | key | meaning | default |
/// |---|---|---|
/// | `name = "..."` | section name | the type's name in snake_case, acronyms whole (`PL031`: `pl031`) |
/// | `version = N` | version written (0 too, as QEMU's `vmstate_clock`) | 1 |
/// | `minimum_version = N` | oldest version loaded (<= version) | `version` |
/// | `pre_save = "path"` | `fn(&Self)` run before saving (fills `Cell` fields) | none |
/// | `pre_load = "path"` | `fn(&mut Self)` once the input is decoded, before the commit (what it changes stays if a later step fails) | none |
/// | `post_load = "path"` | `fn(&mut Self)`, or `fn(&mut Self, u32)` to receive the loaded version ([`PostLoadFn`]), run after a load, after the derived functions | none |
/// | `validate = "path"` | `fn(&Self) -> Result<(), E>` on the loaded state, derived fields not yet recomputed; a failure undoes the load | none |
/// | `crate = "path"` | path of this crate if renamed (without it, a renamed crate is one `unresolved import vmstate_core` at the derive) | `::vmstate_core` |
///
/// Field attributes:
///
/// | key | meaning |
/// |---|---|
/// | (none) | migrated |
/// | `name = "..."` | the field's name in the description, schemas and error paths, never on a wire (default: the identifier without `r#`): keeps a renamed Rust field's name, or takes QEMU's (`reg.compare`); fields migrated on QEMU's wire may share one, as QEMU's do (PCI's two `config`, e1000's three `mac_reg` parts: decoded states list them `mac_reg[0]`, `mac_reg[1]`, ..., as QEMU's vmdesc does, padding apart), but not a field that holds a sequence's length (`len`), nor one on no wire or on the native one only; names print on one line, and a field on a wire is not `subsections` |
/// | `derived = "path"` | not sent; `fn(&mut Self)` recomputes it after a load |
/// | `derived` | not sent; the container's `post_load` recomputes it (required) |
/// | `derived_by_owner` | not sent; the struct holding this one recomputes it (`derives`); a struct loaded on its own keeps the destination's value |
/// | `derives = "path"` | on a nested struct field: `fn(&mut Self)` that recomputes its owner-derived fields (a compile error on a type without any) |
/// | `immutable` | configuration: never overwritten; a differing value fails the load |
/// | `equal` | migrated on both wires, and a loaded value other than the destination's fails the load ([`ErrorKind::EqualMismatch`], naming the part that differs as for an immutable field): QEMU's `VMSTATE_*_EQUAL`, configuration that QEMU's wire carries (`num_irq`); not with `default`, nor in a `Vec` element, nor on padding |
/// | `skip` | not migrated (still described) |
/// | `buffer` | on a `[u8; N]` ([`ByteBuffer`]): described as QEMU's `VMSTATE_BUFFER`, one element of N bytes (schemas: `size` N, type `buffer`), where a plain `[u8; N]` is QEMU's `VMSTATE_UINT8_ARRAY`, N one-byte elements; the same bytes on both wires, so `vmstate check` takes either against either (not a 2-, 4- or 8-byte one in a schema without types, which may be words there), but QEMU's own checker tells them apart |
/// | `max_len = N` | required on `Vec<T>`, `Box<[T]>`, `String`: longest accepted (at least 1); an integer literal, or a `usize` constant's path (a const parameter, a constant item, `Self::DEPTH`) |
/// | `len = "field"` | with `max_len`: the sequence's length is the value of `field`, an integer field of the struct ([`WireCount`] when migrated, [`Count`] when skipped: also `usize`) declared before it (migrated: the loaded value; immutable: the destination's) or skipped (the destination's; not in a `Vec` element), and it travels with no length of its own: QEMU's `VMSTATE_VARRAY_*`/`VBUFFER_*`; a save refuses a sequence of another length, a load a negative count or one above `max_len`; several sequences may share a count |
/// | `since = N` | on the wire from section version N; older input keeps the destination's value |
/// | `default = "path"` | `fn() -> T` for when the input lacks the field (with `since`, `subsection`, `exists`; refused with a `since` not above `minimum_version`, whose streams all carry the field); a bare `default`, as serde's, is the type's `Default::default` (a type naming a type parameter is then bounded `Default`; refused on a sequence whose length another field holds); its value is held to the field's `max_len`, `len`, `validate` and `range` (a value they refuse fails the load as the function's error); a nested struct from it has its derived functions and `post_load` run, and those of the structs always sent inside it (not of its optional or `Vec`-element ones); refused on a type holding `immutable`/`equal` fields or a length held by a skipped field |
/// | `subsection` | a nested struct sent as a QEMU subsection; its name must start with its parent's and be longer, QEMU's rule (`parent/...` as most of QEMU's, or `parent_virt_state`), and differ from the other subsections' |
/// | `needed = "path"` | with `subsection`: `fn(&Self) -> bool`, whether it is sent |
/// | `exists = "path"` | `fn(&Self, u32) -> bool`, QEMU's `field_exists`, or `fn(u32) -> bool` on the version alone ([`ExistsFn`]): the fragile last resort. On load it sees the destination before the load (not the fields read so far, as QEMU's does): base it on the version or shared configuration, never on a migrated field |
/// | `validate = "path"` | `fn(&T) -> Result<(), E>`, or `fn(T)` for a `Copy` value ([`ValidateFn`]), on the value as it is decoded |
/// | `range = "a..=b"` | the value as it is decoded must lie in the range; on an array, a range of elements bounds every element, one written with array bounds (`..[0x80, 0, 0, 0]`) compares whole arrays; `..` and bounds reading `self` are compile errors |
///
/// Padding ([`Unused`], [`Removed`]) is on both wires and loads nothing: it takes only `name`,
/// `since` and `exists`.
///
/// Names starting with `__vmstate` are the generated code's: field identifiers so named,
/// and (in any case) generic parameters, first segments of paths in migrated fields' types,
/// bounds, hook paths and ranges, and hook functions so named are refused, as are hooks named
/// `Self::pre_commit`, `check_committed` or `post_commit`; statics so named in scope would
/// clash with the generated code's bindings.
///
/// ```
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Default)]
/// #[vmstate(name = "ssp/dma", version = 1)]
/// struct Dma { burst: u8 }
///
/// #[derive(VmState, Default)]
/// #[vmstate(name = "ssp", version = 2, minimum_version = 1)]
/// struct Ssp {
///     #[vmstate(range = "0..8")]
///     head: i32,
///     #[vmstate(since = 2, default = "Self::default_prescale")]
///     prescale: u8,
///     #[vmstate(subsection, needed = "Self::dma_used")]
///     dma: Dma,
/// }
/// impl Ssp {
///     fn default_prescale() -> u8 { 2 }
///     fn dma_used(&self) -> bool { self.dma.burst != 0 }
/// }
///
/// let mut ssp = Ssp::default();
/// // A version-1 stream (head only): prescale gets its default.
/// vmstate_core::qemu::from_bytes(&mut ssp, &[0, 0, 0, 3], 1, 0).unwrap();
/// assert_eq!((ssp.head, ssp.prescale), (3, 2));
/// // An out-of-range head is refused before anything changes.
/// assert!(vmstate_core::qemu::from_bytes(&mut ssp, &[0, 0, 0, 9, 1], 2, 0).is_err());
/// assert_eq!(ssp.head, 3);
/// ```
///
/// Hooks return `()` or `Result<(), E>` with `E: std::error::Error + Send + Sync + 'static`.
///
/// # Enums
///
/// A fieldless enum with an integer `repr` (`u8` to `u128`, `i8` to `i128`) is a field type:
/// it travels as its discriminant at that width, exactly as the integer would (QEMU migrates
/// such state as a plain integer, and a field can turn from the integer into the enum without
/// a format change), and a value that names no variant fails the load with the variants
/// listed. It goes wherever a primitive does: arrays, `Vec`s, `immutable`, `range` (with
/// `PartialOrd`). It is not a section, so it takes no container key but `crate`. Its
/// description ([`Shape::Enum`]) lists the variants, so the schema checker reports a removed
/// variant. An enum with data implements [`Field`] by hand.
///
/// ```
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Debug, Clone, Copy, PartialEq)]
/// #[repr(u8)]
/// enum Trigger { Level = 0, Edge = 1 }
///
/// #[derive(VmState, Debug, PartialEq)]
/// #[vmstate(name = "irq")]
/// struct Irq { trigger: Trigger, line: u8 }
///
/// let irq = Irq { trigger: Trigger::Edge, line: 3 };
/// assert_eq!(vmstate_core::qemu::to_bytes(&irq).unwrap(), [1, 3]);
/// let mut dst = Irq { trigger: Trigger::Level, line: 0 };
/// let err = vmstate_core::qemu::from_bytes(&mut dst, &[2, 3], 1, 0).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "irq.trigger: invalid value: 2 is not a `Trigger` (Level = 0, Edge = 1) (at byte 0)"
/// );
/// ```
pub use vmstate_derive::VmState;

/// A struct with a [`Description`]: what `#[derive(VmState)]` implements, and what the
/// codecs save and load as a section.
///
/// ```
/// use vmstate_core::{Error, VmState};
///
/// // Copies a device's migrated state into another instance through the native format.
/// fn migrate<T: VmState>(src: &T, dst: &mut T) -> Result<(), Error> {
///     vmstate_core::from_bytes(dst, &vmstate_core::to_bytes(src)?)
/// }
///
/// #[derive(VmState)]
/// #[vmstate(name = "rtc")]
/// struct Rtc { lr: u32, #[vmstate(skip)] host_fd: i32 }
///
/// let mut dst = Rtc { lr: 0, host_fd: 4 };
/// migrate(&Rtc { lr: 50, host_fd: 3 }, &mut dst).unwrap();
/// assert_eq!((dst.lr, dst.host_fd), (50, 4));
/// assert_eq!(Rtc::DESCRIPTION.name, "rtc");
/// ```
///
/// # Implementing it by hand
///
/// Rarely needed: a type with an encoding of its own is better a field with a hand-written
/// [`Field`] inside a derived struct (see [`Field`]'s docs), which keeps the section's framing,
/// hooks and checks. A hand-written section must write what the derive would, or schemas and
/// `vmstate inspect` misread it:
/// - [`Field::save`] writes the fields in the order [`VmState::DESCRIPTION`] lists them, then
///   calls [`Encoder::end_subsections`] (the native format marks the end of a struct's
///   subsections with a 0 byte);
/// - [`VmState::load_version`] reads them as written at `version`, then, when
///   [`Decoder::MARKS_SUBSECTION_END`] is true, that 0 byte;
/// - `DESCRIPTION` lists every field ([`FieldDesc::migrated`] builds an entry).
///
/// A test can hold the two together with [`schema::decode`] of a
/// saved section in each format: it fails where the bytes and the description disagree.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `VmState` struct",
    label = "needs to be a struct with `#[derive(VmState)]`",
    note = "a section, a subsection or a nested description is a struct with `#[derive(VmState)]`; a fieldless enum that derives it is a field's type, not one of these"
)]
pub trait VmState: Field {
    /// The static description of every field.
    const DESCRIPTION: &'static Description;

    /// Reads a staged value written with section version `version`.
    fn load_version<D: Decoder>(&self, d: &mut D, version: u32) -> Result<Self::Staged, Error>;

    /// [`VmState::load_version`] into `out`, a staged value already in place (overwritten;
    /// after an error, to be dropped): the derive reads large fields there, so that they
    /// are not copied on the stack at every level of a load.
    #[doc(hidden)]
    #[inline]
    fn load_version_into<D: Decoder>(
        &self,
        d: &mut D,
        version: u32,
        out: &mut Self::Staged,
    ) -> Result<(), Error> {
        *out = self.load_version(d, version)?;
        Ok(())
    }
}

/// Checks that a section written with `version` is one this build loads: within the
/// description's `minimum_version..=version`.
///
/// ```
/// # use vmstate_core::VmState;
/// #[derive(VmState)]
/// #[vmstate(name = "uart", version = 3, minimum_version = 2)]
/// struct Uart { lcr: u8 }
///
/// assert!(vmstate_core::check_version(Uart::DESCRIPTION, 2).is_ok());
/// let err = vmstate_core::check_version(Uart::DESCRIPTION, 4).unwrap_err();
/// assert_eq!(err.to_string(), "version 4 is too new: this build loads versions up to 3");
/// ```
#[inline]
pub fn check_version(d: &Description, version: u32) -> Result<(), Error> {
    check_version_range(version, d.minimum_version, d.version)
}

/// [`check_version`] for a description known by its two versions (a schema's).
pub(crate) fn check_version_range(version: u32, min: u32, max: u32) -> Result<(), Error> {
    if version > max {
        return Err(Error::new(ErrorKind::TooNew { version, max }));
    }
    if version < min {
        return Err(Error::new(ErrorKind::TooOld { version, min }));
    }
    Ok(())
}

/// Decodes a whole struct from `d`, then commits it; on any error `value` is unchanged.
///
/// See [`commit_staged`] for what happens after the decode.
pub(crate) fn load_atomic<T: VmState, D: Decoder>(
    value: &mut T,
    d: &mut D,
    version: u32,
) -> Result<(), Error> {
    let name = T::DESCRIPTION.name;
    // Read in place: a large staged value is not moved (copied) on the way out.
    let mut staged = T::placeholder();
    value
        .load_version_into(d, version, &mut staged)
        .map_err(|e| e.in_field(name))?;
    if d.remaining() != 0 {
        return Err(left_over(d).in_field(name));
    }
    commit_staged(value, &mut staged).map_err(|e| e.in_field(name))
}

/// The error for bytes left after a whole struct. On QEMU's wire a struct takes a subsection
/// header only by its name, so one of a name no struct here knows is left over: that is an
/// unknown subsection (a newer release's, say), not just trailing bytes.
#[cold]
fn left_over<D: Decoder>(d: &mut D) -> Error {
    let (at, count) = (d.offset(), d.remaining());
    if !D::MARKS_SUBSECTION_END && d.peek_u8() == Some(qemu::tag::SUBSECTION) {
        let mark = d.mark();
        let name = d.scalar::<u8>().and_then(|_| d.name());
        d.reset(mark);
        if let Ok(name) = name {
            if !name.is_empty() {
                return Error::at(ErrorKind::UnknownSubsection(name), at);
            }
        }
    }
    Error::at(ErrorKind::TrailingBytes { count }, at)
}

/// Commits a fully decoded value: container validation of the would-be state (undone on
/// failure; derived functions have not run, as they may act outside the struct), then
/// `pre_load`, copies of the values kept for parts the input lacked (when anything runs after
/// the commit; undoing the commit puts them back), the commit, then derived functions and
/// `post_load`, nested structs first. These last steps all run even when one fails (the first error is
/// returned); if one failed, the old values are swapped back and the steps run again over
/// them, all of them whatever fails, so derived state matches the restored registers.
#[inline(always)]
pub(crate) fn commit_staged<T: Field>(value: &mut T, staged: &mut T::Staged) -> Result<(), Error> {
    if T::VALIDATES {
        value.commit(staged);
        let verdict = value.check_committed(staged);
        value.commit(staged);
        verdict?;
    }
    value.pre_commit(staged)?;
    if T::AFTER_COMMIT {
        value.stage_kept_copies(staged);
    }
    value.commit(staged);
    if let Err(e) = value.post_commit(staged) {
        undo_commit(value, staged);
        return Err(e);
    }
    Ok(())
}

/// Undoes a commit of [`commit_staged`], whose `staged` now holds the values from before:
/// swaps them back, puts back the copies kept for parts the input lacked, and runs the derived
/// functions and `post_load` again over the restored state (all of them, whatever fails: there
/// is nothing left to undo), so that derived state matches the restored registers.
pub(crate) fn undo_commit<T: Field>(value: &mut T, staged: &mut T::Staged) {
    value.commit(staged);
    value.restore_kept(staged);
    let _ = value.post_commit(staged);
}

/// What a hook may return: `()` or `Result<(), E>` with a `std::error::Error` `E`.
///
/// `Box<dyn Error + Send + Sync>` is not such an `E` (std does not implement `Error` for it;
/// rustc then says that `dyn Error` has no known size): wrap it, for instance with
/// `std::io::Error::other`.
///
/// ```
/// use vmstate_core::VmState;
/// #[derive(VmState)]
/// #[vmstate(post_load = "Self::after_load")]
/// struct Uart { lcr: u8 }
/// impl Uart {
///     fn after_load(&mut self) -> Result<(), std::io::Error> {
///         let checked: Result<(), Box<dyn std::error::Error + Send + Sync>> = Ok(());
///         checked.map_err(std::io::Error::other)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "a vmstate hook must return `()` or `Result<(), E>` where `E: std::error::Error + Send + Sync + 'static`, not `{Self}`"
)]
pub trait HookOutput {
    /// Converts the hook's return value.
    fn into_hook_result(self) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>>;
}

impl HookOutput for () {
    #[inline]
    fn into_hook_result(self) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        Ok(())
    }
}

impl<E: std::error::Error + Send + Sync + 'static> HookOutput for Result<(), E> {
    #[inline]
    fn into_hook_result(self) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        self.map_err(|e| Box::new(e) as _)
    }
}

/// What a `post_load` hook may be: `fn(&mut T)`, or `fn(&mut T, u32)` to receive the version
/// of the state just loaded, as QEMU's `post_load(opaque, version_id)` does. Either returns
/// `()` or `Result<(), E>` ([`HookOutput`]). Implemented for every such function, and sealed:
/// the `Args` parameter only tells the two forms apart.
///
/// The version is the section's for the struct a stream's section holds, the subsection's for
/// a subsection, and the description's own `version` for a nested struct (as QEMU's
/// `VMSTATE_STRUCT` passes it) and for a value a field's `default` supplied. When a load is
/// undone and the hooks run again over the device's previous state, they receive the
/// description's own `version` too: that state is this build's.
///
/// ```
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Default)]
/// #[vmstate(name = "timer", version = 2, minimum_version = 1, post_load = "Self::after_load")]
/// struct Timer {
///     /// Ticks of 1 MHz; version 1 sent ticks of 1 kHz.
///     count: u32,
/// }
///
/// impl Timer {
///     fn after_load(&mut self, version: u32) {
///         if version < 2 {
///             self.count = self.count.saturating_mul(1000);
///         }
///     }
/// }
///
/// #[derive(VmState)]
/// #[vmstate(name = "timer", version = 1)]
/// struct TimerV1 { count: u32 }
///
/// let old = vmstate_core::to_bytes(&TimerV1 { count: 3 })?;
/// let mut timer = Timer::default();
/// vmstate_core::from_bytes(&mut timer, &old)?;
/// assert_eq!(timer.count, 3000);
///
/// let new = vmstate_core::to_bytes(&Timer { count: 5 })?;
/// vmstate_core::from_bytes(&mut timer, &new)?;
/// assert_eq!(timer.count, 5);
/// # Ok::<(), vmstate_core::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `post_load` hook of `{T}`",
    label = "expected `fn(&mut {T})`, or `fn(&mut {T}, u32)` to receive the loaded version",
    note = "a `post_load` hook takes `&mut {T}`, and may take the version of the loaded state as a `u32` (QEMU's `version_id`)",
    note = "a function whose lifetime parameters appear in bounds or where clauses is not general enough to be one: write it without them"
)]
pub trait PostLoadFn<T: ?Sized, Args>: post_load_fn::Sealed<T, Args> {
    /// What the hook returns.
    type Output;
    /// Calls the hook, with `version` when it takes one.
    fn call(self, target: &mut T, version: u32) -> Self::Output;
}

/// Only the two forms of hook are `PostLoadFn`s: the trait is not for other types to implement.
mod post_load_fn {
    pub trait Sealed<T: ?Sized, Args> {}
    impl<T: ?Sized, R, F: FnOnce(&mut T) -> R> Sealed<T, fn(&mut T) -> R> for F {}
    impl<T: ?Sized, R, F: FnOnce(&mut T, u32) -> R> Sealed<T, fn(&mut T, u32) -> R> for F {}
}

impl<T: ?Sized, R, F: FnOnce(&mut T) -> R> PostLoadFn<T, fn(&mut T) -> R> for F {
    type Output = R;
    #[inline(always)]
    fn call(self, target: &mut T, _version: u32) -> R {
        self(target)
    }
}

impl<T: ?Sized, R, F: FnOnce(&mut T, u32) -> R> PostLoadFn<T, fn(&mut T, u32) -> R> for F {
    type Output = R;
    #[inline(always)]
    fn call(self, target: &mut T, version: u32) -> R {
        self(target, version)
    }
}

/// What a field's `validate` function may be: `fn(&T)`, or `fn(T)` for a value that is
/// `Copy` (a register, an enum: clippy's `trivially_copy_pass_by_ref` asks small ones be taken
/// by value). Either returns `()` or `Result<(), E>` ([`HookOutput`]). Implemented for every
/// such function, and sealed: the `Args` parameter only tells the two forms apart.
///
/// ```
/// use vmstate_core::VmState;
///
/// #[derive(Debug)]
/// struct BadDivisor;
/// impl std::fmt::Display for BadDivisor {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("a divisor of 0")
///     }
/// }
/// impl std::error::Error for BadDivisor {}
///
/// fn divisor_ok(divisor: u16) -> Result<(), BadDivisor> {
///     if divisor == 0 { Err(BadDivisor) } else { Ok(()) }
/// }
///
/// fn fifo_ok(fifo: &[u8; 4]) -> Result<(), BadDivisor> {
///     if fifo[0] == 0xff { Err(BadDivisor) } else { Ok(()) }
/// }
///
/// #[derive(VmState, Default)]
/// #[vmstate(name = "uart")]
/// struct Uart {
///     #[vmstate(validate = "divisor_ok")]
///     divisor: u16,
///     #[vmstate(validate = "fifo_ok")]
///     fifo: [u8; 4],
/// }
///
/// let mut uart = Uart { divisor: 1, fifo: [0; 4] };
/// let zero = vmstate_core::to_bytes(&Uart::default())?;
/// let err = vmstate_core::from_bytes(&mut uart, &zero).unwrap_err();
/// assert!(err.to_string().contains("a divisor of 0"), "{err}");
/// assert_eq!(uart.divisor, 1);
/// # Ok::<(), vmstate_core::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `validate` function of a `{T}` field",
    label = "expected `fn(&{T})`, or `fn({T})` when `{T}` is `Copy`",
    note = "a field's `validate` function takes the decoded value, by reference or (for a `Copy` value) by value, and returns `()` or `Result<(), E>`; a check of the whole struct is the container's `validate = \"...\"`, `fn(&Self)`"
)]
pub trait ValidateFn<T, Args>: validate_fn::Sealed<T, Args> {
    /// What the function returns.
    type Output;
    /// Calls the function on `value`.
    fn call(self, value: &T) -> Self::Output;
}

/// Only the two forms of function are `ValidateFn`s: the trait is not for other types to
/// implement.
mod validate_fn {
    pub trait Sealed<T, Args> {}
    impl<T, R, F: FnOnce(&T) -> R> Sealed<T, fn(&T) -> R> for F {}
    impl<T: Copy, R, F: FnOnce(T) -> R> Sealed<T, fn(T) -> R> for F {}
}

impl<T, R, F: FnOnce(&T) -> R> ValidateFn<T, fn(&T) -> R> for F {
    type Output = R;
    #[inline(always)]
    fn call(self, value: &T) -> R {
        self(value)
    }
}

impl<T: Copy, R, F: FnOnce(T) -> R> ValidateFn<T, fn(T) -> R> for F {
    type Output = R;
    #[inline(always)]
    fn call(self, value: &T) -> R {
        self(*value)
    }
}

/// What a field's `exists` function may be: `fn(&T, u32) -> bool`, QEMU's `field_exists(opaque,
/// version_id)`, or `fn(u32) -> bool` for a test of the version alone (which clippy's pedantic
/// `unused_self` would flag as a method). Implemented for every such function, and sealed: the
/// `Args` parameter only tells the two forms apart.
///
/// ```
/// use vmstate_core::VmState;
///
/// fn from_version_3(version: u32) -> bool {
///     version >= 3
/// }
///
/// #[derive(VmState, Default)]
/// #[vmstate(name = "timer", version = 3, minimum_version = 1)]
/// struct Timer {
///     count: u32,
///     #[vmstate(exists = "from_version_3", default)]
///     limit: u32,
/// }
///
/// #[derive(VmState)]
/// #[vmstate(name = "timer", version = 2, minimum_version = 1)]
/// struct TimerV2 { count: u32 }
///
/// let mut timer = Timer { count: 0, limit: 9 };
/// vmstate_core::from_bytes(&mut timer, &vmstate_core::to_bytes(&TimerV2 { count: 4 })?)?;
/// assert_eq!((timer.count, timer.limit), (4, 0));
/// vmstate_core::from_bytes(&mut timer, &vmstate_core::to_bytes(&Timer { count: 5, limit: 6 })?)?;
/// assert_eq!((timer.count, timer.limit), (5, 6));
/// # Ok::<(), vmstate_core::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an `exists` function of `{T}`",
    label = "expected `fn(&{T}, u32) -> bool`, or `fn(u32) -> bool` to test the version alone",
    note = "an `exists` function says whether the stream of a version carries the field (QEMU's `field_exists(opaque, version_id)`); it returns `bool`"
)]
pub trait ExistsFn<T: ?Sized, Args>: exists_fn::Sealed<T, Args> {
    /// Calls the function.
    fn call(self, target: &T, version: u32) -> bool;
}

/// Only the two forms of function are `ExistsFn`s: the trait is not for other types to
/// implement.
mod exists_fn {
    pub trait Sealed<T: ?Sized, Args> {}
    impl<T: ?Sized, F: FnOnce(&T, u32) -> bool> Sealed<T, fn(&T, u32) -> bool> for F {}
    impl<T: ?Sized, F: FnOnce(u32) -> bool> Sealed<T, fn(u32) -> bool> for F {}
}

impl<T: ?Sized, F: FnOnce(&T, u32) -> bool> ExistsFn<T, fn(&T, u32) -> bool> for F {
    #[inline(always)]
    fn call(self, target: &T, version: u32) -> bool {
        self(target, version)
    }
}

impl<T: ?Sized, F: FnOnce(u32) -> bool> ExistsFn<T, fn(u32) -> bool> for F {
    #[inline(always)]
    fn call(self, _target: &T, version: u32) -> bool {
        self(version)
    }
}

#[doc(hidden)]
pub mod __private {
    //! Used by the generated code; not a public API.
    pub use crate::count::{
        check_count, check_kept_count, load_counted, optional_count, save_counted,
    };
    pub use crate::field::{
        check_save_len as check_len, load_struct_elements, save_struct_elements, Difference,
    };
    pub use crate::{
        Bounded, ByteBuffer, Count, Decoder, Description, Element, Encoder, Error, ErrorKind,
        Field, FieldDesc, FieldKind, HookOutput, Hooks, Optional, Plain, Scalar, Shape, VmState,
        WireCount,
    };
    pub use core::default::Default;
    pub use core::fmt::Debug;
    pub use core::mem::swap;
    pub use core::option::Option::{self, None, Some};
    pub use core::result::Result::{self, Err, Ok};
    pub use std::vec;
    pub use std::vec::Vec;

    /// Prefixes an error's path with a field name (a function, not a closure per field: the
    /// generated code stays small to type-check).
    #[inline(always)]
    pub fn in_field<T>(r: Result<T, Error>, name: &'static str) -> Result<T, Error> {
        match r {
            Ok(v) => Ok(v),
            Err(e) => Err(e.in_field(name)),
        }
    }

    /// Checks a section (or subsection) version against a description.
    pub fn check_version(d: &Description, version: u32) -> Result<(), Error> {
        crate::check_version(d, version)
    }

    /// Checks a subsection's version; the error names the field and the subsection.
    #[inline]
    pub fn check_subsection_version(
        d: &Description,
        version: u32,
        at: usize,
        field: &'static str,
    ) -> Result<(), Error> {
        crate::check_version(d, version).map_err(|e| {
            e.or_offset(at)
                .in_named(format!("{field} (subsection `{}`)", d.name))
        })
    }

    /// Calls a `post_load` hook of either form ([`PostLoadFn`](crate::PostLoadFn)).
    #[inline(always)]
    pub fn post_load<T: ?Sized, Args, H: crate::PostLoadFn<T, Args>>(
        hook: H,
        target: &mut T,
        version: u32,
    ) -> H::Output {
        hook.call(target, version)
    }

    /// Calls a field's `exists` function of either form ([`ExistsFn`](crate::ExistsFn)).
    #[inline(always)]
    pub fn field_exists<T: ?Sized, Args, H: crate::ExistsFn<T, Args>>(
        hook: H,
        target: &T,
        version: u32,
    ) -> bool {
        hook.call(target, version)
    }

    /// Calls a field's `validate` function of either form ([`ValidateFn`](crate::ValidateFn)).
    #[inline(always)]
    pub fn validate_field<T, Args, H: crate::ValidateFn<T, Args>>(hook: H, value: &T) -> H::Output {
        hook.call(value)
    }

    /// Runs a hook's output through [`HookOutput`] and names the hook in the error.
    #[inline]
    pub fn hook<O: HookOutput>(name: &'static str, out: O) -> Result<(), Error> {
        out.into_hook_result().map_err(|e| Error::hook(name, e))
    }

    /// The error for a derived enum's value that names no variant: `7 is not a `Mode` (Off =
    /// 0, On = 1)`.
    #[cold]
    pub fn unknown_variant(
        enum_name: &'static str,
        value: &dyn core::fmt::Display,
        variants: &[(&'static str, &dyn core::fmt::Display)],
        offset: usize,
    ) -> Error {
        let listed = crate::error::first_few(variants.iter().map(|(n, v)| format!("{n} = {v}")));
        let why = format!("{value} is not a `{enum_name}` ({listed})");
        Error::at(ErrorKind::InvalidValue(why), offset)
    }

    /// Reads a subsection header if the next bytes are one of `parent`'s: the tag, then a
    /// name that `known` says is one of its subsections' or that continues `parent` with `/`
    /// (an unknown one, the error); otherwise reads nothing and returns `None`.
    ///
    /// QEMU's test is the bare prefix (a name that starts with the parent's and is longer),
    /// and a name it takes but does not know fails the load. So a struct `timer` would claim
    /// the subsection `timer_block/irq` of an enclosing `timer_block` (and `dev/b` the sibling
    /// `dev/bc`), and the load fail; this test leaves those to the struct they belong to. On
    /// every stream QEMU loads the two tests agree: there, a name QEMU takes is one the struct
    /// knows. So QEMU's names without a `/` (`arm_gic_virt_state`,
    /// `arm.cortex-a9-global-timer.control`) read as in QEMU.
    ///
    /// Inlined up to the first byte: most structs are followed by no subsection, and the
    /// check then costs a compare instead of a call.
    ///
    /// In the native format a struct's subsections end with a marker, which this reads (and
    /// returns `None`); a subsection there that is not `parent`'s by QEMU's test is unknown,
    /// not the next field of an enclosing struct.
    #[inline(always)]
    pub fn subsection_header<D: Decoder>(
        d: &mut D,
        parent: &str,
        known: impl Fn(&str) -> bool,
    ) -> Result<Option<(String, u32, usize)>, Error> {
        if D::MARKS_SUBSECTION_END {
            if d.peek_u8() == Some(crate::native::SUBSECTIONS_END) {
                d.scalar::<u8>()?;
                return Ok(None);
            }
            return marked_subsection_header(d, parent).map(Some);
        }
        if d.peek_u8() != Some(crate::qemu::tag::SUBSECTION) {
            return Ok(None);
        }
        tagged_subsection_header(d, parent, &known)
    }

    /// [`subsection_header`] for a struct described by `desc`: its subsections are the ones
    /// it knows.
    #[inline(always)]
    pub fn subsection_header_of<D: Decoder>(
        d: &mut D,
        desc: &Description,
    ) -> Result<Option<(String, u32, usize)>, Error> {
        subsection_header(d, desc.name, |name| has_subsection(desc, name))
    }

    /// Whether `desc` has a subsection named `name`.
    const fn has_subsection(desc: &Description, name: &str) -> bool {
        let mut i = 0;
        while i < desc.subsections.len() {
            if crate::describe::same_str(desc.subsections[i].name, name) {
                return true;
            }
            i += 1;
        }
        false
    }

    /// A native subsection header: the next bytes must be one, of a subsection of `parent`.
    #[inline(never)]
    fn marked_subsection_header<D: Decoder>(
        d: &mut D,
        parent: &str,
    ) -> Result<(String, u32, usize), Error> {
        let at = d.offset();
        let tag = d.scalar::<u8>()?;
        if tag != crate::qemu::tag::SUBSECTION {
            return Err(Error::at(
                ErrorKind::Format(format!(
                    "expected a subsection (0x05) or the end of the subsections of `{parent}` \
                     (0x00), found 0x{tag:02x}"
                )),
                at,
            ));
        }
        let name = d.name()?;
        if name.is_empty() {
            // No subsection has an empty name: the fields before did not line up.
            return Err(Error::at(
                ErrorKind::Format(format!(
                    "expected a subsection or the end of the subsections of `{parent}`, found \
                     a subsection tag and an empty name: the stream's fields do not line up \
                     with this build's"
                )),
                at,
            ));
        }
        if !subsection_name_ok(&name, parent) {
            return Err(unknown_subsection(name, at));
        }
        let version: u32 = d.scalar()?;
        Ok((name, version, at))
    }

    /// [`subsection_header`] once the next byte is the subsection tag.
    #[inline(never)]
    fn tagged_subsection_header<D: Decoder>(
        d: &mut D,
        parent: &str,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<Option<(String, u32, usize)>, Error> {
        let at = d.offset();
        // Like QEMU, only peek: bytes that do not spell a name with this prefix are not a
        // subsection of ours (they may be the next field of an enclosing struct).
        let mark = d.mark();
        d.scalar::<u8>()?;
        let name = match d.name() {
            Ok(name) if continues_with_slash(&name, parent) || known(&name) => name,
            _ => {
                d.reset(mark);
                return Ok(None);
            }
        };
        let version: u32 = d.scalar()?;
        Ok(Some((name, version, at)))
    }

    /// Ends a struct's subsections (a marker in the native format, nothing on QEMU's wire).
    #[inline(always)]
    pub fn end_subsections<E: Encoder>(e: &mut E) {
        e.end_subsections();
    }

    /// Writes a subsection header.
    pub fn write_subsection_header<E: Encoder>(e: &mut E, name: &str, version: u32) {
        e.scalar(crate::qemu::tag::SUBSECTION);
        e.name(name);
        e.scalar(version);
    }

    /// Refuses a subsection that a native input carries a second time. QEMU's loader lets
    /// the later copy win, and so does the QEMU codec; a native section, which this crate
    /// alone writes, holds each subsection at most once, so a second one is corrupt input.
    #[inline(always)]
    pub fn first_copy<D: Decoder, S, T>(
        staged: &Optional<S, T>,
        name: &str,
        offset: usize,
    ) -> Result<(), Error> {
        match (D::MARKS_SUBSECTION_END, staged) {
            (true, Optional::Loaded(_)) => Err(subsection_twice(name, offset)),
            _ => Ok(()),
        }
    }

    /// The error for an `exists` test (`test`, as written) that answers otherwise on the
    /// loaded state than on the destination's state before the load, which the load asked
    /// (`read`: whether it then read the field): the loaded state is refused by the test.
    #[cold]
    pub fn exists_changed(test: &'static str, read: bool) -> Error {
        let (before, after) = match read {
            true => ("present", "absent"),
            false => ("absent", "present"),
        };
        Error::new(ErrorKind::Validation {
            check: test,
            source: format!(
                "the load read the field as {before}, as this test said of the destination \
                 before the load, but it says {after} of the loaded state: it reads migrated \
                 fields, which a load (staged, all or nothing) cannot show it as QEMU's \
                 `field_exists` sees those read so far; base it on the version or on \
                 configuration both sides share"
            )
            .into(),
        })
    }

    /// The error for a subsection a native input carries a second time.
    #[cold]
    pub fn subsection_twice(name: &str, offset: usize) -> Error {
        Error::at(
            ErrorKind::Format(format!("subsection `{name}` is sent a second time")),
            offset,
        )
    }

    /// The error for a subsection the destination does not know.
    #[cold]
    pub fn unknown_subsection(name: String, offset: usize) -> Error {
        Error::at(ErrorKind::UnknownSubsection(name), offset)
    }

    /// The error for a field that failed its `range`.
    #[cold]
    pub fn out_of_range(value: &dyn Debug, range: &'static str, offset: usize) -> Error {
        Error::at(
            ErrorKind::OutOfRange {
                value: format!("{value:?}"),
                range,
            },
            offset,
        )
    }

    /// A value from a field's `default` function that the field's own checks (`max_len`,
    /// `validate`, `range`) refuse: the function's failure (no byte of the input is at
    /// fault, so it has no offset).
    #[cold]
    pub fn default_refused(hook: &'static str, e: Error) -> Error {
        e.into_hook_source(hook)
    }

    /// Runs a validation function's output through [`HookOutput`].
    #[inline]
    pub fn validation<O: HookOutput>(
        check: &'static str,
        out: O,
        offset: Option<usize>,
    ) -> Result<(), Error> {
        out.into_hook_result().map_err(|source| {
            let e = Error::new(ErrorKind::Validation { check, source });
            match offset {
                Some(o) => e.or_offset(o),
                None => e,
            }
        })
    }

    /// Whether `child` may be a subsection of `parent`, by QEMU's test
    /// (`vmstate_subsection_load`): it starts with the parent's name and is longer.
    pub const fn subsection_name_ok(child: &str, parent: &str) -> bool {
        let (c, p) = (child.as_bytes(), parent.as_bytes());
        c.len() > p.len() && crate::describe::starts_with(c, p)
    }

    /// Whether `child` is `parent`, `/` and more: a name a struct takes for one of its
    /// subsections, known or not.
    const fn continues_with_slash(child: &str, parent: &str) -> bool {
        subsection_name_ok_bytes(child.as_bytes(), parent.as_bytes())
    }

    const fn subsection_name_ok_bytes(c: &[u8], p: &[u8]) -> bool {
        c.len() > p.len() + 1 && c[p.len()] == b'/' && crate::describe::starts_with(c, p)
    }

    /// Whether a load can tell two sibling subsections apart (`None`: a type the where
    /// clause reports): their names differ, and neither is the other's followed by `/` (the
    /// first's load would take the second's header for one of its own subsections).
    pub const fn names_differ(a: Option<&str>, b: Option<&str>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => {
                let (a, b) = (a.as_bytes(), b.as_bytes());
                let same = a.len() == b.len() && crate::describe::starts_with(a, b);
                !same && !subsection_name_ok_bytes(a, b) && !subsection_name_ok_bytes(b, a)
            }
            _ => true,
        }
    }

    /// Compile-time check of a struct's subsections against what loads just before them:
    /// `fields` are its fields on QEMU's wire in order (the shape a nested struct may be found
    /// in, or `None`; whether a stream may lack it; whether it writes a count of its own),
    /// `subsections` its subsections (shape and name). The loader peeks for a struct's
    /// subsections after each struct, so a nested struct loaded last, at any depth, whose name
    /// a subsection's continues with `/`, or that has a subsection of that name, would take
    /// that subsection's header for one of its own. Returns the index of the first field that
    /// may hold one, or `fields.len()` plus that of a subsection that holds one before a later
    /// sibling; `usize::MAX` when none.
    /// (QEMU's loader takes any name that starts with the struct's; this crate's the names
    /// that continue it with `/` and those of its subsections, and only what it could not
    /// load itself is refused.)
    pub const fn subsection_claim(
        fields: &[(Option<&Shape>, bool, bool)],
        subsections: &[(Option<&Shape>, Option<&str>)],
    ) -> usize {
        let mut i = fields.len();
        while i > 0 {
            i -= 1;
            let (shape, absent, counted) = fields[i];
            if let Some(shape) = shape {
                let mut s = 0;
                while s < subsections.len() {
                    if let Some(sub) = subsections[s].1 {
                        if claims(shape, sub, false) {
                            return i;
                        }
                    }
                    s += 1;
                }
            }
            let empty = match shape {
                Some(shape) => !counted && shape_may_be_empty(shape),
                None => false,
            };
            if !absent && !empty {
                break;
            }
        }
        let mut a = 0;
        while a < subsections.len() {
            if let (Some(Shape::Struct(d)), _) = subsections[a] {
                let mut b = a + 1;
                while b < subsections.len() {
                    // Their own names are compared apart ([`names_differ`]); the first's
                    // subsections of the second's name are not.
                    if let Some(sub) = subsections[b].1 {
                        if has_subsection(d, sub) || description_claims(d, sub, false, true) {
                            return fields.len() + a;
                        }
                    }
                    b += 1;
                }
            }
            a += 1;
        }
        usize::MAX
    }

    /// Whether loading a value of `shape` may end with a struct whose name `sub` continues
    /// (`as_subsection`: the value is a subsection, loaded at any version it accepts; else a
    /// nested struct, loaded at its own version).
    const fn claims(shape: &Shape, sub: &str, as_subsection: bool) -> bool {
        match shape {
            Shape::Array { elem, len } => *len > 0 && claims(elem, sub, false),
            Shape::Seq { elem, .. } => claims(elem, sub, false),
            Shape::Struct(d) => description_claims(d, sub, true, as_subsection),
            _ => false,
        }
    }

    const fn description_claims(
        d: &Description,
        sub: &str,
        by_name: bool,
        as_subsection: bool,
    ) -> bool {
        if by_name && (continues_with_slash(sub, d.name) || has_subsection(d, sub)) {
            return true;
        }
        // Each of its own subsections may be the last thing it loads.
        let mut i = 0;
        while i < d.subsections.len() {
            if description_claims(d.subsections[i], sub, true, true) {
                return true;
            }
            i += 1;
        }
        // A nested struct loads at its own version, with every `since` field; a subsection
        // at any version from its minimum.
        let version = if as_subsection {
            d.minimum_version
        } else {
            d.version
        };
        let mut i = d.fields.len();
        while i > 0 {
            i -= 1;
            let f = &d.fields[i];
            if !matches!(f.kind, crate::FieldKind::Migrated) {
                continue;
            }
            if claims(f.shape, sub, false) {
                return true;
            }
            if !field_may_write_nothing(f, version) {
                break;
            }
        }
        false
    }

    /// Whether a field of a struct loaded at `version` or later may write nothing.
    const fn field_may_write_nothing(f: &FieldDesc, version: u32) -> bool {
        f.since > version || f.exists.is_some() || f.len.is_some() || shape_may_be_empty(f.shape)
    }

    const fn shape_may_be_empty(shape: &Shape) -> bool {
        match shape {
            Shape::Array { elem, len } => *len == 0 || shape_may_be_empty(elem),
            Shape::Unused { len } => *len == 0,
            Shape::Removed { of } => shape_may_be_empty(of),
            // A nested struct, loaded at its own version.
            Shape::Struct(d) => {
                let mut i = 0;
                while i < d.fields.len() {
                    let f = &d.fields[i];
                    let on_wire = matches!(f.kind, crate::FieldKind::Migrated);
                    if on_wire && !field_may_write_nothing(f, d.version) {
                        return false;
                    }
                    i += 1;
                }
                true
            }
            _ => false,
        }
    }

    /// Keeps the first error of a series of steps that all run.
    #[inline]
    pub fn keep_first(first: &mut Result<(), Error>, next: Result<(), Error>) {
        if first.is_ok() {
            *first = next;
        }
    }

    /// Commits an optional staged value.
    #[inline]
    pub fn commit_optional<T, S>(
        dst: &mut T,
        staged: &mut crate::Optional<S, T>,
        commit: impl FnOnce(&mut T, &mut S),
    ) {
        match staged {
            crate::Optional::Loaded(s) => commit(dst, s),
            crate::Optional::Keep => {}
            crate::Optional::Replace(v) => swap(dst, v),
            // Left as it is; undoing the commit puts the copy back (`Field::restore_kept`).
            crate::Optional::KeptCopy(_) => {}
        }
    }

    /// Compile-time check of a field the derive took for padding by its type's name
    /// (`Unused`, `Removed`), to let it share the name `unused` with a real field: it must be
    /// this crate's padding, not a type of the same name.
    pub const fn is_padding(shape: &Shape) -> bool {
        matches!(shape, Shape::Unused { .. } | Shape::Removed { .. })
    }

    /// Compile-time check of the fields written as primitives or arrays of them (`u32`,
    /// `[u16; 4]`), which the derive gives no nested hooks: the index of the first that is
    /// not one (an alias of a struct), or `shapes.len()`.
    pub const fn first_not_primitive(shapes: &[&Shape]) -> usize {
        let mut i = 0;
        while i < shapes.len() && is_primitive_shape(shapes[i]) {
            i += 1;
        }
        i
    }

    const fn is_primitive_shape(shape: &Shape) -> bool {
        match shape {
            // A fieldless enum has no hooks either.
            Shape::Primitive(_) | Shape::Enum { .. } => true,
            Shape::Array { elem, .. } => is_primitive_shape(elem),
            _ => false,
        }
    }

    /// Compile-time check that a nested struct's owner-derived fields have an owner function.
    pub const fn owner_hook_present(shape: &Shape, has_owner_hook: bool) -> bool {
        has_owner_hook || !shape.needs_owner()
    }

    /// Compile-time check of a `Vec` field's elements: `false` when a nested struct of theirs
    /// depends on the destination's configuration (see [`Description::holds_configuration`]; the
    /// element struct's own fields are refused by the `Element` bound).
    pub const fn no_nested_configuration(elements: &Shape) -> bool {
        match elements {
            Shape::Struct(d) => !d.holds_configuration(false),
            _ => !elements.holds_configuration(),
        }
    }

    /// Implemented by no type: the derive requires it of an element struct that depends on
    /// the destination's configuration (`immutable` or `equal` fields, a length held by a
    /// skipped field), so a `Vec` of one does not compile.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` depends on the destination's configuration, so it cannot be an element of a `Vec` or `Box<[T]>` field",
        label = "a struct with `immutable` or `equal` fields, or a length held by a skipped field",
        note = "an element is built from `Default` on every load, so there is no configured value to check the stream's against or to size a sequence with; migrate the field (without the check) instead, or keep the configuration outside the element"
    )]
    pub trait ElementWithoutConfiguration {}
}
