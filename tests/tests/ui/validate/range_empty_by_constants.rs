// A range whose bounds are constants is checked by the compiler: an empty one is refused
// however its bounds are spelt, since it would refuse every load.
use vmstate_core::VmState;

const NO_IRQS: u32 = 0;
const NOT_A_NUMBER: f32 = f32::NAN;
const LIMIT: u8 = 8;

#[derive(VmState)]
struct Pic {
    #[vmstate(range = "..NO_IRQS")]
    pending: u32,
    #[vmstate(range = "0.0..NOT_A_NUMBER")]
    level: f32,
    #[vmstate(range = "..=<f64>::NAN")]
    drift: f64,
    #[vmstate(range = "(LIMIT + 1)..=LIMIT")]
    head: u8,
    #[vmstate(range = "&0..&Self::DEPTH")]
    tail: u8,
    // Bounds that hold values are fine.
    #[vmstate(range = "1..=LIMIT")]
    count: u8,
    #[vmstate(range = "f64::NEG_INFINITY..=f64::INFINITY")]
    bias: f64,
}

impl Pic {
    const DEPTH: u8 = 0;
}

fn main() {}
