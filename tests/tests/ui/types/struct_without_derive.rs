// A nested struct that does not derive `VmState`.
use vmstate_core::VmState;

struct Fifo {
    head: u32,
}

#[derive(VmState)]
struct Uart {
    lcr: u8,
    fifo: Fifo,
}

fn main() {}
