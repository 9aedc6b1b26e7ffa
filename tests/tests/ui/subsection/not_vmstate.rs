// A subsection is a struct that derives `VmState` (it has its own name and version); a
// `u32` is not one.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "uart")]
struct Uart {
    lcr: u8,
    #[vmstate(subsection, needed = "Self::fifo_needed")]
    fifo_level: u32,
}

impl Uart {
    fn fifo_needed(&self) -> bool {
        self.fifo_level != 0
    }
}

fn main() {}
