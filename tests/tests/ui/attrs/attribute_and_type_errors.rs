// Errors of the attributes and of the field types (the derive's and rustc's) are reported in
// one compile; a field whose attribute is in error is not checked further (`skp` may mean
// `skip`).
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
    #[vmstate(skp)]
    host: std::time::Instant,
}

fn main() {}
