// `exists = "..."` names a function that does not exist.
use vmstate_core::VmState;

#[derive(VmState)]
struct Pic {
    level: u32,
    #[vmstate(exists = "has_mask")]
    mask: u32,
}

fn main() {}
