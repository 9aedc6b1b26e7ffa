// A `Box` of a sequence is refused on its type with what to write instead (the sequence holds
// its elements on the heap already), with `max_len` or without; a boxed array migrates.
use std::collections::VecDeque;
use vmstate_core::VmState;

#[derive(VmState)]
struct Uart {
    #[vmstate(max_len = 16)]
    rx: Box<VecDeque<u8>>,
    tx: Box<Vec<u8>>,
    #[vmstate(max_len = 8)]
    name: std::boxed::Box<String>,
    regs: Box<[u32; 4]>,
    // As a sequence's element, a box is said to be one once; what it holds is looked into.
    #[vmstate(max_len = 4)]
    rings: Vec<Box<Vec<u8>>>,
    #[vmstate(max_len = 4)]
    sizes: Vec<Box<usize>>,
}

fn main() {}
