// A NaN bound compares with no value, so every load would be refused: spelt any way.
use vmstate_core::VmState;

#[derive(VmState)]
struct Dac {
    #[vmstate(range = "0.0..f32::NAN")]
    level: f32,
    #[vmstate(range = "-core::f64::NAN..")]
    drift: f64,
    #[vmstate(range = "..=(std::f32::NAN)")]
    gain: f32,
    // Infinite bounds are fine.
    #[vmstate(range = "f64::NEG_INFINITY..=f64::INFINITY")]
    bias: f64,
}

fn main() {}
