// A fieldless enum that derives `VmState` is a field's type, not a subsection.
use vmstate_core::VmState;

#[derive(VmState, Default, Clone, Copy, PartialEq)]
#[repr(u8)]
enum Mode {
    #[default]
    Off,
    On,
}

#[derive(VmState)]
struct Dev {
    lcr: u8,
    #[vmstate(subsection, needed = "Self::yes")]
    mode: Mode,
}

impl Dev {
    fn yes(&self) -> bool {
        true
    }
}

fn main() {}
