// `usize`/`isize` change width with the host: refused with the fixed-width type to use, on
// the type itself, also inside arrays and vectors.
use vmstate_core::VmState;

#[derive(VmState)]
struct Dma {
    count: usize,
    offsets: [isize; 4],
    #[vmstate(max_len = 16)]
    queue: Vec<usize>,
    ok: u64,
}

fn main() {}
