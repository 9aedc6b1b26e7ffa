// `exists` in place of `needed`: QEMU's `field_exists` taken for the subsection's `.needed`.
// One error, on `exists`, naming the key a subsection takes (not also "needs `needed`" and a
// conflict with `subsection`).
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
    #[vmstate(subsection, exists = "Self::fifo_in_use")]
    fifo: Fifo,
}

impl Uart {
    fn fifo_in_use(&self, _version: u32) -> bool {
        self.fifo.level != 0
    }
}

fn main() {}
