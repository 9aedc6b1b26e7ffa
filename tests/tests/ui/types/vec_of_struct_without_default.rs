// A `Vec` of structs needs them `Default` (a new element starts from it, its skipped fields
// too) and `PartialEq` (the field is compared when its struct is immutable).
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
