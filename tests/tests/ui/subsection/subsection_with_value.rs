// `subsection` is a flag; the subsection's name comes from its struct.
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
    #[vmstate(subsection = "uart/fifo", needed = "Self::fifo_needed")]
    fifo: Fifo,
}

impl Uart {
    fn fifo_needed(&self) -> bool {
        self.fifo.level != 0
    }
}

fn main() {}
