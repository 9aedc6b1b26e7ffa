// A field's `name` must be a non-empty string, and no two fields may be described alike.
use vmstate_core::VmState;

#[derive(VmState)]
struct Dev {
    #[vmstate(name = "b")]
    a: u32,
    b: u32,
    #[vmstate(name = "")]
    c: u32,
    #[vmstate(name = 3)]
    d: u32,
    #[vmstate(name = "e.x")]
    e: u32,
    #[vmstate(name = "e.x")]
    f: u32,
    #[vmstate(name = "g", name = "h")]
    g: u32,
}

fn main() {}
