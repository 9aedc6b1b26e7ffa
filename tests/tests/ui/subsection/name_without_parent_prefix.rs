// A subsection's name must start with its parent's name; `Fifo`'s default name is `fifo`.
use vmstate_core::VmState;

#[derive(VmState)]
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
