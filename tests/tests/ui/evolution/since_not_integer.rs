// `since` takes an integer, not a string (and the `default` beside it is not reported again).
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2)]
struct Timer {
    count: u32,
    #[vmstate(since = "x", default = "Self::default_reload")]
    reload: u32,
}

impl Timer {
    fn default_reload() -> u32 {
        0xffff
    }
}

fn main() {}
