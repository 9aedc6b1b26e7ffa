// A range that holds no value would refuse every load, also written in a wrapper's values.
use std::num::{Saturating, Wrapping};
use vmstate_core::VmState;

#[derive(VmState)]
struct Ssp {
    #[vmstate(range = "8..0")]
    head: u32,
    #[vmstate(range = "3..3")]
    tail: u32,
    #[vmstate(range = "-1..=-2")]
    bias: i8,
    #[vmstate(range = "0..=0")]
    one_value: u8,
    #[vmstate(range = "Wrapping(8)..Wrapping(0)")]
    next_avail: Wrapping<u16>,
    #[vmstate(range = "std::num::Saturating(5)..Saturating(5)")]
    credit: Saturating<u8>,
}

fn main() {}
