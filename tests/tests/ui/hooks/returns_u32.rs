// A hook returns `()` or `Result<(), E>`; not a `u32`.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(post_load = "Self::after_load")]
struct Uart {
    lcr: u8,
}

impl Uart {
    fn after_load(&mut self) -> u32 {
        0
    }
}

fn main() {}
