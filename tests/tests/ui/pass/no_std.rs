// A `#![no_std]` crate (here linking std under another name for its `main`) has no `::std`:
// the generated code reaches `Vec` through the runtime crate.
#![no_std]
extern crate alloc;
extern crate std as realstd;

use alloc::vec::Vec;
use vmstate_core::VmState;

#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "elem")]
struct Elem {
    x: u8,
}

#[derive(VmState, Debug, Default, PartialEq, Clone, Copy)]
#[repr(u8)]
enum Mode {
    #[default]
    Off,
    On,
}

#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "dev")]
struct Dev {
    #[vmstate(max_len = 4)]
    elems: Vec<Elem>,
    #[vmstate(max_len = 4)]
    modes: Vec<Mode>,
    #[vmstate(max_len = 8)]
    bytes: Vec<u8>,
}

fn main() {
    let src = Dev {
        elems: alloc::vec![Elem { x: 1 }],
        modes: alloc::vec![Mode::On, Mode::Off],
        bytes: alloc::vec![2, 3],
    };
    let mut dst = Dev::default();
    vmstate_core::from_bytes(&mut dst, &vmstate_core::to_bytes(&src).unwrap()).unwrap();
    realstd::assert_eq!(dst, src);
}
