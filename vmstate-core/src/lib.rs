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
//! then swaps the staged values in. If anything fails the destination is left as it was (see
//! [`Field`] for how this works without `Clone`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod describe;
mod error;
mod field;
mod native;
pub mod qemu;
mod wire;

pub use describe::{Description, FieldDesc, FieldKind, Hooks, Primitive, Shape};
pub use error::{Error, ErrorKind};
pub use field::{Bounded, Field, Plain};
pub use native::{from_bytes, load_section, read_frame, save_section, to_bytes, SectionFrame};
pub use wire::{Decoder, Encoder, NativeDecoder, NativeEncoder, QemuDecoder, QemuEncoder, Scalar};

/// Derives [`VmState`] and [`Field`] for a struct with named fields.
///
/// Container attributes (`#[vmstate(...)]` on the struct):
///
/// | key | meaning | default |
/// |---|---|---|
/// | `name = "..."` | section name | the type's name in snake_case |
/// | `version = N` | version written (>= 1) | 1 |
/// | `minimum_version = N` | oldest version loaded (<= version) | `version` |
/// | `pre_save = "path"` | `fn(&Self)` run before saving | none |
/// | `post_load = "path"` | `fn(&mut Self)` run after a load | none |
/// | `crate = "path"` | path of this crate if renamed | `::vmstate_core` |
///
/// Field attributes:
///
/// | key | meaning |
/// |---|---|
/// | (none) | migrated |
/// | `derived = "path"` | not sent; `fn(&mut Self)` recomputes it after a load |
/// | `derived` | not sent; the container's `post_load` recomputes it (required) |
/// | `derived_by_owner` | not sent; the struct holding this one recomputes it (`derives`) |
/// | `derives = "path"` | on a nested struct field: `fn(&mut Self)` that recomputes its owner-derived fields |
/// | `immutable` | configuration: never overwritten; a differing value fails the load |
/// | `skip` | not migrated (still described) |
/// | `max_len = N` | required on `Vec<T>`, `Box<[T]>`, `String`: longest accepted |
///
/// Hooks return `()` or `Result<(), E>` with `E: std::error::Error + Send + Sync + 'static`.
pub use vmstate_derive::VmState;

/// A struct with a [`Description`]: what `#[derive(VmState)]` implements, and what the
/// codecs save and load as a section.
pub trait VmState: Field {
    /// The static description of every field.
    const DESCRIPTION: &'static Description;

    /// Reads a staged value written with section version `version`.
    fn load_version<D: Decoder>(&self, d: &mut D, version: u32) -> Result<Self::Staged, Error>;
}

/// Checks that `version` lies within the description's `minimum_version..=version`.
pub(crate) fn check_version(d: &Description, version: u32) -> Result<(), Error> {
    if version > d.version {
        return Err(Error::new(ErrorKind::TooNew {
            version,
            max: d.version,
        }));
    }
    if version < d.minimum_version {
        return Err(Error::new(ErrorKind::TooOld {
            version,
            min: d.minimum_version,
        }));
    }
    Ok(())
}

/// Decodes a whole struct from `d`, then commits it; on any error `value` is unchanged.
///
/// If a post-load hook fails after the commit, the old values are swapped back and the
/// derived functions and hooks run once more over them (their errors ignored), so derived
/// state matches the restored registers.
pub(crate) fn load_atomic<T: VmState, D: Decoder>(
    value: &mut T,
    d: &mut D,
    version: u32,
) -> Result<(), Error> {
    let name = T::DESCRIPTION.name;
    let mut staged = value
        .load_version(d, version)
        .map_err(|e| e.in_field(name))?;
    if d.remaining() != 0 {
        let count = d.remaining();
        return Err(Error::at(ErrorKind::TrailingBytes { count }, d.offset()).in_field(name));
    }
    value.commit(&mut staged);
    if let Err(e) = value.after_load() {
        value.commit(&mut staged);
        let _ = value.after_load();
        return Err(e.in_field(name));
    }
    Ok(())
}

/// What a hook may return: `()` or `Result<(), E>` with a `std::error::Error` `E`.
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

#[doc(hidden)]
pub mod __private {
    //! Used by the generated code; not a public API.
    pub use crate::{
        Bounded, Decoder, Description, Encoder, Error, ErrorKind, Field, FieldDesc, FieldKind,
        HookOutput, Hooks, Shape, VmState,
    };
    pub use core::fmt::Debug;
    pub use core::mem::swap;
    pub use core::option::Option::{None, Some};
    pub use core::result::Result::{self, Err, Ok};

    /// Runs a hook's output through [`HookOutput`] and names the hook in the error.
    #[inline]
    pub fn hook<O: HookOutput>(name: &'static str, out: O) -> Result<(), Error> {
        out.into_hook_result().map_err(|e| Error::hook(name, e))
    }

    /// The error for an immutable field whose incoming value differs.
    #[cold]
    pub fn immutable_mismatch(stream: &dyn Debug, destination: &dyn Debug, offset: usize) -> Error {
        Error::at(
            ErrorKind::ImmutableMismatch {
                stream: format!("{stream:?}"),
                destination: format!("{destination:?}"),
            },
            offset,
        )
    }

    /// Compile-time check that a nested struct's owner-derived fields have an owner function.
    pub const fn owner_hook_present(shape: &Shape, has_owner_hook: bool) -> bool {
        has_owner_hook || !shape.needs_owner()
    }
}
