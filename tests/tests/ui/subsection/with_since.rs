// A subsection has its own version; `since` (a version of the parent) conflicts with it.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "uart/fifo")]
struct Fifo {
    level: u8,
}

#[derive(VmState, Default)]
#[vmstate(name = "uart/rx")]
struct Rx {
    level: u8,
}

#[derive(VmState)]
#[vmstate(name = "uart", version = 2, minimum_version = 1)]
struct Uart {
    lcr: u8,
    #[vmstate(subsection, needed = "Self::fifo_needed", since = 2)]
    fifo: Fifo,
    // The conflict alone: a subsection's `default` applies whenever it is not sent.
    #[vmstate(subsection, needed = "Self::fifo_needed", since = 1, default)]
    rx: Rx,
}

impl Uart {
    fn fifo_needed(&self) -> bool {
        self.fifo.level != 0
    }
}

fn main() {}
