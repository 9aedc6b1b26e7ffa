// `range` is a Rust range expression in a string: "0..=7", not "7".
use vmstate_core::VmState;

#[derive(VmState)]
struct Rtc {
    #[vmstate(range = "7")]
    mode: u8,
}

fn main() {}
