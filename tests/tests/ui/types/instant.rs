// `std::time::Instant` cannot migrate (it is meaningless on another host).
use vmstate_core::VmState;

#[derive(VmState)]
struct Timer {
    count: u32,
    deadline: std::time::Instant,
}

fn main() {}
