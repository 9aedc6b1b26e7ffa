// Attribute syntax that is not `key`, `key = value`: the next attribute is still checked.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "uart" version = 2)]
struct Uart {
    #[vmstate(skip, 3)]
    host_fd: i32,
    #[vmstate(bogus)]
    lcr: u8,
}

fn main() {}
