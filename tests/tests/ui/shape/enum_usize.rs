// A discriminant as wide as the host's pointers would make the wire depend on the host.
use vmstate_core::VmState;

#[derive(VmState)]
#[repr(usize)]
enum Mode {
    Off,
    On,
}

fn main() {}
