// A range's bounds are constants; one reading another field (through `self`) is refused with
// what to use instead, not with rustc's "expected value, found module `self`".
use vmstate_core::VmState;

#[derive(VmState)]
struct Fifo {
    depth: u8,
    #[vmstate(range = "0..self.depth")]
    head: u8,
}

fn main() {}
