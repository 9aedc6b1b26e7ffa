use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(transparent)]
#[repr(u8)]
enum Parity {
    None = 0,
    Odd = 1,
}

fn main() {}
