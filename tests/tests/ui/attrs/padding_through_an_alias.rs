// The runtime's padding named through an alias the derive cannot know (`use ... as vs`) is
// taken for a type of one's own, and then found to be padding by its shape: a key padding
// does not take is refused on the key.
extern crate vmstate_core as vs;

use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "dev")]
struct Dev {
    #[vmstate(equal)]
    gone: vs::Removed<u32>,
    level: u8,
}

fn main() {}
