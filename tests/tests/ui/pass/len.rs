// `len` with every kind of count: a migrated one of each integer width (raw identifier,
// `Cell`, behind `since`, of a parameter's type), an immutable and a skipped one (also a
// `usize`, which no wire carries); in generic
// structs, with `Box<[T]>`, `String` and a `Vec` of structs, under `#[no_implicit_prelude]`.
#![no_implicit_prelude]
extern crate std;
extern crate vmstate_core;

use std::{
    assert_eq, boxed::Box, cell::Cell, convert::From, default::Default, string::String, vec,
    vec::Vec,
};
use vmstate_core::VmState;

#[derive(VmState, Debug, Default, Clone, PartialEq)]
#[vmstate(name = "entry")]
struct Entry {
    addr: u64,
}

#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "ring", version = 2, minimum_version = 1)]
struct Ring<T: Default> {
    r#type: u8,
    #[vmstate(len = "r#type", max_len = 4)]
    a: Vec<T>,
    n16: Cell<u16>,
    #[vmstate(len = "n16", max_len = 4)]
    b: Box<[u8]>,
    #[vmstate(since = 2)]
    n64: i64,
    #[vmstate(len = "n64", max_len = 8)]
    name: String,
    #[vmstate(immutable)]
    slots: u32,
    #[vmstate(len = "slots", max_len = 4)]
    entries: Vec<Entry>,
    #[vmstate(skip)]
    irqs: i16,
    #[vmstate(len = "irqs", max_len = 4)]
    levels: Vec<bool>,
    #[vmstate(skip)]
    capacity: usize,
    #[vmstate(len = "capacity", max_len = 8)]
    fifo: Vec<u8>,
}

/// A count whose type is a parameter, sent always and behind `since`.
#[derive(VmState, Debug, Default, PartialEq)]
#[vmstate(name = "generic", version = 2)]
struct Generic<C: vmstate_core::Count + Default> {
    n: C,
    #[vmstate(len = "n", max_len = 4)]
    a: Vec<u8>,
    #[vmstate(since = 2)]
    m: C,
    #[vmstate(len = "m", max_len = 4)]
    b: Vec<u8>,
}

fn main() {
    let g = Generic::<i16> {
        n: 1,
        a: vec![1],
        m: 2,
        b: vec![2, 3],
    };
    let mut back = Generic::<i16>::default();
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&g).unwrap()).unwrap();
    assert_eq!(back, g);

    let ring = Ring::<u32> {
        r#type: 1,
        a: vec![7],
        n16: Cell::new(2),
        b: vec![1, 2].into_boxed_slice(),
        n64: 3,
        name: String::from("abc"),
        slots: 1,
        entries: vec![Entry { addr: 0x40 }],
        irqs: 2,
        levels: vec![true, false],
        capacity: 3,
        fifo: vec![4, 5, 6],
    };
    let mut back = Ring::<u32> {
        slots: 1,
        irqs: 2,
        capacity: 3,
        ..Ring::default()
    };
    vmstate_core::from_bytes(&mut back, &vmstate_core::to_bytes(&ring).unwrap()).unwrap();
    assert_eq!(back, ring);
    let mut back = Ring::<u32> {
        slots: 1,
        irqs: 2,
        capacity: 3,
        ..Ring::default()
    };
    let qemu = vmstate_core::qemu::to_bytes(&ring).unwrap();
    vmstate_core::qemu::from_bytes(&mut back, &qemu, 2, 0).unwrap();
    assert_eq!(back, ring);
}
