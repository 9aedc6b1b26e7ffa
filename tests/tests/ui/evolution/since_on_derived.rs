// A derived field is not sent, so `since` has nothing to say about it.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2)]
struct Timer {
    count: u32,
    #[vmstate(derived = "Self::update", since = 2)]
    expired: bool,
}

impl Timer {
    fn update(&mut self) {
        self.expired = self.count == 0;
    }
}

fn main() {}
