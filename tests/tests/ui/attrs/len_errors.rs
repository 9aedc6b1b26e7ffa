// `len` names an integer field of the same struct, declared before the sequence when a wire
// carries it (an immutable one too: the native format reads it in field order) or skipped,
// and goes with `max_len` on a sequence that travels.
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "dev/sub")]
struct Sub {
    x: u32,
}

#[derive(VmState)]
#[vmstate(name = "dev", post_load = "Self::refresh")]
struct Dev {
    #[vmstate(len = "nmu", max_len = 4)]
    misspelt: Vec<u32>,
    #[vmstate(len = "later", max_len = 4)]
    early: Vec<u32>,
    later: u32,
    #[vmstate(len = "itself", max_len = 4)]
    itself: Vec<u32>,
    #[vmstate(derived)]
    cached: u32,
    #[vmstate(len = "cached", max_len = 4)]
    from_derived: Vec<u32>,
    #[vmstate(subsection, needed = "Self::sub_needed")]
    sub: Sub,
    #[vmstate(len = "sub", max_len = 4)]
    from_subsection: Vec<u32>,
    #[vmstate(len = "later")]
    no_bound: [u32; 4],
    #[vmstate(len = 3, max_len = 4)]
    not_a_string: Vec<u32>,
    #[vmstate(immutable, len = "later", max_len = 4)]
    immutable: Vec<u32>,
    #[vmstate(skip, len = "later")]
    skipped: Vec<u32>,
    #[vmstate(len = "configured_later", max_len = 4)]
    before_its_count: Vec<u32>,
    #[vmstate(immutable)]
    configured_later: u8,
    #[vmstate(name = "num_regs")]
    count: u32,
    #[vmstate(len = "num_regs", max_len = 4)]
    by_described_name: Vec<u32>,
}

impl Dev {
    fn refresh(&mut self) {}
    fn sub_needed(&self) -> bool {
        true
    }
}

fn main() {}
