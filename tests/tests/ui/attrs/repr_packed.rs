// Fields of a packed struct may be unaligned and cannot be borrowed.
use vmstate_core::VmState;

#[derive(VmState)]
#[repr(C, packed)]
struct Regs {
    ctrl: u8,
    data: u32,
}

fn main() {
    let _ = vmstate_core::to_bytes(&Regs { ctrl: 1, data: 2 });
}
