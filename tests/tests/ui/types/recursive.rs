// A struct that holds itself (a tree of buses) has a description without end: refused on the
// type, whether it is spelt `Self` or by name.
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq)]
struct Bus {
    id: u32,
    #[vmstate(max_len = 8)]
    children: Vec<Bus>,
    #[vmstate(max_len = 8)]
    siblings: Vec<Self>,
}

fn main() {}
