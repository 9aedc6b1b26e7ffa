// `buffer` is a fixed byte array; a sequence with `max_len` travels as bytes already.
use vmstate_core::VmState;

#[derive(VmState)]
struct Dev {
    #[vmstate(buffer, max_len = 4)]
    slice: Box<[u8]>,
}

fn main() {}
