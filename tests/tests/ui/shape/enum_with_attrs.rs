// Attribute errors are reported alongside the missing `repr`.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(versoin = 1)]
enum Mode {
    Off,
    On,
}

fn main() {}
