// A struct behind a primitive's name: the derive takes `u32` for the primitive and would
// run none of `Timer`'s hooks or checks, so it is refused, on the struct, naming the field.
#![allow(non_camel_case_types)]
use vmstate_core::VmState;

#[derive(VmState, Default, Clone, Copy)]
#[vmstate(name = "timer", post_load = "Self::after")]
pub struct Timer {
    count: ::core::primitive::u32,
}

impl Timer {
    fn after(&mut self) {}
}

mod regs {
    pub type u16 = super::Timer;
}

type u32 = Timer;

#[derive(VmState, Default)]
struct Dev {
    t: u32,
    ok: ::core::primitive::u8,
}

#[derive(VmState, Default)]
struct Banks {
    banks: [regs::u16; 2],
    plain: [u16; 2],
}

#[derive(VmState, Default)]
struct Arrays {
    ok: ::core::primitive::u64,
    arr: [u32; 2],
}

// An array whose length is a parameter: its element is checked.
#[derive(VmState)]
struct Sized_<const N: usize> {
    arr: [u32; N],
}

fn main() {}
