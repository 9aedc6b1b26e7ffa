// `derived = ...` takes a function path in a string.
use vmstate_core::VmState;

#[derive(VmState)]
struct Timer {
    count: u32,
    #[vmstate(derived = 3)]
    expired: bool,
}

fn main() {}
