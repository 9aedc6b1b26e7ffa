// A `Vec` element is built from `Default` on every load: an `equal` field in it, or in a
// struct nested in it, would be compared with that default, so it does not compile.
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "queue")]
struct Queue {
    #[vmstate(equal)]
    size: u16,
}

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "slot")]
struct Slot {
    queue: Queue,
}

#[derive(VmState)]
#[vmstate(name = "virtio")]
struct Virtio {
    #[vmstate(max_len = 8)]
    queues: Vec<Queue>,
    #[vmstate(max_len = 8)]
    slots: Vec<Slot>,
}

fn main() {}
