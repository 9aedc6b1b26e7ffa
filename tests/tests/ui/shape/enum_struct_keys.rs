// Sections, versions and hooks belong to structs: an enum takes only `crate`.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "mode", version = 2, post_load = "Self::after_load")]
#[repr(u8)]
enum Mode {
    Off,
    #[vmstate(skip)]
    On,
}

fn main() {}
