// A struct that ends with an unsized field (a C flexible array member, text, a trait object):
// one error on the type, saying what to write instead, and none from code the derive would
// write for it (it writes none).
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "dev")]
struct Flexible {
    n: u32,
    #[vmstate(len = "n")]
    data: [u32],
}

#[derive(VmState)]
#[vmstate(name = "label")]
struct Label {
    #[vmstate(max_len = 16)]
    text: str,
}

#[derive(VmState)]
#[vmstate(name = "host")]
struct Host {
    a: u8,
    #[vmstate(skip)]
    backend: dyn std::fmt::Debug,
}

fn main() {}
