// With `Field` in scope and no inherent `after_load`, `Self::after_load` would resolve to the
// `Field::after_load` that the derive implements by calling this very hook.
use vmstate_core::{Field, VmState};

#[derive(VmState)]
#[vmstate(post_load = "Self::after_load")]
struct Uart {
    lcr: u8,
}

fn main() {
    let _ = <Uart as Field>::SHAPE;
}
