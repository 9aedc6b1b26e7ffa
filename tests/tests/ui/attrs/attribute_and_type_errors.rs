// Errors of the attributes and of the field types are reported in one compile.
use std::rc::Rc;
use vmstate_core::VmState;

#[derive(VmState)]
struct Dev {
    #[vmstate(max_len = 0)]
    fifo: Vec<u8>,
    shared: Rc<u32>,
    #[vmstate(derived)]
    cached: u32,
    #[vmstate(skp)]
    host: std::time::Instant,
}

fn main() {}
