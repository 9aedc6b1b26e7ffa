// A count on the wire from a later version than its sequence: a stream of the versions
// between carries the sequence (with a length of its own, as the older release sent it)
// but no count, and would be read with the destination's count. Refused on `len`.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "fifo", version = 2, minimum_version = 1)]
struct Fifo {
    #[vmstate(since = 2)]
    n: u32,
    #[vmstate(len = "n", max_len = 8)]
    regs: Vec<u32>,
}

#[derive(VmState)]
#[vmstate(name = "fifo", version = 3, minimum_version = 1)]
struct Later {
    #[vmstate(since = 3)]
    n: u32,
    #[vmstate(since = 2, default, len = "n", max_len = 8)]
    regs: Vec<u32>,
}

fn main() {}
