use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(transparent)]
#[repr(packed)]
struct Divisor(u16);

fn main() {}
