// Keys in another case (as in another language's attributes): each is unknown, and the
// message names the key meant.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(Name = "uart", VERSION = 2, postLoad = "Self::after")]
struct Uart {
    #[vmstate(maxLen = 4)]
    fifo: Vec<u8>,
    #[vmstate(Skip)]
    fd: i32,
}

impl Uart {
    fn after(&mut self) {}
}

fn main() {}
