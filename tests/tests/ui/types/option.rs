// QEMU's wire has no optional values.
use vmstate_core::VmState;

#[derive(VmState)]
struct Timer {
    count: u32,
    deadline: Option<u64>,
}

fn main() {}
