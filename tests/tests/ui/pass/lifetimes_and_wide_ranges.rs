// Structs with lifetime parameters whose field types name them, next to checked nested
// fields; a `u128` range beyond `i128` is not taken for an empty one.
use core::marker::PhantomData;
use vmstate_core::VmState;

#[derive(VmState, Default, PartialEq, Debug)]
#[vmstate(name = "window")]
struct Window {
    base: u32,
}

#[derive(VmState)]
struct Borrowing<'a> {
    reg: u32,
    #[vmstate(skip)]
    label: &'a str,
}

#[derive(VmState)]
struct Outer<'a, T> {
    inner: Borrowing<'a>,
    window: Window,
    value: T,
    #[vmstate(skip)]
    marker: PhantomData<&'a ()>,
}

#[derive(VmState, Debug, PartialEq)]
struct Wide {
    #[vmstate(range = "170141183460469231731687303715884105728..170141183460469231731687303715884105730")]
    top: u128,
}

fn main() {
    let src = Outer {
        inner: Borrowing { reg: 5, label: "src" },
        window: Window { base: 0x1000 },
        value: 7u8,
        marker: PhantomData,
    };
    let mut dst = Outer {
        inner: Borrowing { reg: 0, label: "dst" },
        window: Window::default(),
        value: 0u8,
        marker: PhantomData,
    };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!((dst.inner.reg, dst.inner.label, dst.window.base, dst.value), (5, "dst", 0x1000, 7));
    let wide = Wide { top: 1 << 127 };
    let mut back = Wide { top: 0 };
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&wide).unwrap()).unwrap();
    assert_eq!(back, wide);
}
