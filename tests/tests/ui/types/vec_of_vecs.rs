// A sequence of sequences has no wire form: the inner one goes into a struct of its own.
use vmstate_core::VmState;

#[derive(VmState)]
struct Dma {
    #[vmstate(max_len = 4)]
    queues: Vec<Vec<u8>>,
}

fn main() {}
