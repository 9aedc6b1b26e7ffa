// A field's `validate` is `fn(&T) -> Result<(), E>`: it checks the loaded value, it cannot
// change it.
use vmstate_core::VmState;

#[derive(VmState)]
struct Rtc {
    #[vmstate(validate = "check_divisor")]
    divisor: u16,
}

fn check_divisor(divisor: &mut u16) -> Result<(), std::io::Error> {
    *divisor = (*divisor).max(1);
    Ok(())
}

fn main() {}
