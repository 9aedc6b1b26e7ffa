// A key must be a bare identifier.
use vmstate_core::VmState;

#[derive(VmState)]
struct Uart {
    #[vmstate(vmstate::skip)]
    host_fd: i32,
}

fn main() {}
