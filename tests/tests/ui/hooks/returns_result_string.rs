// A hook's error type must implement `std::error::Error`; `String` does not.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(pre_save = "Self::before_save")]
struct Uart {
    lcr: u8,
}

impl Uart {
    fn before_save(&self) -> Result<(), String> {
        Ok(())
    }
}

fn main() {}
