// An explicit name that does not start with the parent's name and `/` (`uart_fifo`, not
// `uart/fifo`).
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "uart_fifo")]
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

impl Uart {
    fn fifo_needed(&self) -> bool {
        self.fifo.level != 0
    }
}

fn main() {}
