// `exists_if` is a `bool` expression: one of another type is reported on the string.
use vmstate_core::VmState;

#[derive(VmState)]
struct Net {
    features: u32,
    #[vmstate(exists_if = "features & 4")]
    offloads: u64,
}

fn main() {}
