// `Window` has a field its owner must recompute (`derived_by_owner`); `Board` holds a
// `Window` but names no function that does it (no `derives = "..."`, no `post_load`).
use vmstate_core::VmState;

#[derive(VmState)]
struct Window {
    base: u32,
    #[vmstate(derived_by_owner)]
    mapped: bool,
}

#[derive(VmState)]
struct Board {
    flags: u32,
    window: Window,
}

fn main() {}
