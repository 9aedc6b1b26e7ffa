// `range` compares the loaded value, so the field's type must be `PartialOrd`.
use vmstate_core::{Decoder, Encoder, Error, Field, Plain, Shape, VmState};

#[derive(Clone, Copy, Debug, PartialEq)]
struct Mode(u8);

impl Field for Mode {
    const SHAPE: Shape = Shape::Custom {
        name: "Mode",
        qemu_size: Some(1),
    };
    type Staged = Mode;
    fn placeholder() -> Mode {
        Mode(0)
    }
    fn save<E: Encoder>(&self, e: &mut E) -> Result<(), Error> {
        e.scalar(self.0);
        Ok(())
    }
    fn load<D: Decoder>(&self, d: &mut D) -> Result<Mode, Error> {
        Ok(Mode(d.scalar()?))
    }
    fn matches(&self, staged: &Mode) -> bool {
        self == staged
    }
    fn commit(&mut self, staged: &mut Mode) {
        core::mem::swap(self, staged)
    }
}

impl Plain for Mode {}

#[derive(VmState)]
struct Rtc {
    #[vmstate(range = "Mode(0)..=Mode(7)")]
    mode: Mode,
}

fn main() {}
