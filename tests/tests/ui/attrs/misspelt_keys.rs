// A misspelt key is one mistake, reported once: the key it was meant to be (`max_len`,
// `post_load`) is not reported missing as well. So is a `len` on a sequence without its
// `max_len`.
use vmstate_core::VmState;

#[derive(VmState)]
struct Uart {
    #[vmstate(max_length = 16)]
    fifo: Vec<u8>,
}

#[derive(VmState)]
#[vmstate(post_laod = "Self::after_load")]
struct Pl031 {
    lr: u32,
    #[vmstate(derived)]
    alarm_armed: bool,
}

impl Pl031 {
    fn after_load(&mut self) {
        self.alarm_armed = self.lr != 0;
    }
}

#[derive(VmState)]
struct Gic {
    num_irq: u32,
    #[vmstate(len = "num_irq")]
    priority: Vec<u8>,
}

fn main() {}
