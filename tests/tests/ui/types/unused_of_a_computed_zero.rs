// A padding length computed as 0 (a constant, an expression) is refused where the derive
// cannot read it: when the field's shape is evaluated.
use vmstate_core::{Unused, VmState};

const REMOVED_BYTES: usize = 0;

#[derive(VmState)]
struct Timer {
    count: u32,
    _was_prescale: Unused<REMOVED_BYTES>,
}

fn main() {}
