// `name` takes a string literal.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = 5)]
struct Uart {
    lcr: u8,
}

fn main() {}
