// `buffer` describes bytes that travel: not a skipped or derived field (an immutable one
// travels natively, and may be a buffer).
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(post_load = "Self::after")]
struct Dev {
    #[vmstate(skip, buffer)]
    host: [u8; 4],
    #[vmstate(derived, buffer)]
    cache: [u8; 4],
    #[vmstate(buffer, buffer)]
    twice: [u8; 4],
}

impl Dev {
    fn after(&mut self) {}
}

fn main() {}
