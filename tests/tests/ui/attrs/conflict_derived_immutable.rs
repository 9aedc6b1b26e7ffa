// A field is either migrated, derived, derived by its owner or immutable.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(post_load = "Self::after_load")]
struct Timer {
    count: u32,
    #[vmstate(derived, immutable)]
    expired: bool,
}

impl Timer {
    fn after_load(&mut self) {}
}

fn main() {}
