// A key given twice: the error is on the second one.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2)]
#[vmstate(name = "uart", version = 3)]
struct Uart {
    lcr: u8,
}

fn main() {}
