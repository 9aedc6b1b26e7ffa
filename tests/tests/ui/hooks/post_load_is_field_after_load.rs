// With `Field` in scope and no inherent `after_load`, `Self::after_load` must be reported
// missing: no `Field` method has a hook's name (the one running the post-load hooks would
// call this very hook).
use vmstate_core::{Field, VmState};

#[derive(VmState)]
#[vmstate(post_load = "Self::after_load")]
struct Uart {
    lcr: u8,
}

fn main() {
    let _ = <Uart as Field>::SHAPE;
}
