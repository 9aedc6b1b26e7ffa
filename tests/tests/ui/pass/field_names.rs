// `name = "..."` on a field: the name in the description, schemas and error paths (QEMU's
// names for fields are C expressions such as `reg.compare`), while the Rust field keeps its
// own; the bytes do not change.
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "timer")]
struct Timer {
    #[vmstate(name = "reg.ctrl_status")]
    ctrl_status: u32,
    #[vmstate(name = "reg.compare", range = "..8")]
    compare: [u8; 2],
    #[vmstate(name = "match", immutable)]
    r#match: u8,
    #[vmstate(name = "host_only", skip)]
    cache: u64,
    plain: u16,
}

#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "timer")]
struct Unnamed {
    ctrl_status: u32,
    compare: [u8; 2],
    #[vmstate(immutable)]
    r#match: u8,
    #[vmstate(skip)]
    cache: u64,
    plain: u16,
}

// Names are data, not format strings: braces pass through the compile-time checks' messages.
#[derive(VmState, Default, PartialEq, Debug)]
#[vmstate(name = "d{v}/a")]
struct SubA {
    x: u8,
}

#[derive(VmState, Default, PartialEq, Debug)]
#[vmstate(name = "d{v}/b")]
struct SubB {
    x: u8,
}

#[derive(VmState, Default, PartialEq, Debug)]
#[vmstate(name = "d{v}")]
struct Braces {
    #[vmstate(subsection, needed = "Self::sent", name = "sub{a}")]
    a: SubA,
    #[vmstate(subsection, needed = "Self::sent", name = "}")]
    b: SubB,
}

impl Braces {
    fn sent(&self) -> bool {
        true
    }
}

fn main() {
    let d = <Timer as VmState>::DESCRIPTION;
    let names: Vec<_> = d.fields.iter().map(|f| f.name).collect();
    assert_eq!(names, ["reg.ctrl_status", "reg.compare", "match", "host_only", "plain"]);

    let timer = Timer { ctrl_status: 1, compare: [2, 3], r#match: 4, cache: 5, plain: 6 };
    let unnamed = Unnamed { ctrl_status: 1, compare: [2, 3], r#match: 4, cache: 5, plain: 6 };
    let bytes = vmstate_core::to_bytes(&timer).unwrap();
    assert_eq!(bytes, vmstate_core::to_bytes(&unnamed).unwrap());
    let mut back = Timer { ctrl_status: 0, compare: [0, 0], r#match: 4, cache: 5, plain: 0 };
    vmstate_core::from_bytes(&mut back, &bytes).unwrap();
    assert_eq!(back, timer);

    let wild = Unnamed { compare: [2, 9], ..unnamed };
    let err = vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&wild).unwrap())
        .unwrap_err();
    assert_eq!(err.path(), "timer.reg.compare[1]");
    let mut other = Timer { r#match: 7, ..back };
    let err = vmstate_core::from_bytes(&mut other, &bytes).unwrap_err();
    assert_eq!(err.path(), "timer.match");

    let braces = Braces { a: SubA { x: 1 }, b: SubB { x: 2 } };
    let mut back = Braces::default();
    let bytes = vmstate_core::qemu::to_bytes(&braces).unwrap();
    vmstate_core::qemu::from_bytes(&mut back, &bytes, 1, 0).unwrap();
    assert_eq!(back, braces);
}
