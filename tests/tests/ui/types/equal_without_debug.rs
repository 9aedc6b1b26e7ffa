// The mismatch error prints both values: an `equal` field's type must be `Debug`.
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "cfg")]
struct Cfg {
    base: u32,
}

#[derive(VmState)]
#[vmstate(name = "dev")]
struct Dev {
    #[vmstate(equal)]
    cfg: Cfg,
}

fn main() {}
