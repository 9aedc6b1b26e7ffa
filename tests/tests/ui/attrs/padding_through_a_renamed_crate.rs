// Padding named through the runtime crate's name given in `crate = "..."` is padding: it
// takes only `name`, `since` and `exists`.
extern crate vmstate_core as vs;

use vs::VmState;

#[derive(VmState)]
#[vmstate(crate = "vs", name = "dev")]
struct Dev {
    #[vmstate(equal)]
    gone: vs::Removed<u32>,
    #[vmstate(default = "Self::two")]
    spare: vs::Unused<2>,
    level: u8,
}

fn main() {}
