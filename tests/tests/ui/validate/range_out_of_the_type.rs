// A range bound the field's integer type cannot hold: one error on the range, with what to
// write (rustc's own lint took the whole string for the literal). Bounds that fit, suffixed
// literals (rustc's type error) and floats are not this check's.
use std::num::Wrapping;
use vmstate_core::VmState;

#[derive(VmState)]
struct Dac {
    #[vmstate(range = "0..256")]
    level: u8,
    #[vmstate(range = "1..=300")]
    steps: [u8; 2],
    #[vmstate(range = "-1..")]
    count: u32,
    #[vmstate(range = "-129..=127")]
    bias: i8,
    #[vmstate(range = "Wrapping(0)..Wrapping(70000)")]
    ring: Wrapping<u16>,
    #[vmstate(range = "0..=255")]
    full: u8,
    #[vmstate(range = "-128..128")]
    signed_full: i16,
    #[vmstate(range = "0..4294967296")]
    wide: u64,
}

fn main() {}
