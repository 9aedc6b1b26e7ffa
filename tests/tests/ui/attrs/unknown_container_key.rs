// An unknown container key; the message lists the valid ones.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "uart", verison = 2)]
struct Uart {
    lcr: u8,
}

fn main() {}
