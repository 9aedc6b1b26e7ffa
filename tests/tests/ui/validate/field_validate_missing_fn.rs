// A field's `validate = "..."` names a function that does not exist.
use vmstate_core::VmState;

#[derive(VmState)]
struct Rtc {
    #[vmstate(validate = "Self::check_divisor")]
    divisor: u16,
}

fn main() {}
