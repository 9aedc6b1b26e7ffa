// A derived function must be `fn(&mut Self)`: a `&self` function cannot recompute anything.
use vmstate_core::VmState;

#[derive(VmState)]
struct Timer {
    count: u32,
    #[vmstate(derived = "Self::update")]
    expired: bool,
}

impl Timer {
    fn update(&self) {}
}

fn main() {}
