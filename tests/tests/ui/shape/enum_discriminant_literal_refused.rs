// Discriminant literals rustc refuses for the `repr` are reported once, by rustc, on the
// enum (the derive copies no literal), and the enum's uses report nothing more.
use vmstate_core::VmState;

#[derive(VmState, Clone, Copy)]
#[repr(u8)]
enum Negative {
    Below = -1,
    Zero,
}

#[derive(VmState, Clone, Copy)]
#[repr(u8)]
enum Suffixed {
    Wide = 1u16,
}

#[derive(VmState)]
struct Panel {
    negative: Negative,
    suffixed: Suffixed,
}

fn main() {
    let panel = Panel { negative: Negative::Zero, suffixed: Suffixed::Wide };
    let _ = vmstate_core::to_bytes(&panel);
}
