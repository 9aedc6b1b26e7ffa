// The derive copies field types into its own items. The lints the user allows on the struct
// or a field (also under `cfg_attr`, or as `expect`) are allowed there too, so a lint-clean
// struct stays lint-clean under `deny(warnings)`.
#![deny(warnings, unused_qualifications)]
use vmstate_core::VmState;

#[allow(unused_braces)]
#[derive(VmState, Debug, Default, PartialEq)]
struct OnTheStruct {
    braced: [u8; { 4 }],
}

#[derive(VmState, Debug, Default, PartialEq)]
struct OnTheFields {
    #[allow(unused_parens)]
    parens: [(u16); 2],
    #[cfg_attr(all(), allow(unused_qualifications))]
    #[vmstate(max_len = 4)]
    qualified: std::vec::Vec<u8>,
    #[expect(unused_braces, reason = "kept as the datasheet writes it")]
    expected: [u8; { 2 }],
}

fn main() {
    let src = OnTheFields {
        parens: [1, 2],
        qualified: vec![3],
        expected: [4, 5],
    };
    let mut dst = OnTheFields::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    assert_eq!(dst, src);
    let _ = OnTheStruct::default();
}
