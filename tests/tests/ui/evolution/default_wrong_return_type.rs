// `default` must be `fn() -> T` for the field's type `T` (here `u32`, not `u16`).
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2, minimum_version = 1)]
struct Timer {
    count: u32,
    #[vmstate(since = 2, default = "Self::default_reload")]
    reload: u32,
}

impl Timer {
    fn default_reload() -> u16 {
        0xffff
    }
}

fn main() {}
