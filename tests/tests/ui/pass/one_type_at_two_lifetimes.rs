// Two fields of one struct type at two lifetimes (`Inner<'a>`, `Inner<'b>`): the derive
// bounds neither (two where clauses differing only in lifetimes left every use ambiguous:
// 43 errors on the derive), and the struct saves and loads.
use vmstate_core::VmState;

#[derive(VmState)]
#[vmstate(name = "inner")]
struct Inner<'a> {
    v: u8,
    #[vmstate(skip)]
    name: &'a str,
}

#[derive(VmState)]
#[vmstate(name = "outer")]
struct Outer<'a, 'b: 'a> {
    i: Inner<'a>,
    j: Inner<'b>,
    k: [Inner<'static>; 2],
}

fn inner(v: u8, name: &str) -> Inner<'_> {
    Inner { v, name }
}

fn main() {
    let s = String::from("x");
    let src = Outer {
        i: inner(1, &s),
        j: inner(2, "y"),
        k: [inner(3, "z"), inner(4, "w")],
    };
    let bytes = vmstate_core::qemu::to_bytes(&src).unwrap();
    assert_eq!(bytes, [1, 2, 3, 4]);
    let mut dst = Outer {
        i: inner(0, &s),
        j: inner(0, "b"),
        k: [inner(0, "c"), inner(0, "d")],
    };
    vmstate_core::qemu::from_bytes(&mut dst, &bytes, 1, 0).unwrap();
    assert_eq!((dst.i.v, dst.j.v, dst.k[1].v), (1, 2, 4));
    assert_eq!((dst.i.name, dst.j.name), ("x", "b"));
}
