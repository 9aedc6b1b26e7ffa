// `version` takes an integer literal.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = "one")]
struct Uart {
    lcr: u8,
}

fn main() {}
