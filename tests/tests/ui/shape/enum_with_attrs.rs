// Attribute errors are still reported alongside "not a struct".
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(versoin = 1)]
enum Mode {
    Off,
    On,
}

fn main() {}
