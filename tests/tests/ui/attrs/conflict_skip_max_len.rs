// `skip` excludes every other key, `max_len` too (in separate attributes as well).
use vmstate_core::VmState;

#[derive(VmState)]
struct Log {
    #[vmstate(skip)]
    #[vmstate(max_len = 64)]
    lines: Vec<u8>,
}

fn main() {}
