// `minimum_version` above `version`: the build could not load its own streams.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2, minimum_version = 3)]
struct Uart {
    lcr: u8,
}

fn main() {}
