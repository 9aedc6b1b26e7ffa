// `since = 3` on a struct still at version 2: the field would never be sent.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2, minimum_version = 1)]
struct Timer {
    count: u32,
    #[vmstate(since = 3)]
    reload: u32,
}

fn main() {}
