// A section name is printed at the head of one-line error messages: no control characters,
// no surrounding whitespace.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "uart\n0")]
struct Uart {
    lcr: u8,
}

#[derive(VmState)]
#[vmstate(name = " uart ")]
struct Padded {
    lcr: u8,
}

#[derive(VmState)]
#[vmstate(name = "  ")]
struct Blank {
    lcr: u8,
}

fn main() {}
