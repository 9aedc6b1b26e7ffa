// `crate` must be a path, and a module's: no generic arguments.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(crate = "vmstate core")]
struct Uart {
    lcr: u8,
}

#[derive(VmState)]
#[vmstate(crate = "vmstate_core::<u8>")]
struct Generic {
    lcr: u8,
}

fn main() {}
