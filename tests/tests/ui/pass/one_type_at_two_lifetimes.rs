// Two fields of one struct type at two lifetimes (`Inner<'a>`, `Inner<'b>`), generic or not:
// the derive bounds the type once for every lifetime (two where clauses differing only in
// lifetimes left every use ambiguous: 43 errors on the derive), and the struct saves and
// loads.
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

#[derive(VmState)]
#[vmstate(name = "tagged")]
struct Tagged<'a, T> {
    v: T,
    #[vmstate(skip)]
    name: &'a str,
}

/// Generic: `Tagged<'_, T>: Field` needs `T: Field`, which the bound for every lifetime
/// carries.
#[derive(VmState)]
#[vmstate(name = "pair")]
struct Pair<'a, 'b, T> {
    first: Tagged<'a, T>,
    second: Tagged<'b, T>,
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

    let pair = Pair {
        first: Tagged { v: 7u16, name: &s },
        second: Tagged { v: 9u16, name: "b" },
    };
    let bytes = vmstate_core::qemu::to_bytes(&pair).unwrap();
    assert_eq!(bytes, [0, 7, 0, 9]);
    let mut back = Pair {
        first: Tagged { v: 0u16, name: &s },
        second: Tagged { v: 0u16, name: "c" },
    };
    vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
    assert_eq!((back.first.v, back.second.v, back.second.name), (7, 9, "c"));
}
