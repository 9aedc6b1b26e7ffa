// A fieldless enum has no use for generic parameters; a migratable one cannot have them.
use vmstate_core::VmState;

#[derive(VmState)]
#[repr(u8)]
enum Mode<'a> {
    Off,
    On(&'a u8),
}

fn main() {}
