// A subsection has its own version; `since` (a version of the parent) conflicts with it.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "uart/fifo")]
struct Fifo {
    level: u8,
}

#[derive(VmState)]
#[vmstate(name = "uart", version = 2, minimum_version = 1)]
struct Uart {
    lcr: u8,
    #[vmstate(subsection, needed = "Self::fifo_needed", since = 2)]
    fifo: Fifo,
}

impl Uart {
    fn fifo_needed(&self) -> bool {
        self.fifo.level != 0
    }
}

fn main() {}
