// An atomic is not a plain value the load compares before its commit: a `range` or a
// field's `validate` on one (or on an array of them) is one error on the key, saying to
// check it in the container's `validate`.
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU32};
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "virtio_mmio")]
struct VirtioMmio {
    #[vmstate(range = "0..0x100")]
    interrupt_status: AtomicU32,
    #[vmstate(validate = "ready_ok")]
    ready: AtomicBool,
    #[vmstate(range = "..8")]
    queue_sel: [std::sync::atomic::AtomicU16; 2],
    // Without a check: no error.
    vector: AtomicU16,
}

fn ready_ok(_: &AtomicBool) {}

fn main() {}
