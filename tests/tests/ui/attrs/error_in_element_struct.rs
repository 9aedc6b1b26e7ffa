// A typo in a struct used as a `Vec` element is reported once, on the typo: the struct's
// stand-in impls (emitted with the errors) keep its uses elsewhere from being reported as
// unsupported elements.
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq)]
#[vmstate(name = "ring/desc")]
struct Desc {
    #[vmstate(sincee = 2)]
    addr: u64,
}

#[derive(VmState)]
#[vmstate(name = "ring")]
struct Ring {
    #[vmstate(max_len = 4)]
    descs: Vec<Desc>,
}

fn main() {
    let _ = vmstate_core::to_bytes(&Ring { descs: Vec::new() });
}
