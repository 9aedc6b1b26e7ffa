// `minimum_version` above the default version (1).
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(minimum_version = 2)]
struct Uart {
    lcr: u8,
}

fn main() {}
