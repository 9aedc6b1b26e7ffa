// Discriminant literals out of the `repr`'s range, where the crate allows
// `overflowing_literals`: they travel as the values rustc wraps them to.
#![allow(overflowing_literals)]
use vmstate_core::VmState;

#[derive(VmState, Clone, Copy, Debug, PartialEq)]
#[repr(u8)]
enum Mode {
    Off = 0,
    Wrapped = 300,
    Parenthesized = (301),
}

#[derive(VmState, Clone, Copy, Debug, PartialEq)]
#[repr(i8)]
enum Level {
    Low = -128,
    High = 127,
    Up = 200,
    Down = -200,
}

#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "panel")]
struct Panel {
    mode: Mode,
    levels: [Level; 4],
}

fn main() {
    assert_eq!((Mode::Wrapped as u8, Level::Up as i8, Level::Down as i8), (44, -56, 56));
    assert_eq!(Mode::Parenthesized as u8, 45);
    let parenthesized = vmstate_core::qemu::to_bytes(&Panel { mode: Mode::Parenthesized, levels: [Level::Low; 4] });
    assert_eq!(parenthesized.unwrap()[0], 45);
    let src = Panel {
        mode: Mode::Wrapped,
        levels: [Level::Low, Level::High, Level::Up, Level::Down],
    };
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(qemu, [44, 0x80, 0x7f, 0xc8, 0x38]);
    let mut dst = Panel { mode: Mode::Off, levels: [Level::Low; 4] };
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst, src);
    let mut dst = Panel { mode: Mode::Off, levels: [Level::Low; 4] };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
}
