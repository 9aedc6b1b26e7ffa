// The runtime's padding named so that the derive cannot know it as padding (a renamed crate,
// a renamed import, a type alias) is taken for a type of one's own, and then found to be
// padding by its shape: a key padding does not take is refused on the key. `skip` would
// have dropped the padding's bytes from the wire.
extern crate vmstate_core as vs;

use vmstate_core::Unused as Pad;
use vmstate_core::VmState;

type Gap = vmstate_core::Removed<u32>;

#[derive(VmState)]
#[vmstate(name = "dev")]
struct Dev {
    #[vmstate(equal)]
    gone: vs::Removed<u32>,
    #[vmstate(skip)]
    reserved: Pad<4>,
    #[vmstate(immutable)]
    old_mode: Gap,
    level: u8,
}

fn main() {}
