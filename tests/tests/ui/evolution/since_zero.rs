// `since = 0` would be every version: leave `since` out instead.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2)]
struct Timer {
    count: u32,
    #[vmstate(since = 0)]
    reload: u32,
}

fn main() {}
