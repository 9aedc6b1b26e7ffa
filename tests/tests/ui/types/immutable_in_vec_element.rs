// A `Vec` element is built from `Default` on every load: an immutable field in it would have
// no configured value to be checked against (and the QEMU format would reset it).
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq)]
struct Queue {
    #[vmstate(immutable)]
    kind: u8,
    head: u16,
}

#[derive(VmState)]
struct Nic {
    #[vmstate(max_len = 8)]
    queues: Vec<Queue>,
}

fn main() {}
