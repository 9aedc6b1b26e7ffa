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
//! [`to_writer`] and [`from_reader`] do the same through `std::io`, a section at a time;
//! [`qemu`] holds QEMU's format, [`machine`] streams of several devices, [`schema`] the
//! descriptions as JSON and the checker ([`schema::check()`], [`schema::check_back`]).
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
mod hooks;
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
pub use hooks::{ExistsFn, HookOutput, PostLoadFn, ValidateFn};
pub mod schema;
pub use native::{
    check_section, from_bytes, from_bytes_at, from_reader, load_section, read_frame, read_section,
    save_section, to_bytes, to_writer, SectionFrame,
};
pub use wire::{Decoder, Encoder, NativeDecoder, NativeEncoder, QemuDecoder, QemuEncoder, Scalar};

/// Derives [`VmState`] and [`Field`] for a struct with named fields, and [`Field`] (with
/// [`Plain`]) for a fieldless enum (see [Enums](#enums)), a `transparent` newtype, and a
/// type that travels as another through conversions (see [Conversions](#conversions)).
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
/// | `transparent` | a struct of exactly one field (besides `PhantomData` markers) is a field type (not a section) that travels as that field, with its description; it takes no other key but `crate`, its field none, and the field's type must be [`Plain`] | off |
/// | `into = "T"` with `from = "T"` or `try_from = "T"` | serde's conversions: the type (a struct of any shape, or an enum) is a field type that travels as `T`, a [`Plain`] type, with its description; a save converts a clone (`Clone + Into<T>`), a load converts the `T` read (`From<T>`; or `TryFrom<T>` with a `Display` error, which fails the load, and `Default`); it takes no other key but `crate`, its fields and variants none | none |
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
/// | `max_len = N` | required on `Vec<T>`, `VecDeque<T>`, `Box<[T]>`, `String`: longest accepted (at least 1); an integer literal, or a `usize` constant's path (a const parameter, a constant item, `Self::DEPTH`) |
/// | `len = "field"` | with `max_len`: the sequence's length is the value of `field`, an integer field of the struct ([`WireCount`] when migrated, [`Count`] when skipped: also `usize`) declared before it (migrated: the loaded value; immutable: the destination's) or skipped (the destination's; not in a `Vec` element), and it travels with no length of its own: QEMU's `VMSTATE_VARRAY_*`/`VBUFFER_*`; a save refuses a sequence of another length, a load a negative count or one above `max_len`; several sequences may share a count |
/// | `since = N` | on the wire from section version N; older input keeps the destination's value |
/// | `default = "path"` | `fn() -> T` for when the input lacks the field (with `since`, `subsection`, `exists`; refused with a `since` not above `minimum_version`, whose streams all carry the field); a bare `default`, as serde's, is the type's `Default::default` (a type naming a type parameter is then bounded `Default`; refused on a sequence whose length another field holds); its value is held to the field's `max_len`, `len`, `validate` and `range` (a value they refuse fails the load as the function's error); a nested struct from it has its derived functions and `post_load` run, and those of the structs always sent inside it (not of its optional or `Vec`-element ones); refused on a type holding `immutable`/`equal` fields or a length held by a skipped field |
/// | `subsection` | a nested struct sent as a QEMU subsection; its name must start with its parent's and be longer, QEMU's rule (`parent/...` as most of QEMU's, or `parent_virt_state`), and differ from the other subsections' |
/// | `needed = "path"` | with `subsection`: `fn(&Self) -> bool`, whether it is sent |
/// | `exists = "path"` | `fn(&Self, u32) -> bool`, QEMU's `field_exists`, or `fn(u32) -> bool` on the version alone ([`ExistsFn`]): the fragile last resort. On load it sees the destination before the load (not the fields read so far, as QEMU's does): base it on the version or shared configuration, never on a migrated field (for that, `exists_if`) |
/// | `exists_if = "expr"` | QEMU's `field_exists` on the fields loaded so far: a `bool` expression naming fields before it, each a reference to its value (on load, a migrated one's as read so far; an immutable or skipped one's the destination's): `exists_if = "guest_features & F_OFFLOADS != 0"`; a later, derived or subsection field, or `self`, is a compile error |
/// | `validate = "path"` | `fn(&T) -> Result<(), E>`, or `fn(T)` for a `Copy` value ([`ValidateFn`]), on the value as it is decoded |
/// | `range = "a..=b"` | the value as it is decoded must lie in the range; on an array, a `Vec<T>`, a `VecDeque<T>` or a `Box<[T]>`, a range of elements bounds every element, one written with array bounds (`..[0x80, 0, 0, 0]`) compares whole arrays; `..`, bounds reading `self` and a range that holds no value (of literals, or of a primitive number between constants, which rustc evaluates) are compile errors |
///
/// Padding ([`Unused`], [`Removed`]) is on both wires and loads nothing: it takes only `name`,
/// `since`, `exists` and `exists_if`.
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
/// Hooks return `()` or `Result<(), E>` with an `E` that converts into `Box<dyn
/// std::error::Error + Send + Sync>` ([`HookOutput`]): an error type, that box, `anyhow::Error`,
/// a `String`.
///
/// # Enums
///
/// A fieldless enum with an integer `repr` (`u8` to `u128`, `i8` to `i128`) is a field type:
/// it travels as its discriminant at that width, exactly as the integer would (QEMU migrates
/// such state as a plain integer, and a field can turn from the integer into the enum without
/// a format change), and a value that names no variant fails the load with the variants
/// listed. It goes wherever a primitive does: arrays, `Vec`s, `immutable`, `range` (with
/// `PartialOrd` and `Debug`, which an error prints). It is not a section, so it takes no container key but `crate`. Its
/// description ([`Shape::Enum`]) lists the variants, so the schema checker reports a removed
/// variant. An enum with data travels as a type it converts to and from (`#[vmstate(try_from
/// = "Wire", into = "Wire")]`, see [Conversions](#conversions)), or implements [`Field`] by hand.
///
/// A newtype with `#[vmstate(transparent)]` is a field type that travels as the value it
/// wraps, as serde's `transparent`: the same bytes and description, in arrays and `Vec`s
/// too.
///
/// ```
/// use vmstate_core::VmState;
///
/// #[derive(VmState, Debug, Clone, Copy, PartialEq, PartialOrd)]
/// #[vmstate(transparent)]
/// struct Lcr(u8);
///
/// #[derive(VmState, Debug, PartialEq)]
/// #[vmstate(name = "uart")]
/// struct Uart { #[vmstate(range = "Lcr(0)..Lcr(0x80)")] lcr: Lcr, scratch: [Lcr; 2] }
///
/// let uart = Uart { lcr: Lcr(3), scratch: [Lcr(1), Lcr(2)] };
/// assert_eq!(vmstate_core::qemu::to_bytes(&uart).unwrap(), [3, 1, 2]);
/// let mut dst = Uart { lcr: Lcr(0), scratch: [Lcr(0); 2] };
/// let err = vmstate_core::qemu::from_bytes(&mut dst, &[0x80, 1, 2], 1, 0).unwrap_err();
/// assert!(err.to_string().contains("uart.lcr: value Lcr(128) is outside the valid range"));
/// ```
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
///
/// # Conversions
///
/// `#[vmstate(into = "T", from = "T")]` (or `try_from = "T"`), as serde's container keys:
/// the type travels as `T`, a [`Plain`] type, through the conversions the user writes, and
/// is described as `T`, so a field may switch between `T` and the type with no migration
/// break. It fits a register whose fields pack into a word, an enum with data that a word
/// encodes, and a type that `bitflags!` declares (the derive passes through the macro; its
/// field, the crate's own type, is not looked at). Sequences of it travel as sequences of
/// `T` (blocks in the native format); `range`, `validate`, `immutable` and `Removed<T>` apply.
/// With `try_from`, a value the conversion refuses fails the load, with the conversion's
/// error, the field's path and the value's offset, and the type needs `Default` (the value a
/// load overwrites). The checker cannot see what a `try_from` refuses: turning a `T` field
/// into a type that refuses values the older release sends is a break it does not report
/// (write such a check as a field `range` or `validate`, which it does). The value converts
/// by value, on the stack: `T` is a register or a few, not a large buffer (a large array is
/// better a field of its own).
///
/// ```
/// use vmstate_core::VmState;
///
/// /// Divisor latch: two byte registers that migrate as one 16-bit word.
/// #[derive(VmState, Debug, Clone, Copy, PartialEq)]
/// #[vmstate(from = "u16", into = "u16")]
/// struct Divisor { low: u8, high: u8 }
///
/// impl From<u16> for Divisor {
///     fn from(word: u16) -> Self {
///         let [high, low] = word.to_be_bytes();
///         Divisor { low, high }
///     }
/// }
/// impl From<Divisor> for u16 {
///     fn from(d: Divisor) -> u16 { u16::from_be_bytes([d.high, d.low]) }
/// }
///
/// /// A line's state, of which a word holds the level and the number.
/// #[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
/// #[vmstate(try_from = "u16", into = "u16")]
/// enum Line { #[default] Idle, Raised(u8) }
///
/// impl TryFrom<u16> for Line {
///     type Error = String;
///     fn try_from(word: u16) -> Result<Self, String> {
///         match word {
///             0 => Ok(Line::Idle),
///             0x100..=0x1ff => Ok(Line::Raised(word as u8)),
///             _ => Err(format!("{word:#x} encodes no line")),
///         }
///     }
/// }
/// impl From<Line> for u16 {
///     fn from(line: Line) -> u16 {
///         match line { Line::Idle => 0, Line::Raised(n) => 0x100 | u16::from(n) }
///     }
/// }
///
/// #[derive(VmState, Debug, PartialEq)]
/// #[vmstate(name = "uart")]
/// struct Uart { divisor: Divisor, line: Line }
///
/// let uart = Uart { divisor: Divisor { low: 0x34, high: 0x12 }, line: Line::Raised(4) };
/// assert_eq!(vmstate_core::qemu::to_bytes(&uart).unwrap(), [0x12, 0x34, 0x01, 0x04]);
/// let mut dst = Uart { divisor: Divisor { low: 0, high: 0 }, line: Line::Idle };
/// let err = vmstate_core::qemu::from_bytes(&mut dst, &[0, 1, 2, 0], 1, 0).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "uart.line: invalid value: the `u16` read is not a `Line`: 0x200 encodes no line (at byte 2)"
/// );
/// assert_eq!(dst.divisor, Divisor { low: 0, high: 0 }); // nothing changed
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
    note = "a section, a subsection or a nested description is a struct with `#[derive(VmState)]`; a fieldless enum that derives it, a `#[vmstate(transparent)]` struct, or a type with `#[vmstate(from = ..., into = ...)]`, is a field's type, not one of these"
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

/// The error for bytes left after a whole struct. On QEMU's wire a struct takes a subsection
/// header only by its name, so one of a name no struct here knows is left over: that is an
/// unknown subsection (a newer release's, say), not just trailing bytes.
#[cold]
pub(crate) fn left_over<D: Decoder>(d: &mut D) -> Error {
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
///
/// A panic leaves the value as it was too, then goes on: in `validate`, the would-be state is
/// swapped out again; in a derived function or `post_load`, the commit gets the undo an error
/// gets (the hooks' panics during the undo are dropped).
#[inline(always)]
pub(crate) fn commit_staged<T: Field>(value: &mut T, staged: &mut T::Staged) -> Result<(), Error> {
    if T::VALIDATES {
        value.commit(staged);
        let verdict = undone_on_panic(
            value,
            staged,
            |v, s| v.check_committed(s),
            |v, s| v.commit(s),
        );
        value.commit(staged);
        verdict?;
    }
    value.pre_commit(staged)?;
    if T::AFTER_COMMIT {
        value.stage_kept_copies(staged);
    }
    value.commit(staged);
    let hooks = if T::AFTER_COMMIT {
        undone_on_panic(
            value,
            staged,
            |v, s| v.post_commit(s),
            |v, s| {
                let _ =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| undo_commit(v, s)));
            },
        )
    } else {
        value.post_commit(staged)
    };
    if let Err(e) = hooks {
        // The load's error is the one to report; the hooks' over the restored state are
        // what the device's own state gives them (documented).
        let _ = undo_commit(value, staged);
        return Err(e);
    }
    Ok(())
}

/// Runs `step` on a value and its staged input; if it panics, `undo` puts the value back and
/// the panic goes on. (`AssertUnwindSafe`: what the panic may have left half-done is what
/// `undo` replaces.)
#[inline(always)]
fn undone_on_panic<T, S, R>(
    value: &mut T,
    staged: &mut S,
    step: impl FnOnce(&mut T, &mut S) -> R,
    undo: impl FnOnce(&mut T, &mut S),
) -> R {
    let run = std::panic::AssertUnwindSafe(|| step(&mut *value, &mut *staged));
    match std::panic::catch_unwind(run) {
        Ok(result) => result,
        Err(panic) => {
            undo(value, staged);
            std::panic::resume_unwind(panic)
        }
    }
}

/// [`commit_staged`] for a load of a whole struct (of either codec): its errors name the
/// struct.
#[inline(always)]
pub(crate) fn commit<T: VmState>(value: &mut T, staged: &mut T::Staged) -> Result<(), Error> {
    commit_staged(value, staged).map_err(|e| e.in_field(T::DESCRIPTION.name))
}

/// [`commit`], returning the values the load replaced (`staged` after the swap): what
/// [`undo_commit`] needs to undo the load exactly (a load of several devices whose later
/// device fails).
pub(crate) fn commit_keeping<T: VmState>(
    value: &mut T,
    staged: &mut T::Staged,
) -> Result<T::Staged, Error> {
    commit(value, staged)?;
    Ok(core::mem::replace(staged, T::placeholder()))
}

/// Undoes a commit of [`commit_staged`], whose `staged` now holds the values from before:
/// swaps them back, puts back the copies kept for parts the input lacked, and runs the derived
/// functions and `post_load` again over the restored state (all of them, whatever fails: there
/// is nothing left to undo), so that derived state matches the restored registers. Returns
/// the first of those that failed: the values are back, what the hooks derive from them may
/// not be.
pub(crate) fn undo_commit<T: Field>(value: &mut T, staged: &mut T::Staged) -> Result<(), Error> {
    value.commit(staged);
    value.restore_kept(staged);
    value.post_commit(staged)
}

// What the generated code calls, as `::vmstate_core::__private::...`: not a public API.
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
