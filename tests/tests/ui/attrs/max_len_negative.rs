// `max_len` is an unsigned integer.
use vmstate_core::VmState;

#[derive(VmState)]
struct Fifo {
    #[vmstate(max_len = -1)]
    data: Vec<u8>,
}

fn main() {}
