// With `Field` in scope and no inherent `validate`, `Self::validate` must not resolve to a
// method of `Field` that the derive implements by calling this very hook (every load would
// recurse until the stack overflows): the function is reported missing.
use vmstate_core::{Field, VmState};

#[derive(VmState)]
#[vmstate(validate = "Self::validate")]
struct Timer {
    count: u32,
}

fn main() {
    let _ = <Timer as Field>::SHAPE;
}
