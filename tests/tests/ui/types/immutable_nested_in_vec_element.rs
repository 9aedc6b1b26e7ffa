// An element's nested struct with an immutable field is built fresh with the element: the
// same as an immutable field of the element itself.
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq)]
struct Id {
    #[vmstate(immutable)]
    id: u32,
}

#[derive(VmState, Default, PartialEq)]
struct Queue {
    head: u16,
    id: Id,
}

#[derive(VmState)]
struct Nic {
    #[vmstate(max_len = 8)]
    queues: Vec<Queue>,
}

fn main() {}
