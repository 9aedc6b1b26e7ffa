// `derives` belongs on a migrated field; on an immutable one it means nothing.
use vmstate_core::VmState;

#[derive(VmState)]
struct Window {
    base: u32,
    #[vmstate(derived_by_owner)]
    mapped: bool,
}

#[derive(VmState)]
struct Board {
    #[vmstate(immutable, derives = "Self::map")]
    window: Window,
}

impl Board {
    fn map(&mut self) {}
}

fn main() {}
