// An enum's discriminants as rustc computes them (explicit values, which may name `Self`
// and constants; implicit ones continue from the previous), also for an enum with a `Drop`
// of its own, which cannot be cast to its integer.
#![deny(warnings)]
use vmstate_core::{Shape, VmState};

const BASE: u8 = 4;

#[derive(VmState, Debug, PartialEq)]
#[repr(u8)]
enum Lamp {
    Off = Self::FIRST,
    Dim,
    On = { BASE * 2 },
    Blink = (Self::FIRST + 8),
    Flash,
}

impl Lamp {
    const FIRST: u8 = 1;
}

impl Drop for Lamp {
    fn drop(&mut self) {}
}

#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "panel")]
struct Panel {
    lamp: Lamp,
    lamps: [Lamp; 2],
    #[vmstate(max_len = 4)]
    more: Vec<Lamp>,
}

fn main() {
    let Shape::Enum { variants, .. } = <Lamp as vmstate_core::Field>::SHAPE else {
        panic!("an enum's shape");
    };
    assert_eq!(variants, &[("Off", 1), ("Dim", 2), ("On", 8), ("Blink", 9), ("Flash", 10)]);
    let src = Panel { lamp: Lamp::Blink, lamps: [Lamp::Dim, Lamp::On], more: vec![Lamp::Off] };
    let qemu = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(qemu, [9, 2, 8, 0, 0, 0, 1, 1]);
    let fresh = || Panel { lamp: Lamp::Off, lamps: [Lamp::Off, Lamp::Off], more: Vec::new() };
    let mut dst = fresh();
    vmstate_core::qemu::from_bytes(&mut dst, &qemu, 1, 0).unwrap();
    assert_eq!(dst, src);
    let mut dst = fresh();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
    // A value that names no variant is refused, and the destination is unchanged.
    let mut bad = qemu.clone();
    bad[0] = 3;
    let mut dst = fresh();
    let err = vmstate_core::qemu::from_bytes(&mut dst, &bad, 1, 0).unwrap_err();
    assert!(err.to_string().contains("Off = 1, Dim = 2, On = 8, Blink = 9, Flash = 10"), "{err}");
    assert_eq!(dst, fresh());
}
