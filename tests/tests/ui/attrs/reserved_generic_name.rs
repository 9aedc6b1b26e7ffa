// The generated impls add generic parameters of their own.
use vmstate_core::VmState;

#[derive(VmState)]
struct Dev<'__vmstate, __VmStateDecoder: Default> {
    a: u8,
    #[vmstate(skip)]
    b: Option<&'__vmstate __VmStateDecoder>,
}

fn main() {}
