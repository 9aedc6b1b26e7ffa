// A derived field does not travel, so a bound on its length means nothing.
use vmstate_core::VmState;

#[derive(VmState)]
struct Mmu {
    ttb: u32,
    #[vmstate(derived = "Self::rebuild", max_len = 16)]
    tlb: Vec<u32>,
}

impl Mmu {
    fn rebuild(&mut self) {
        self.tlb.clear();
    }
}

fn main() {}
