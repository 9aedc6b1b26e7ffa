// A field key (`skip`) on the container, and a container key (`version`) on a field.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(skip)]
struct Uart {
    #[vmstate(version = 2)]
    lcr: u8,
}

fn main() {}
