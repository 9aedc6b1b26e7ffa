// `impl Trait` in a field's type is rustc's error on the struct, reported once, as `_` is: the
// derive writes no code that names the type.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "dev")]
struct Dev {
    #[vmstate(immutable)]
    a: impl Copy,
    b: u8,
}

fn main() {}
