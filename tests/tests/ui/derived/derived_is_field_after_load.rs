// The same trap through a derived function, spelled with the type's name.
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
