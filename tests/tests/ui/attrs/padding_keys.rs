// Padding keeps its bytes on both wires and loads nothing: a role that takes them off a
// wire, or a check or default that would see no value, is refused on the key.
use vmstate_core::{Removed, Unused, VmState};

#[derive(VmState, Default)]
#[vmstate(version = 2, minimum_version = 1, post_load = "Self::after")]
struct Dev {
    a: u8,
    #[vmstate(skip)]
    skipped: Unused<4>,
    #[vmstate(derived)]
    derived: Unused<2>,
    #[vmstate(immutable)]
    immutable: Removed<u32>,
    #[vmstate(validate = "check")]
    validated: Removed<u8>,
    #[vmstate(range = "0..4")]
    ranged: Removed<u8>,
    #[vmstate(since = 2, default = "Self::zero")]
    defaulted: Removed<u16>,
    #[vmstate(name = "unused", since = 2, exists = "Self::present")]
    unused: Unused<8>,
}

fn check(_: &Removed<u8>) -> Result<(), std::io::Error> {
    Ok(())
}

impl Dev {
    fn after(&mut self) {}
    fn zero() -> Removed<u16> {
        Removed::default()
    }
    fn present(&self, _version: u32) -> bool {
        true
    }
}

fn main() {}
