// The field that `len` names must be an integer; the error lands on the `len` string, once
// (a nested struct's staged form is another type, which is not named).
use vmstate_core::VmState;

#[derive(VmState)]
struct Inner {
    n: u8,
}

#[derive(VmState)]
struct Dev {
    scale: f32,
    #[vmstate(len = "scale", max_len = 8)]
    samples: Vec<u16>,
    enabled: bool,
    #[vmstate(len = "enabled", max_len = 8)]
    flags: Vec<u8>,
    inner: Inner,
    #[vmstate(len = "inner", max_len = 8)]
    bytes: Vec<u8>,
}

fn main() {}
