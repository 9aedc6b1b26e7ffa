// `exists` is `fn(&Self, u32) -> bool`: it is given the section version too.
use vmstate_core::VmState;

#[derive(VmState)]
struct Pic {
    level: u32,
    #[vmstate(exists = "Self::has_mask")]
    mask: u32,
}

impl Pic {
    fn has_mask(&self) -> bool {
        true
    }
}

fn main() {}
