// `skip` excludes every other key.
use vmstate_core::VmState;

#[derive(VmState)]
struct Timer {
    count: u32,
    #[vmstate(skip, immutable)]
    host_fd: i32,
}

fn main() {}
