// A hook string must hold a path.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(post_load = "not a path!")]
struct Uart {
    lcr: u8,
}

fn main() {}
