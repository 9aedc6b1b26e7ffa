// `max_len = 0` would refuse to save anything but an empty value.
use vmstate_core::VmState;

#[derive(VmState)]
struct Fifo {
    #[vmstate(max_len = 0)]
    data: Vec<u8>,
}

fn main() {}
