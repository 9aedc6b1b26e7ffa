// A new field with `since = 2` but no `version` on the struct (which then is version 1).
use vmstate_core::VmState;

#[derive(VmState)]
struct Timer {
    count: u32,
    #[vmstate(since = 2)]
    reload: u32,
}

fn main() {}
