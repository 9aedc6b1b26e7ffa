// `needed = "..."` names a function that does not exist.
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
    #[vmstate(subsection, needed = "Self::fifo_needed")]
    fifo: Fifo,
}

fn main() {}
