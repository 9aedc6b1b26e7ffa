// A missing derived function spelled with the type's name, `Field` in scope: reported missing.
use vmstate_core::{Field, VmState};

#[derive(VmState)]
struct Timer {
    count: u32,
    #[vmstate(derived = "Timer::after_load")]
    expired: bool,
}

fn main() {
    let _ = <Timer as Field>::SHAPE;
}
