// `exists` returns `bool`.
use vmstate_core::VmState;

#[derive(VmState)]
struct Pic {
    level: u32,
    #[vmstate(exists = "Self::has_mask")]
    mask: u32,
}

impl Pic {
    fn has_mask(&self, version: u32) -> u32 {
        version
    }
}

fn main() {}
