// The container `validate` is `fn(&Self) -> Result<(), E>`: it judges the loaded state, it
// cannot change it.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(validate = "Self::check")]
struct Window {
    lo: u32,
    hi: u32,
}

impl Window {
    fn check(&mut self) -> Result<(), std::io::Error> {
        Ok(())
    }
}

fn main() {}
