// `crate` must be a path.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(crate = "vmstate core")]
struct Uart {
    lcr: u8,
}

fn main() {}
