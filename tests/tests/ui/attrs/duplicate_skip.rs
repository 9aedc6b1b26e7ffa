// A flag given twice.
use vmstate_core::VmState;

#[derive(VmState)]
struct Uart {
    lcr: u8,
    #[vmstate(skip, skip)]
    host_fd: i32,
}

fn main() {}
