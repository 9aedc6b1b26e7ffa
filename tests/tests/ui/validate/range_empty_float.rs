// Float ranges that hold no value would refuse every load too.
use vmstate_core::VmState;

#[derive(VmState)]
struct Dac {
    #[vmstate(range = "1.0..0.5")]
    gain: f32,
    #[vmstate(range = "0.5..0.5")]
    offset: f64,
    #[vmstate(range = "-0.5..=-1.0")]
    bias: f64,
    #[vmstate(range = "0.0..=0.0")]
    zero: f32,
}

fn main() {}
