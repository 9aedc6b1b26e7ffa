// The container `validate` returns `()` or `Result<(), E>`, not an error code.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(validate = "Self::check")]
struct Window {
    lo: u32,
    hi: u32,
}

impl Window {
    fn check(&self) -> u32 {
        u32::from(self.lo > self.hi)
    }
}

fn main() {}
