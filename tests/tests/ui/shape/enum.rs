// An enum travels at the width of its `repr`, which it must name.
use vmstate_core::VmState;

#[derive(VmState)]
enum Mode {
    Off,
    On,
}

// The field reports nothing more: the error is the enum's.
#[derive(VmState)]
struct Led {
    mode: Mode,
}

fn main() {}
