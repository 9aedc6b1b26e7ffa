// A `Cell` is not a plain value the load compares before its commit: `range` and a field's
// `validate` on one are one error each, on the key.
use std::cell::Cell;
use vmstate_core::VmState;

#[derive(VmState)]
struct Dev {
    #[vmstate(range = "0..4")]
    a: Cell<u8>,
    #[vmstate(validate = "check")]
    b: Cell<u8>,
}

fn check(b: &Cell<u8>) -> Result<(), std::io::Error> {
    let _ = b;
    Ok(())
}

fn main() {}
