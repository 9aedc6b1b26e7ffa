// A `Vec` needs a bound: `#[vmstate(max_len = N)]`.
use vmstate_core::VmState;

#[derive(VmState)]
struct Fifo {
    data: Vec<u8>,
}

fn main() {}
