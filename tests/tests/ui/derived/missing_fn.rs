// `derived = "..."` names a function that does not exist.
use vmstate_core::VmState;

#[derive(VmState)]
struct Timer {
    count: u32,
    #[vmstate(derived = "Self::recompute_expired")]
    expired: bool,
}

fn main() {}
