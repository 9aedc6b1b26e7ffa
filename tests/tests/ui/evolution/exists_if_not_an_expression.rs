// An `exists_if` that does not parse as an expression is refused on the string.
use vmstate_core::VmState;

#[derive(VmState)]
struct Net {
    features: u32,
    #[vmstate(exists_if = "features &")]
    offloads: u64,
}

fn main() {}
