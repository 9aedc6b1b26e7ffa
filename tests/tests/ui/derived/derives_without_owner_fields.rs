// `derives` names the function that recomputes a nested struct's `derived_by_owner` fields;
// on a type without any (a register, a struct that recomputes nothing through its owner) it
// would run a function nothing asked for.
use vmstate_core::VmState;

#[derive(VmState)]
struct Window {
    base: u32,
}

#[derive(VmState)]
struct Uart {
    #[vmstate(derives = "Self::update")]
    lcr: u32,
    #[vmstate(derives = "Self::update")]
    window: Window,
}

impl Uart {
    fn update(&mut self) {}
}

fn main() {}
