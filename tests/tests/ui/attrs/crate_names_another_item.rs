// `crate` naming a path that exists but is not the runtime crate (the derive's own path, as a
// crate that re-exports only the derive would give, or another crate): reported on the
// string, not on the derive.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "dev", crate = "vmstate_core::VmState")]
struct Dev {
    a: u8,
}

#[derive(VmState)]
#[vmstate(name = "other", crate = "std")]
struct Other {
    a: u8,
}

fn main() {}
