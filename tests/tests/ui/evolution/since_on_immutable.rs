// An immutable field is configuration, compared rather than loaded: `since` does not apply.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2)]
struct Timer {
    count: u32,
    #[vmstate(immutable, since = 2)]
    width: u8,
}

fn main() {}
