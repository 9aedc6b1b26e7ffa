// A `derived` field with no function: nothing would recompute it after a load (no
// `derived = "..."`, no container `post_load`).
use vmstate_core::VmState;

#[derive(VmState)]
struct Timer {
    count: u32,
    #[vmstate(derived)]
    expired: bool,
}

fn main() {}
