use vmstate_core::{Unused, VmState};

#[derive(VmState)]
struct Timer {
    count: u32,
    _was_prescale: Unused<0>,
    _was_mode: vmstate_core::Unused<0x0>,
    _kept: Unused<4>,
}

fn main() {}
