// A section name QEMU could not carry: empty.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "")]
struct Uart {
    lcr: u8,
}

fn main() {
    // The struct's uses report nothing more: the derive's error is the only one.
    let _ = vmstate_core::to_bytes(&Uart { lcr: 3 });
}
