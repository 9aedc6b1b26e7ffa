// A bare `default` gives an empty sequence: for one whose length another field holds, a
// stream that lacks it could load only with a count of 0. Refused on the key.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "codec", version = 2, minimum_version = 1)]
struct Codec {
    #[vmstate(skip)]
    channels: u32,
    #[vmstate(since = 2, default, max_len = 8, len = "channels")]
    levels: Vec<u16>,
}

fn main() {}
