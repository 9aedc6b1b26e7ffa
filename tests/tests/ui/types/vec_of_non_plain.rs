// A `Vec`'s elements must be plain (all of them travel): a struct with a skipped field is not.
use vmstate_core::VmState;

#[derive(VmState)]
struct Entry {
    value: u32,
    #[vmstate(skip)]
    cache: u32,
}

#[derive(VmState)]
struct Table {
    #[vmstate(max_len = 8)]
    entries: Vec<Entry>,
}

fn main() {}
