// Errors of the attributes and of the field types (the derive's and rustc's) are reported in
// one compile, also the derive's on a field with another key in error (`since = "x"`); the
// type of a field whose role key is in error is not checked (`skp` may mean `skip`).
use std::rc::Rc;
use vmstate_core::VmState;

#[derive(VmState)]
struct Dev {
    #[vmstate(max_len = 0)]
    fifo: Vec<u8>,
    shared: Rc<u32>,
    log: std::fs::File,
    #[vmstate(derived)]
    cached: u32,
    #[vmstate(since = "x")]
    count: usize,
    #[vmstate(skp)]
    host: std::time::Instant,
}

fn main() {}
