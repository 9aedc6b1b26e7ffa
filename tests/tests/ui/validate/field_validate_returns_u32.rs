// A field's `validate` returns `()` or `Result<(), E>`, not an error code.
use vmstate_core::VmState;

#[derive(VmState)]
struct Rtc {
    #[vmstate(validate = "check_divisor")]
    divisor: u16,
}

fn check_divisor(divisor: &u16) -> u32 {
    u32::from(*divisor == 0)
}

fn main() {}
