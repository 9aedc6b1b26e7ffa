// Versions are `u32`.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 4294967296)]
struct Uart {
    lcr: u8,
}

fn main() {}
