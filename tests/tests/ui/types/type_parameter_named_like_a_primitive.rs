// A type parameter named like a primitive, or like a std type the derive knows by name: a field
// of that type would be read as the primitive (and the hooks and checks of the struct it
// stands for would never run) or refused as the std type. Refused on the parameter.
#![allow(non_camel_case_types)]
use vmstate_core::VmState;

#[derive(VmState)]
struct Dev<u32: Copy> {
    t: u32,
}

#[derive(VmState)]
struct Banks<const N: usize, r#bool> {
    banks: [r#bool; N],
}

#[derive(VmState)]
struct Text<String: Copy> {
    s: String,
}

fn main() {}
