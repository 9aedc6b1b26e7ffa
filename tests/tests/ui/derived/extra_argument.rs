// A derived function must be `fn(&mut Self)`: this one takes an extra argument.
use vmstate_core::VmState;

#[derive(VmState)]
struct Timer {
    count: u32,
    #[vmstate(derived = "Self::update")]
    expired: bool,
}

impl Timer {
    fn update(&mut self, limit: u32) {
        self.expired = self.count >= limit;
    }
}

fn main() {}
