// A derived function that is also the container's `post_load` would run twice per load (the
// derived functions run, then `post_load`): each spelling of the one function is caught, and
// `derives` the same way.
use vmstate_core::VmState;

#[derive(VmState)]
struct Window {
    base: u32,
    #[vmstate(derived_by_owner)]
    mapped: bool,
}

#[derive(VmState)]
#[vmstate(post_load = "Self::refresh")]
struct Timer {
    count: u8,
    #[vmstate(derived = "Timer::refresh")]
    double: u16,
    #[vmstate(derives = "Self::refresh")]
    window: Window,
    #[vmstate(skip)]
    runs: u32,
}

impl Timer {
    fn refresh(&mut self) {
        self.double = u16::from(self.count) * 2;
        self.window.mapped = self.window.base != 0;
        self.runs += 1;
    }
}

fn main() {}
