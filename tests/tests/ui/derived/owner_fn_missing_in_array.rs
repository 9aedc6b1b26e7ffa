// Same as owner_fn_missing.rs, with the nested struct inside an array.
use vmstate_core::VmState;

#[derive(VmState)]
struct Window {
    base: u32,
    #[vmstate(derived_by_owner)]
    mapped: bool,
}

#[derive(VmState)]
struct Board {
    windows: [Window; 2],
}

fn main() {}
