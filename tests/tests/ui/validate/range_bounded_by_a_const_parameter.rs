// A range bounded by a const parameter of another integer type: the error is on the range
// and says to convert the bound.
use vmstate_core::VmState;

#[derive(VmState)]
struct Ring<const N: usize> {
    #[vmstate(range = "0..N")]
    head: u16,
}

fn main() {}
