// A `String` needs a bound: `#[vmstate(max_len = N)]`.
use vmstate_core::VmState;

#[derive(VmState)]
struct Label {
    #[vmstate(immutable)]
    text: String,
}

fn main() {}
