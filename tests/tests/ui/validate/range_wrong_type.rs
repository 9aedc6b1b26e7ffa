// The range's bounds have the field's type: an `f32` range on a `u8` field does not compile.
use vmstate_core::VmState;

#[derive(VmState)]
struct Rtc {
    #[vmstate(range = "0.0..1.0")]
    mode: u8,
}

fn main() {}
