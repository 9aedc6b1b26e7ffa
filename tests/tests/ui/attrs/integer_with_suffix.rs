// A type suffix on an attribute's number would be ignored: it contradicts the value (`300u8`)
// or names a float (`16f32`): refused, each on its literal.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 300u8)]
struct Fifo {
    #[vmstate(max_len = 16f32)]
    data: Vec<u8>,
}

fn main() {}
