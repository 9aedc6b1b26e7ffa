// `usize`/`isize` (and their atomics) change width with the host: refused with the
// fixed-width type to use, on the type itself, also inside arrays, vectors and `Wrapping`.
use std::num::Wrapping;
use std::sync::atomic::AtomicUsize;
use vmstate_core::VmState;

#[derive(VmState)]
struct Dma {
    count: usize,
    offsets: [isize; 4],
    #[vmstate(max_len = 16)]
    queue: Vec<usize>,
    pending: AtomicUsize,
    head: Wrapping<usize>,
    ok: u64,
}

fn main() {}
