// `..` holds every value: a range that checks nothing is a mistake, not a check.
use vmstate_core::VmState;

#[derive(VmState)]
struct Ctrl {
    #[vmstate(range = "..")]
    mode: u8,
}

fn main() {}
