// Versions start at 1.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 0)]
struct Uart {
    lcr: u8,
}

fn main() {}
