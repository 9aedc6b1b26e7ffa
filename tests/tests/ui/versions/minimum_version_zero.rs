// `minimum_version = 0`.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2, minimum_version = 0)]
struct Uart {
    lcr: u8,
}

fn main() {}
