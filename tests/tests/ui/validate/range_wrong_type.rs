// The range's bounds have the field's type: an `f32` range on a `u8` field does not compile,
// nor does a range of wire integers on a field of a converted type (written `Level(0)..`).
use vmstate_core::VmState;

#[derive(VmState)]
struct Rtc {
    #[vmstate(range = "0.0..1.0")]
    mode: u8,
}

#[derive(VmState, Debug, Clone, Copy, PartialEq, PartialOrd)]
#[vmstate(from = "u8", into = "u8")]
struct Level(u8);

impl From<u8> for Level {
    fn from(v: u8) -> Self {
        Level(v)
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l.0
    }
}

#[derive(VmState)]
struct Dac {
    #[vmstate(range = "0..=15")]
    level: Level,
}

fn main() {}
