// `post_load` names something that is not a function.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(post_load = "Self::LIMIT")]
struct Uart {
    lcr: u8,
}

impl Uart {
    const LIMIT: u32 = 4;
}

fn main() {}
