// `range` takes the range in a string.
use vmstate_core::VmState;

#[derive(VmState)]
struct Rtc {
    #[vmstate(range = 0..=7)]
    mode: u8,
}

fn main() {}
