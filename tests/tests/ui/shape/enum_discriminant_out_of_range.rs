// A discriminant out of the `repr`'s range is reported once, by rustc's
// `overflowing_literals` on the enum, not again on a copy in the derive's code.
use vmstate_core::VmState;

#[derive(VmState, Clone, Copy)]
#[repr(u8)]
enum Mode {
    Off = 0,
    Wrapped = 300,
    Parenthesized = (400),
}

#[derive(VmState)]
struct Panel {
    mode: Mode,
}

fn main() {
    let panel = Panel { mode: Mode::Off };
    let _ = vmstate_core::to_bytes(&panel);
    let _ = Mode::Wrapped;
}
