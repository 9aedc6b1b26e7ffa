// Ranges with bounds from constants: a path through `self::` (a module, not the struct), an
// associated constant of a generic element type (each element is compared, so the bound is
// on the element type); and generic parameters named like the derive's own (`__D`, `__E`).
use vmstate_core::VmState;

const MAX: u8 = 8;

#[derive(VmState, Debug, PartialEq)]
struct Fifo {
    #[vmstate(range = "0..self::MAX")]
    head: u8,
}

// Bounds by reference, as std's `RangeBounds<T>` takes them.
#[derive(VmState, Debug, PartialEq)]
struct ByReference {
    #[vmstate(range = "&1..&self::MAX")]
    level: u8,
}

trait Top {
    const TOP: Self;
}

impl Top for u16 {
    const TOP: u16 = 100;
}

#[derive(VmState, Debug, PartialEq)]
struct Limits<T: Top> {
    #[vmstate(range = "..T::TOP")]
    pair: [T; 2],
}

#[derive(VmState, Debug, PartialEq)]
struct Named<__D, __E> {
    a: __D,
    b: __E,
}

fn main() {
    let bytes = vmstate_core::to_bytes(&Fifo { head: 8 }).unwrap();
    let err = vmstate_core::from_bytes(&mut Fifo { head: 0 }, &bytes).unwrap_err();
    assert!(err.to_string().contains("value 8 is outside the valid range 0..8 (`0..self::MAX`)"), "{err}");
    let bytes = vmstate_core::to_bytes(&ByReference { level: 0 }).unwrap();
    let err = vmstate_core::from_bytes(&mut ByReference { level: 3 }, &bytes).unwrap_err();
    assert!(err.to_string().contains("value 0 is outside the valid range 1..8 (`&1..&self::MAX`)"), "{err}");
    let bytes = vmstate_core::to_bytes(&ByReference { level: 7 }).unwrap();
    vmstate_core::from_bytes(&mut ByReference { level: 3 }, &bytes).unwrap();

    let bytes = vmstate_core::to_bytes(&Limits { pair: [1u16, 100] }).unwrap();
    let mut dst = Limits { pair: [0u16, 0] };
    let err = vmstate_core::from_bytes(&mut dst, &bytes).unwrap_err();
    assert!(err.to_string().contains("limits.pair[1]: value 100"), "{err}");
    assert_eq!(dst, Limits { pair: [0, 0] });

    let src = Named { a: 1u8, b: 2u32 };
    let mut dst = Named { a: 0u8, b: 0u32 };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
}
