// A range on a `Wrapping`/`Saturating` field is written in the wrapper's values; bare numbers
// are another type, which rustc would report as a `RangeBounds` mismatch deep in the code.
use std::num::{Saturating, Wrapping};
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "queue")]
struct Queue {
    #[vmstate(range = "0..256")]
    next_avail: Wrapping<u16>,
    #[vmstate(range = "..=-1")]
    credit: [Saturating<i8>; 2],
    #[vmstate(range = "Wrapping(0)..Wrapping(256)")]
    next_used: Wrapping<u16>,
}

fn main() {}
