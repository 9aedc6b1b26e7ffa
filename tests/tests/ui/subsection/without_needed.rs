// A subsection is sent only while a function says so: `needed` is required.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "uart/fifo")]
struct Fifo {
    level: u8,
}

#[derive(VmState)]
#[vmstate(name = "uart")]
struct Uart {
    lcr: u8,
    #[vmstate(subsection)]
    fifo: Fifo,
}

fn main() {}
