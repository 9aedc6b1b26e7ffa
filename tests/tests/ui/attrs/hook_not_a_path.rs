// A hook string must hold a path; a value in `default`'s string is pointed to a function or
// the bare `default`.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(post_load = "not a path!")]
struct Uart {
    lcr: u8,
}

#[derive(VmState)]
#[vmstate(version = 2, minimum_version = 1)]
struct Timer {
    #[vmstate(since = 2, default = "0")]
    reload: u32,
}

fn main() {}
