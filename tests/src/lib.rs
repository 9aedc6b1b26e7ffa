//! Integration tests of the vmstate workspace live in `tests/`; the UI tests in
//! `tests/ui/<topic>/`. This library only compiles the README's example as a doctest.
#![doc = include_str!("../../README.md")]
