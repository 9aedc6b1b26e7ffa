// Keys that need a value, given without one.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version)]
struct Fifo {
    #[vmstate(max_len)]
    data: Vec<u8>,
    #[vmstate(derives)]
    inner: u32,
}

fn main() {}
