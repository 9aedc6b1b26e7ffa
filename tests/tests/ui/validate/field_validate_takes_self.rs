// A field's `validate` sees the field's value (`&u16` here), not the struct: use a container
// `validate` to check fields together.
use vmstate_core::VmState;

#[derive(VmState)]
struct Rtc {
    #[vmstate(validate = "Self::check_divisor")]
    divisor: u16,
}

impl Rtc {
    fn check_divisor(&self) -> Result<(), std::io::Error> {
        Ok(())
    }
}

fn main() {}
