// `..0` holds no unsigned value: every load would be refused. Signed and float fields may
// be below 0, and `..=0` holds 0.
use std::num::Wrapping;
use vmstate_core::VmState;

#[derive(VmState)]
struct Dac {
    #[vmstate(range = "..0")]
    level: u8,
    #[vmstate(range = "..0")]
    taps: [[u16; 2]; 2],
    #[vmstate(range = "..0")]
    bias: i8,
    #[vmstate(range = "..0.0")]
    gain: f32,
    #[vmstate(range = "..=0")]
    zero: u32,
    #[vmstate(range = "..Wrapping(0)")]
    ring: [Wrapping<u16>; 2],
}

fn main() {}
