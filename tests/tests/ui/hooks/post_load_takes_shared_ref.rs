// `post_load` must be `fn(&mut Self)` or `fn(&mut Self, u32)`.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(post_load = "Self::after_load")]
struct Uart {
    lcr: u8,
}

impl Uart {
    fn after_load(&self) {}
}

fn main() {}
