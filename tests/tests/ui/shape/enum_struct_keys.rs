// Sections, versions and hooks belong to structs: an enum takes only `crate`, and an
// unknown key is listed against that.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "mode", version = 2, post_load = "Self::after_load")]
#[repr(u8)]
enum Mode {
    Off,
    #[vmstate(skip)]
    On,
}

#[derive(VmState)]
#[vmstate(crate = "vmstate_core", skip)]
#[repr(u8)]
enum Level {
    Low,
}

fn main() {}
