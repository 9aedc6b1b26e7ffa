// A char, a tuple, a unit and a reference: each refused with what to store instead.
use vmstate_core::VmState;

#[derive(VmState)]
struct Console<'a> {
    last: char,
    cursor: (u16, u16),
    nothing: (),
    font: &'a [u8; 16],
    #[vmstate(skip)]
    host: &'a str,
}

fn main() {}
