//! The derive's output under clippy lints that strict crates deny, beyond the default set
//! CI's `cargo clippy -- -D warnings` checks: a lint the generated code trips, with the
//! user's tokens (field types, discriminants, constants) in it, reads to clippy as the
//! user's own code. CI's clippy step fails if one of these fires again; the tests below
//! check that the structs still migrate.
#![deny(
    clippy::absolute_paths,
    clippy::as_conversions,
    clippy::type_repetition_in_bounds,
    clippy::trait_duplication_in_bounds,
    clippy::unreadable_literal,
    clippy::cast_possible_truncation,
    clippy::trivially_copy_pass_by_ref,
    clippy::default_numeric_fallback,
    trivial_numeric_casts
)]

use std::error::Error;
use std::fmt;
use std::marker::PhantomData;
use vmstate_core::qemu;
use vmstate_core::Field as Migrate;
use vmstate_core::{from_bytes, to_bytes, VmState};

/// `absolute_paths` fired on the `repr` (the derive spelt it `::core::primitive::u8` with
/// its span), about ten times per enum, and the enum's own `allow` did not reach it.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Power {
    Off,
    On,
}

const BASE: u32 = 0x10;

/// The discriminants are copied into constants outside the enum, where the enum's `allow`
/// did not reach: the derive copies it now.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    clippy::unreadable_literal,
    clippy::cast_possible_truncation,
    clippy::as_conversions
)]
#[repr(u32)]
enum Magic {
    Base = BASE as u8 as u32,
    Id = 0x41011234,
}

const DEPTH: usize = 16;

/// `max_len = DEPTH` checked the constant against `u32::MAX as usize`, spanned on `DEPTH`
/// (`as_conversions`). Two fields of one type, and a type parameter bounded by the user and
/// by the fields (a bare `default` too), gave one where predicate each
/// (`type_repetition_in_bounds`). (A concrete type that fields bound differently, such as a
/// `u32` beside an `immutable` one, still gets a predicate per bound set: merged, an error
/// in one would span both fields.)
#[derive(VmState, Debug, Default, PartialEq, Eq)]
#[vmstate(version = 2, minimum_version = 1)]
struct Queue<T: Copy> {
    ctrl: u32,
    status: u32,
    value: T,
    payload: [T; 2],
    #[vmstate(since = 2, default)]
    credit: T,
    #[vmstate(max_len = DEPTH)]
    data: Vec<u8>,
}

/// A concrete type that two fields bound differently (`u8: Field` for `count`, `u8: Field +
/// Debug` for the immutable `id`, `u8: PartialOrd + Debug` for the elements `range` compares)
/// keeps a predicate per field, so that an unmet bound is reported on its own field; the
/// derive allows `type_repetition_in_bounds` for such a struct (which clippy checks in
/// generic items only).
#[derive(VmState, Debug, Default, PartialEq, Eq)]
struct Counters<T> {
    tag: T,
    count: u8,
    #[vmstate(immutable)]
    id: u8,
    #[vmstate(range = "0..=100")]
    levels: [u8; 2],
}

/// A field's own bounds came as one predicate each (`[u8; 4]: Field`, `[u8; 4]: ByteBuffer`;
/// `u16: Field`, `u16: Plain` for a validated field): `type_repetition_in_bounds`. A type
/// parameter that the user bounds by `vmstate_core::Field` got the derive's `Field` too:
/// `trait_duplication_in_bounds` (the derive keeps both, as the user's could be another
/// trait of that name, and allows the lint then).
#[derive(VmState, Debug, Default, PartialEq, Eq)]
struct Fifo<T: vmstate_core::Field + Copy> {
    head: T,
    #[vmstate(validate = "Fifo::<T>::level_fits")]
    level: u16,
    #[vmstate(buffer)]
    bytes: [u8; 4],
    #[vmstate(range = "1..=8")]
    depth: u8,
}

impl<T: vmstate_core::Field + Copy> Fifo<T> {
    fn level_fits(level: u16) -> Result<(), fmt::Error> {
        if level <= 4 {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

/// The same with the trait imported under another name (the derive's first test compared
/// the bounds' names, and missed this).
#[derive(VmState, Debug, Default, PartialEq, Eq)]
struct Aliased<T: Migrate + Copy> {
    head: T,
}

const LEVEL_MAX: u16 = 1000;
const GAIN_MAX: f32 = 2.5;

/// Ranges bounded by constants, which the derive has the compiler check for a value
/// (casts, comparisons and absolute paths on the user's range string).
#[derive(VmState, Debug, PartialEq)]
struct Limits {
    #[vmstate(range = "..=LEVEL_MAX")]
    level: u16,
    // Braces in a name are text in the compile-time check's message.
    #[vmstate(name = "gain{0}", range = "0.0..GAIN_MAX")]
    gain: f32,
    #[vmstate(range = "&1..&Self::DEPTH")]
    depth: u8,
    // A test over a field read before it, bound by the derive.
    #[vmstate(exists_if = "*level > 10 && *depth != 0")]
    boost: u8,
}

impl Limits {
    const DEPTH: u8 = 4;
}

#[derive(VmState, Debug, PartialEq)]
struct Board {
    power: Power,
    magic: Magic,
    queue: Queue<u16>,
    fifo: Fifo<u8>,
    counters: Counters<u16>,
    aliased: Aliased<u32>,
    limits: Limits,
}

#[test]
fn structs_clippy_has_nothing_to_say_about_migrate_in_both_formats() {
    let board = Board {
        power: Power::On,
        magic: Magic::Id,
        queue: Queue {
            ctrl: 1,
            status: 2,
            value: 3,
            payload: [4, 5],
            credit: 8,
            data: vec![6; DEPTH],
        },
        fifo: Fifo {
            head: 9,
            level: 3,
            bytes: *b"fifo",
            depth: 8,
        },
        counters: Counters {
            tag: 7,
            count: 2,
            id: 0,
            levels: [50, 100],
        },
        aliased: Aliased { head: 11 },
        limits: Limits {
            level: LEVEL_MAX,
            gain: 1.5,
            depth: 3,
            boost: 7,
        },
    };
    let fresh = || Board {
        power: Power::Off,
        magic: Magic::Base,
        queue: Queue::default(),
        fifo: Fifo {
            depth: 1,
            ..Fifo::default()
        },
        counters: Counters::default(),
        aliased: Aliased::default(),
        limits: Limits {
            level: 0,
            gain: 0.0,
            depth: 1,
            boost: 0,
        },
    };
    let mut native = fresh();
    from_bytes(&mut native, &to_bytes(&board).unwrap()).unwrap();
    assert_eq!(native, board);
    let mut qemu = fresh();
    let bytes = qemu::to_bytes(&board).unwrap();
    qemu::from_bytes(&mut qemu, &bytes, 1, 0).unwrap();
    assert_eq!(qemu, board);
}

/// What a register's value may be.
#[derive(Debug)]
struct Refused(&'static str);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for Refused {}

/// `trivially_copy_pass_by_ref` (pedantic) asks a validator of a small `Copy` value to take it
/// by value, which a field's `validate` accepts (`ValidateFn`) besides `fn(&T)`.
fn divisor_ok(divisor: u16) -> Result<(), Refused> {
    if divisor == 0 {
        Err(Refused("a divisor of 0"))
    } else {
        Ok(())
    }
}

fn powered(power: Power) -> Result<(), Refused> {
    match power {
        Power::On => Ok(()),
        Power::Off => Err(Refused("off")),
    }
}

#[derive(VmState, Debug, PartialEq, Eq)]
#[vmstate(name = "uart")]
struct Uart {
    #[vmstate(validate = "divisor_ok")]
    divisor: u16,
    #[vmstate(validate = "powered")]
    power: Power,
}

#[test]
fn validators_by_value_run_in_both_formats() {
    let good = Uart {
        divisor: 3,
        power: Power::On,
    };
    for (bad, why) in [
        (
            Uart {
                divisor: 0,
                power: Power::On,
            },
            "a divisor of 0",
        ),
        (
            Uart {
                divisor: 1,
                power: Power::Off,
            },
            "off",
        ),
    ] {
        let mut native = Uart {
            divisor: 9,
            power: Power::On,
        };
        from_bytes(&mut native, &to_bytes(&good).unwrap()).unwrap();
        assert_eq!(native, good);
        let err = from_bytes(&mut native, &to_bytes(&bad).unwrap()).unwrap_err();
        assert!(err.to_string().contains(why), "{err}");
        assert_eq!(native, good, "a refused load changes nothing");
        let err = qemu::from_bytes(&mut native, &qemu::to_bytes(&bad).unwrap(), 1, 0).unwrap_err();
        assert!(err.to_string().contains(why), "{err}");
        assert_eq!(native, good);
    }
}

/// A `transparent` newtype, generic with a bound of the user's: the derive's `T: Plain`
/// joins it.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Eq)]
#[vmstate(transparent)]
struct Reg<T: Copy>(T);

#[derive(VmState, Debug, PartialEq, Eq)]
struct Regs {
    lcr: Reg<u8>,
    magic: Reg<Magic>,
}

#[test]
fn transparent_newtypes_migrate() {
    let src = Regs {
        lcr: Reg(3),
        magic: Reg(Magic::Id),
    };
    let mut dst = Regs {
        lcr: Reg(0),
        magic: Reg(Magic::Base),
    };
    from_bytes(&mut dst, &to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
    assert_eq!(qemu::to_bytes(&src).unwrap(), [3, 0x41, 0x01, 0x12, 0x34]);
}

/// Types that travel through conversions, one generic with a bound of the user's: the
/// derive's `Clone + Into<u32>` and `From<u32>`/`TryFrom<u32>` bounds on the type (spanned
/// on the two strings, so one predicate each) join it.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[vmstate(from = "u32", into = "u32")]
struct Packed<T: Copy + Default> {
    low: u16,
    high: u16,
    marker: PhantomData<T>,
}

impl<T: Copy + Default> From<u32> for Packed<T> {
    fn from(word: u32) -> Self {
        let [a, b, c, d] = word.to_be_bytes();
        Packed {
            high: u16::from_be_bytes([a, b]),
            low: u16::from_be_bytes([c, d]),
            marker: PhantomData,
        }
    }
}

impl<T: Copy + Default> From<Packed<T>> for u32 {
    fn from(p: Packed<T>) -> u32 {
        (u32::from(p.high) << 16) | u32::from(p.low)
    }
}

/// A crate may forbid the lints that a conversion's bounds could trip: the derive puts
/// `Clone + Into<u8>` and `TryFrom<u8> + Default` in one predicate, and allows nothing.
#[forbid(clippy::type_repetition_in_bounds)]
mod forbidding {
    use super::VmState;

    #[derive(VmState, Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[vmstate(try_from = "u8", into = "u8")]
    pub enum Level {
        #[default]
        Low,
        High,
    }

    impl TryFrom<u8> for Level {
        type Error = String;
        fn try_from(v: u8) -> Result<Self, String> {
            match v {
                0 => Ok(Level::Low),
                1 => Ok(Level::High),
                _ => Err(format!("{v} is no level")),
            }
        }
    }

    impl From<Level> for u8 {
        fn from(l: Level) -> u8 {
            match l {
                Level::Low => 0,
                Level::High => 1,
            }
        }
    }

    /// Through `From`.
    #[derive(VmState, Debug, Clone, Copy, PartialEq, Eq)]
    #[vmstate(from = "u16", into = "u16")]
    pub struct Latch(pub u16);

    impl From<u16> for Latch {
        fn from(v: u16) -> Self {
            Latch(v)
        }
    }

    impl From<Latch> for u16 {
        fn from(l: Latch) -> u16 {
            l.0
        }
    }
}

use forbidding::{Latch, Level};

#[derive(VmState, Debug, PartialEq, Eq)]
struct Converted {
    packed: Packed<u8>,
    levels: [Level; 2],
    latch: Latch,
}

#[test]
fn converted_types_migrate() {
    let src = Converted {
        packed: Packed::from(0x1234_5678),
        levels: [Level::High, Level::Low],
        latch: Latch(0xbeef),
    };
    let mut dst = Converted {
        packed: Packed::default(),
        levels: [Level::Low; 2],
        latch: Latch(0),
    };
    from_bytes(&mut dst, &to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
    assert_eq!(
        qemu::to_bytes(&src).unwrap(),
        [0x12, 0x34, 0x56, 0x78, 1, 0, 0xbe, 0xef]
    );
}
