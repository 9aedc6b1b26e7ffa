// An explicit name that does not start with the parent's (`serial/fifo` under `uart`;
// `uart/fifo` or QEMU's other spelling, `uart_fifo`, would do).
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "serial/fifo")]
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
