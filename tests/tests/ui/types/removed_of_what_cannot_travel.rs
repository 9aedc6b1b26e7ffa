// `Removed<T>` skips the bytes a `T` took: a `T` that is no plain value has no fixed wire form
// to skip, and the message says what `T` must be; a host-width integer or a `char` gets the
// message it gets anywhere (store a fixed-width integer instead).
use vmstate_core::{Removed, VmState};

#[derive(VmState)]
struct Dev {
    a: u8,
    gone: Removed<usize>,
    gone_too: Removed<Vec<u8>>,
    letter: Removed<char>,
}

fn main() {}
