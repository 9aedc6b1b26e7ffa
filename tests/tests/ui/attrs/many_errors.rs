// Several independent mistakes in one struct: one compile reports all of them.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(version = 2, minimum_version = 3, colour = "blue")]
struct Uart {
    #[vmstate(derived)]
    ready: bool,
    #[vmstate(skip, immutable)]
    host_fd: i32,
    fifo: Vec<u8>,
    #[vmstate(max_len = "16")]
    name: String,
}

fn main() {}
