// `default` takes no arguments: it cannot look at the destination.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2, minimum_version = 1)]
struct Timer {
    count: u32,
    #[vmstate(since = 2, default = "Self::default_reload")]
    reload: u32,
}

impl Timer {
    fn default_reload(&self) -> u32 {
        self.count
    }
}

fn main() {}
