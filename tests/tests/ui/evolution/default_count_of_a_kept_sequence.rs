// A count with a `default` whose sequence has none: a stream that lacks both gives the count
// its default while the sequence keeps the destination's value, which the count then
// contradicts (every such stream refused). Refused on the count's `default`.
use vmstate_core::VmState;

fn no_regs() -> u32 {
    0
}

#[derive(VmState)]
#[vmstate(name = "fifo", version = 2, minimum_version = 1)]
struct Fifo {
    #[vmstate(since = 2, default = "no_regs")]
    n: u32,
    #[vmstate(since = 2, len = "n", max_len = 8)]
    regs: Vec<u32>,
}

// Both with a default, or neither: fine.
#[derive(VmState)]
#[vmstate(name = "fifo", version = 2, minimum_version = 1)]
struct Neither {
    #[vmstate(since = 2)]
    n: u32,
    #[vmstate(since = 2, len = "n", max_len = 8)]
    regs: Vec<u32>,
}

fn main() {}
