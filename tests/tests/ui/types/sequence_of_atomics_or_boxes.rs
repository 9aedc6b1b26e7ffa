// A `Vec` or `Box<[T]>` element is a plain value or a struct: not an atomic, not a box.
use std::sync::atomic::{AtomicU32, AtomicU8};
use vmstate_core::VmState;

#[derive(VmState, Default)]
#[vmstate(name = "elem")]
struct Elem {
    y: u8,
}

#[derive(VmState)]
struct Dev {
    #[vmstate(max_len = 4)]
    counters: Vec<AtomicU32>,
    #[vmstate(max_len = 4)]
    flags: Box<[AtomicU8]>,
    #[vmstate(max_len = 2)]
    elems: Vec<Box<Elem>>,
}

fn main() {}
