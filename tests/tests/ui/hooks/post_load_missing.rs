// `post_load` names a function that does not exist.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(post_load = "Self::after_load")]
struct Uart {
    lcr: u8,
}

fn main() {}
