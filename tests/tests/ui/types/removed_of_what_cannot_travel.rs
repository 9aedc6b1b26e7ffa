// `Removed<T>` skips the bytes a `T` took: a `T` that is no plain value has no fixed wire form
// to skip, and the message says what `T` must be.
use vmstate_core::{Removed, VmState};

#[derive(VmState)]
struct Dev {
    a: u8,
    gone: Removed<usize>,
    gone_too: Removed<Vec<u8>>,
}

fn main() {}
