// `transparent` structs: generic, raw field names, in arrays and vectors, around a
// newtype, with the runtime crate renamed.
use vmstate_core::VmState;

#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(transparent)]
struct Reg<T>(T);

#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(transparent)]
struct Flags {
    r#type: u32,
}

#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(transparent)]
struct Outer(Reg<u16>);

mod facade {
    pub use vmstate_core::*;
}

// `transparent` as a `macro_rules!` fragment (`$m:meta`), which arrives in an invisible
// group.
macro_rules! newtype {
    ($m:meta, $name:ident) => {
        #[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
        #[vmstate($m)]
        struct $name(u16);
    };
}
newtype!(transparent, ViaMacro);

// Typed registers: `PhantomData` markers beside the value, before or after it.
#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(transparent)]
struct Typed<R>(std::marker::PhantomData<R>, u32);

#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(transparent)]
struct NamedTyped<R, S> {
    kind: core::marker::PhantomData<R>,
    value: u16,
    other: std::marker::PhantomData<S>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Uart;

#[derive(VmState, Debug, Clone, Copy, PartialEq, Default)]
#[vmstate(transparent, crate = "crate::facade")]
struct Renamed(i64);

#[derive(VmState, Debug, PartialEq, Default)]
#[vmstate(name = "dev")]
struct Dev {
    a: Reg<u8>,
    b: [Flags; 2],
    #[vmstate(max_len = 4)]
    c: Vec<Outer>,
    #[vmstate(max_len = 4)]
    d: Box<[Reg<u32>]>,
    e: Renamed,
    f: ViaMacro,
    #[vmstate(max_len = 4)]
    g: Vec<Typed<Uart>>,
    h: [NamedTyped<Uart, u8>; 2],
}

fn main() {
    let src = Dev {
        a: Reg(1),
        b: [Flags { r#type: 2 }, Flags { r#type: 3 }],
        c: vec![Outer(Reg(4))],
        d: vec![Reg(5)].into_boxed_slice(),
        e: Renamed(-6),
        f: ViaMacro(7),
        g: vec![Typed(std::marker::PhantomData, 0x1234_5678)],
        h: [NamedTyped {
            kind: std::marker::PhantomData,
            value: 0x180,
            other: std::marker::PhantomData,
        }; 2],
    };
    // The same bytes as the values alone, in both formats.
    #[derive(VmState)]
    #[vmstate(name = "values")]
    struct Values {
        #[vmstate(max_len = 4)]
        g: Vec<u32>,
        h: [u16; 2],
    }
    #[derive(VmState)]
    #[vmstate(name = "values")]
    struct Typeds {
        #[vmstate(max_len = 4)]
        g: Vec<Typed<Uart>>,
        h: [NamedTyped<Uart, u8>; 2],
    }
    let typed = Typeds { g: src.g.clone(), h: src.h };
    let values = Values { g: vec![0x1234_5678], h: [0x180; 2] };
    assert_eq!(vmstate_core::to_bytes(&typed).unwrap(), vmstate_core::to_bytes(&values).unwrap());
    assert_eq!(
        vmstate_core::qemu::to_bytes(&typed).unwrap(),
        vmstate_core::qemu::to_bytes(&values).unwrap()
    );
    assert_eq!(
        <ViaMacro as vmstate_core::Field>::SHAPE,
        <u16 as vmstate_core::Field>::SHAPE
    );
    let mut dst = Dev {
        d: vec![Reg(0)].into_boxed_slice(),
        ..Dev::default()
    };
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
}
