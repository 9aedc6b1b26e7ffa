// `needed` is `fn(&Self) -> bool`: it runs during a save and cannot change the device.
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
    #[vmstate(subsection, needed = "Self::fifo_needed")]
    fifo: Fifo,
}

impl Uart {
    fn fifo_needed(&mut self) -> bool {
        self.fifo.level != 0
    }
}

fn main() {}
