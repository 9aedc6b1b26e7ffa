// `default = "..."` names a function that does not exist.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2, minimum_version = 1)]
struct Timer {
    count: u32,
    #[vmstate(since = 2, default = "Self::default_reload")]
    reload: u32,
}

fn main() {}
