// An unknown field key; the message lists the valid ones.
use vmstate_core::VmState;

#[derive(VmState)]
struct Fifo {
    #[vmstate(max_length = 16)]
    data: Vec<u8>,
}

fn main() {}
