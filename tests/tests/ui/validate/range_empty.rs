// A range that holds no value would refuse every load.
use vmstate_core::VmState;

#[derive(VmState)]
struct Ssp {
    #[vmstate(range = "8..0")]
    head: u32,
    #[vmstate(range = "3..3")]
    tail: u32,
    #[vmstate(range = "-1..=-2")]
    bias: i8,
    #[vmstate(range = "0..=0")]
    one_value: u8,
}

fn main() {}
