// A `usize` may hold a skipped count (no wire carries it), but a migrated one cannot travel:
// one error, on its type, and none about the count.
use vmstate_core::VmState;

#[derive(VmState)]
struct Dev {
    size: usize,
    #[vmstate(len = "size", max_len = 8)]
    sized: Vec<u8>,
}

fn main() {}
