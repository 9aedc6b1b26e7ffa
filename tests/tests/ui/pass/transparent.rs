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
}

fn main() {
    let src = Dev {
        a: Reg(1),
        b: [Flags { r#type: 2 }, Flags { r#type: 3 }],
        c: vec![Outer(Reg(4))],
        d: vec![Reg(5)].into_boxed_slice(),
        e: Renamed(-6),
        f: ViaMacro(7),
    };
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
