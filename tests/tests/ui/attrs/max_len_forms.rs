// `max_len` takes an integer literal or a constant's path, and the constant is a `usize`.
use vmstate_core::VmState;

const WIDE: u32 = 8;

#[derive(VmState)]
struct Dev {
    #[vmstate(max_len = 2 + 2)]
    sum: Vec<u8>,
    #[vmstate(max_len = "DEPTH")]
    quoted: Vec<u8>,
}

#[derive(VmState)]
struct Typed {
    #[vmstate(max_len = WIDE)]
    narrow: Vec<u8>,
}

fn main() {}
