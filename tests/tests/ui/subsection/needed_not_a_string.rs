// `needed` names a function in a string (and the `subsection` is not reported as lacking one).
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
    #[vmstate(subsection, needed = Self::fifo_needed)]
    fifo: Fifo,
}

impl Uart {
    fn fifo_needed(&self) -> bool {
        self.fifo.level != 0
    }
}

fn main() {}
