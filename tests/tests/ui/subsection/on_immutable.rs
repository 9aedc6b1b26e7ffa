// An immutable field is not sent, so it cannot be a subsection.
use vmstate_core::VmState;

#[derive(VmState, Debug)]
#[vmstate(name = "uart/config")]
struct Config {
    clock: u32,
}

#[derive(VmState)]
#[vmstate(name = "uart")]
struct Uart {
    lcr: u8,
    #[vmstate(immutable, subsection, needed = "Self::config_needed")]
    config: Config,
}

impl Uart {
    fn config_needed(&self) -> bool {
        true
    }
}

fn main() {}
