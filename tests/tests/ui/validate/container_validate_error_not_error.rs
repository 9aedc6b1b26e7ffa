// The container `validate`'s error type must be a `std::error::Error` (not a `String`).
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(validate = "Self::check")]
struct Window {
    lo: u32,
    hi: u32,
}

impl Window {
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

fn main() {}
