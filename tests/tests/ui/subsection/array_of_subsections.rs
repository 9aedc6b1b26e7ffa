// A subsection is one struct with its own name: an array of them cannot be told apart.
use vmstate_core::VmState;

#[derive(VmState, Default)]
#[vmstate(name = "dma/channel")]
struct Channel {
    src: u32,
}

#[derive(VmState)]
#[vmstate(name = "dma")]
struct Dma {
    #[vmstate(subsection, needed = "Self::busy")]
    channels: [Channel; 2],
}

impl Dma {
    fn busy(&self) -> bool {
        true
    }
}

fn main() {}
