// A `post_load` hook that takes the loaded version takes it as a `u32`, as `exists` does.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2, minimum_version = 1, post_load = "Self::after_load")]
struct Uart {
    lcr: u8,
}

impl Uart {
    fn after_load(&mut self, version: u64) {
        let _ = version;
    }
}

fn main() {}
