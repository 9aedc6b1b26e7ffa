//! Integration tests of the vmstate workspace live in `tests/`; the UI tests in
//! `tests/ui/<topic>/`. This library only compiles the README's example as a doctest.
#![doc = include_str!("../../README.md")]

use vmstate_core::{schema::Schema, Description};

/// A schema of one device under `key`, no machine: what the checker tests compare between
/// two releases.
///
/// ```
/// use vmstate_core::VmState;
/// #[derive(VmState)]
/// struct Dev { a: u8 }
/// let s = vmstate_tests::one_device("dev", Dev::DESCRIPTION);
/// assert_eq!(s.devices.len(), 1);
/// ```
pub fn one_device(key: &str, description: &Description) -> Schema {
    let mut s = Schema::new(None);
    s.add(key, description);
    s
}
