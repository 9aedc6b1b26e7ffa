// Fields named with Rust keywords: described and reported without the `r#`.
use vmstate_core::VmState;

#[derive(VmState, Debug, PartialEq)]
#[vmstate(name = "dev")]
struct Dev {
    r#type: u32,
    #[vmstate(immutable)]
    r#match: u8,
    r#loop: [u16; 2],
    r#ref: [r#box; 2],
}

#[derive(VmState, Debug, PartialEq, Clone, Copy)]
#[allow(non_camel_case_types)]
struct r#box {
    x: u8,
}

#[derive(VmState, Debug, PartialEq)]
#[allow(non_camel_case_types)]
struct r#Board {
    x: u8,
}

fn main() {
    let d = <Dev as VmState>::DESCRIPTION;
    let names: Vec<_> = d.fields.iter().map(|f| f.name).collect();
    assert_eq!(names, ["type", "match", "loop", "ref"]);
    assert_eq!(d.fields[3].rust_type, "[box; 2]");
    assert_eq!(<Board as VmState>::DESCRIPTION.name, "board");

    let src = Dev { r#type: 7, r#match: 1, r#loop: [2, 3], r#ref: [r#box { x: 4 }; 2] };
    let bytes = vmstate_core::to_bytes(&src).unwrap();
    let mut dst = Dev { r#type: 0, r#match: 1, r#loop: [0, 0], r#ref: [r#box { x: 0 }; 2] };
    vmstate_core::from_bytes(&mut dst, &bytes).unwrap();
    assert_eq!(dst, src);

    let mut other = Dev { r#type: 0, r#match: 2, r#loop: [0, 0], r#ref: [r#box { x: 0 }; 2] };
    let err = vmstate_core::from_bytes(&mut other, &bytes).unwrap_err().to_string();
    assert!(err.starts_with("dev.match: "), "{err}");
}
