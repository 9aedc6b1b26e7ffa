// An `unsafe fn` cannot be a hook (the generated code calls it as a safe function): the error
// is on the string and its note says to call it from a plain function.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(post_load = "Self::after")]
struct Uart {
    lcr: u8,
}

impl Uart {
    unsafe fn after(&mut self) {}
}

fn main() {}
