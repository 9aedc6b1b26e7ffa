// A `Box<[T]>` needs a bound: `#[vmstate(max_len = N)]`.
use vmstate_core::VmState;

#[derive(VmState)]
struct Ram {
    bytes: Box<[u32]>,
}

fn main() {}
