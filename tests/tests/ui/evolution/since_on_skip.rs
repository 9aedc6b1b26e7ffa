// A skipped field is not migrated at all: `since` conflicts with `skip`.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2)]
struct Timer {
    count: u32,
    #[vmstate(skip, since = 2)]
    host_ticks: u64,
}

fn main() {}
