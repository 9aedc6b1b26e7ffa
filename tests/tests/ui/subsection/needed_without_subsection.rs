// `needed` says when a subsection is sent; on an ordinary field it means nothing.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "uart")]
struct Uart {
    lcr: u8,
    #[vmstate(needed = "Self::fifo_needed")]
    fifo_level: u8,
}

impl Uart {
    fn fifo_needed(&self) -> bool {
        self.fifo_level != 0
    }
}

fn main() {}
